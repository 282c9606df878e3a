// The lab's screen state (a pure reducer), the key map over it, and the
// prompt's shadow copy: what a learner sees change for each key and event.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { namedContainers } from '../../src/lessons/checks/index.js';
import type { Step } from '../../src/lessons/types.js';
import { keyAction } from '../../src/tui/key-map.js';
import { completion, initialState, reduce, tail, type LabEvent, type LabState } from '../../src/tui/lab-state.js';
import { typedAfter } from '../../src/tui/use-lab-state.js';

const run = (events: LabEvent[], from: LabState = initialState()) => events.reduce(reduce, from);
const onStep = (step = 0) => run([{ type: 'open', lesson: 2, step }]);
const ok = { ok: true, results: [{ ok: true, detail: 'busybox is there', kind: 'images' }] };
const notYet = { ok: false, results: [{ ok: false, detail: 'no busybox yet', kind: 'images' }] };

const state = suite('lab state');

state('the menu: moving stays within the rows; opening enters the step with a fresh screen', () => {
  assert.is(run([{ type: 'move', delta: -1, count: 3 }]).selected, 0);
  assert.is(run([{ type: 'move', delta: 1, count: 3 }, { type: 'move', delta: 1, count: 3 }, { type: 'move', delta: 1, count: 3 }]).selected, 2);
  const opened = run([{ type: 'append', text: 'left over' }, { type: 'hint', available: 2 }, { type: 'open', lesson: 1, step: 3 }]);
  assert.equal([opened.screen, opened.lesson, opened.selected, opened.step, opened.input, opened.hintsShown, opened.passed], ['step', 1, 1, 3, '', 0, false]);
});

state('hints count up to what the step has, then say the solution is next', () => {
  let s = onStep();
  s = reduce(s, { type: 'hint', available: 2 });
  s = reduce(s, { type: 'hint', available: 2 });
  assert.equal([s.hintsShown, s.notice], [2, '']);
  s = reduce(s, { type: 'hint', available: 2 });
  assert.equal([s.hintsShown, s.notice], [2, 'No more hints: s shows the solution.']);
  assert.is(reduce(onStep(), { type: 'hint', available: 0 }).notice, 'This step has no hints: s shows the solution.');
});

state('a command: start clears the prompt and output, output accumulates, finish notes a failure or a stop', () => {
  let s = run([{ type: 'input', value: 'berth ps' }, { type: 'output', chunk: 'old' }, { type: 'start', line: 'berth ps' }], onStep());
  assert.equal([s.running, s.input, s.output], ['berth ps', '', '']);
  s = run([{ type: 'output', chunk: 'CONTAINER ID\n' }, { type: 'output', chunk: 'abc\n' }, { type: 'finish', code: 0, killed: false }], s);
  assert.equal([s.running, s.output], [undefined, 'CONTAINER ID\nabc\n']);
  assert.match(run([{ type: 'start', line: 'x' }, { type: 'finish', code: 125, killed: false }], s).output, /\(exit code 125\)\n$/);
  assert.match(run([{ type: 'start', line: 'x' }, { type: 'finish', code: 130, killed: true }], s).output, /\(stopped\)\n$/);
});

state('output is kept to its last 16 000 characters', () => {
  const s = run([{ type: 'start', line: 'yes' }, { type: 'output', chunk: 'a'.repeat(15_000) }, { type: 'output', chunk: 'b'.repeat(2_000) }], onStep());
  assert.is(s.output.length, 16_000);
  assert.ok(s.output.endsWith('b'.repeat(2_000)) && s.output.startsWith('a'));
});

state('an interactive command suspends the screen until it finishes', () => {
  const s = run([{ type: 'suspend', line: 'berth attach web' }], onStep());
  assert.equal([s.suspended, s.running], ['berth attach web', 'berth attach web']);
  const after = reduce(s, { type: 'finish', code: 0, killed: false });
  assert.equal([after.suspended, after.running], [undefined, undefined]);
});

state('a passed step stays passed when a later check fails; a new step or a reset starts unpassed', () => {
  let s = run([{ type: 'verdict', verdict: ok }, { type: 'verdict', verdict: notYet }], onStep());
  assert.equal([s.passed, s.verdict], [true, notYet]);
  assert.is(reduce(s, { type: 'goto', step: 1 }).passed, false);
  const reset = reduce(s, { type: 'reset-step' });
  assert.equal([reset.passed, reset.verdict, reset.step], [false, undefined, 0]);
});

state('back to the menu ends any busy message; the hood panel toggles', () => {
  const s = run([{ type: 'busy', text: 'Restoring: step 1…' }, { type: 'menu' }], onStep());
  assert.equal([s.screen, s.busy], ['menu', '']);
  assert.is(run([{ type: 'hood' }], onStep()).hoodShown, true);
  assert.is(run([{ type: 'hood' }, { type: 'hood' }], onStep()).hoodShown, false);
});

state('tail: the last rows, cut to the width, with CRs, tabs and colour codes tamed', () => {
  assert.equal(tail('a\nb\nc\n\n', 2, 10), ['b', 'c']);
  assert.equal(tail('one\r\ntwo\rthree', 3, 10), ['one', 'two', 'three']);
  assert.equal(tail('\x1b[32mgreen\x1b[0m\tx', 1, 20), ['green  x']);
  assert.equal(tail('abcdefghij', 1, 5), ['abcd…']);
});

state('completion: the first suggestion that extends what is typed', () => {
  const suggestions = ['berth pull busybox', 'berth images'];
  assert.is(completion('', suggestions), 'berth pull busybox');
  assert.is(completion('berth i', suggestions), 'berth images');
  assert.is(completion('berth images', suggestions), undefined);
  assert.is(completion('docker', suggestions), undefined);
});

state.run();

const keys = suite('lab keys');
const step = { index: 0, title: 'Pull busybox', commands: ['berth pull busybox'], hints: ['one'], solution: [], checks: [], prose: '' } as unknown as Step;
const press = (s: LabState, input: string, key = {}, typed = s.input) => keyAction(s, typed, input, key, 4, s.screen === 'step' ? step : undefined);

keys('the menu: j/k and arrows move, Enter opens the row, q quits', () => {
  const menu = initialState(1);
  assert.equal(press(menu, 'j'), { type: 'dispatch', event: { type: 'move', delta: 1, count: 4 } });
  assert.equal(press(menu, '', { upArrow: true }), { type: 'dispatch', event: { type: 'move', delta: -1, count: 4 } });
  assert.equal(press(menu, '', { return: true }), { type: 'open', lesson: 1 });
  assert.equal(press(menu, 'q'), { type: 'quit' });
  assert.equal(press(menu, 'h'), { type: 'none' });
});

keys('on a step, letters are keys only while the prompt is empty; then they are typed', () => {
  const s = onStep(1);
  assert.equal(press(s, 'h'), { type: 'dispatch', event: { type: 'hint', available: 1 } });
  assert.equal(press(s, 'n'), { type: 'goto', step: 2 });
  assert.equal(press(s, 'p'), { type: 'goto', step: 0 });
  assert.equal(press(s, 'R'), { type: 'reset-lesson' });
  assert.equal(press(s, 'q'), { type: 'quit' });
  assert.equal(press(s, 'b'), { type: 'dispatch', event: { type: 'append', text: 'b' } });
  assert.equal(press(s, 'q', {}, 'berth '), { type: 'dispatch', event: { type: 'append', text: 'q' } });
});

keys('Enter runs what is typed (not while busy), Tab completes, ctrl-c clears then quits, and stops a running command', () => {
  const s = onStep();
  assert.equal(press(s, '', { return: true }, 'berth ps'), { type: 'run', line: 'berth ps' });
  assert.equal(press(s, '', { return: true }, '  '), { type: 'dispatch', event: { type: 'notice', text: 'Type a command (Tab fills in the suggestion).' } });
  assert.equal(press({ ...s, busy: 'Restoring…' }, '', { return: true }, 'berth ps'), { type: 'none' });
  assert.equal(press(s, '', { tab: true }, 'berth p'), { type: 'dispatch', event: { type: 'input', value: 'berth pull busybox' } });
  assert.equal(press(s, 'c', { ctrl: true }, 'berth'), { type: 'dispatch', event: { type: 'input', value: '' } });
  assert.equal(press(s, 'c', { ctrl: true }, ''), { type: 'quit' });
  const running = reduce(s, { type: 'start', line: 'berth run busybox sleep 9' });
  assert.equal(press(running, 'c', { ctrl: true }), { type: 'abort' });
  assert.equal(press(running, 'q'), { type: 'none' });
});

keys('the prompt copy follows the keys before a render, and empties when a command starts or the step changes', () => {
  const typed = [{ type: 'append', text: 'berth' }, { type: 'append', text: ' ps' }, { type: 'backspace' }] as LabEvent[];
  assert.is(typed.reduce(typedAfter, ''), 'berth p');
  assert.is(typedAfter('berth ps', { type: 'start', line: 'berth ps' }), '');
  assert.is(typedAfter('berth ps', { type: 'goto', step: 1 }), '');
  assert.is(typedAfter('berth ps', { type: 'notice', text: 'hi' }), 'berth ps');
});

keys('the under-the-hood panel looks at the containers the checks name, as each check kind defines them', () => {
  const checks = [
    { kind: 'image', args: { name: 'mybox' } }, // an image's name, not a container's
    { kind: 'container', args: { name: 'web', status: 'running' } },
    { kind: 'container', args: { image: 'busybox' } },
    { kind: 'file-in-container', args: { container: 'cow', path: '/hello.txt' } },
    { kind: 'diff', args: { container: 'cow2', has: ['A /x'] } },
    { kind: 'container', args: { name: 'x', colour: 'blue' } }, // invalid: named nothing
  ];
  assert.equal(namedContainers(checks), ['web', 'cow', 'cow2']);
});

keys.run();
