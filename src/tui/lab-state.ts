// The lab screen's state and every change to it, as a pure reducer: the Ink
// components render it, the hooks feed it events.  No Ink, no engine here.
import type { Verdict } from '../lessons/checks/index.js';

export type Screen = 'menu' | 'step';

export interface LabState {
  readonly screen: Screen;
  /** highlighted row in the menu */
  readonly selected: number;
  /** index in the loaded lessons of the lesson open */
  readonly lesson: number;
  readonly step: number;
  /** what the learner is typing */
  readonly input: string;
  readonly hintsShown: number;
  readonly solutionShown: boolean;
  /** the under-the-hood panel replaces the prose */
  readonly hoodShown: boolean;
  /** output of the command running or last run */
  readonly output: string;
  /** the line running now (undefined when idle) */
  readonly running?: string;
  /** an interactive command waiting for the real terminal */
  readonly suspended?: string;
  readonly verdict?: Verdict;
  readonly passed: boolean;
  /** one-line messages: the docker note, a rejected line, "restoring steps 1-2" */
  readonly notice: string;
  /** busy with something other than a command (cleanup, catching up) */
  readonly busy: string;
}

export type LabEvent =
  | { type: 'select'; index: number }
  | { type: 'move'; delta: number; count: number }
  | { type: 'append'; text: string }
  | { type: 'backspace' }
  | { type: 'open'; lesson: number; step: number }
  | { type: 'menu' }
  | { type: 'goto'; step: number }
  | { type: 'input'; value: string }
  | { type: 'hint'; available: number }
  | { type: 'solution' }
  | { type: 'hood' }
  | { type: 'start'; line: string }
  | { type: 'suspend'; line: string }
  | { type: 'output'; chunk: string }
  | { type: 'finish'; code: number; killed: boolean }
  | { type: 'verdict'; verdict: Verdict }
  | { type: 'notice'; text: string }
  | { type: 'busy'; text: string }
  | { type: 'reset-step' };

export function initialState(selected = 0): LabState {
  return { screen: 'menu', selected, lesson: 0, step: 0, input: '', hintsShown: 0, solutionShown: false, hoodShown: false, output: '', passed: false, notice: '', busy: '' };
}

const freshStep = { input: '', hintsShown: 0, solutionShown: false, output: '', running: undefined, suspended: undefined, verdict: undefined, passed: false, notice: '' } as const;

/** Output is kept to its last lines: the screen shows a few, the check reads the session's copy. */
const MAX_OUTPUT = 16_000;

export function reduce(state: LabState, event: LabEvent): LabState {
  switch (event.type) {
    case 'select':
      return { ...state, selected: event.index };
    // keys arrive faster than renders: these read the state they change, not a render's copy
    case 'move':
      return { ...state, selected: Math.max(0, Math.min(event.count - 1, state.selected + event.delta)) };
    case 'append':
      return { ...state, input: state.input + event.text };
    case 'backspace':
      return { ...state, input: state.input.slice(0, -1) };
    case 'open':
      return { ...state, ...freshStep, screen: 'step', lesson: event.lesson, selected: event.lesson, step: event.step, hoodShown: false };
    case 'menu':
      return { ...state, ...freshStep, screen: 'menu', busy: '' };
    case 'goto':
      return { ...state, ...freshStep, step: event.step };
    case 'input':
      return { ...state, input: event.value };
    case 'hint':
      return { ...state, hintsShown: Math.min(state.hintsShown + 1, event.available), notice: event.available === 0 ? 'This step has no hints: s shows the solution.' : state.hintsShown >= event.available ? 'No more hints: s shows the solution.' : '' };
    case 'solution':
      return { ...state, solutionShown: true };
    case 'hood':
      return { ...state, hoodShown: !state.hoodShown };
    case 'start':
      return { ...state, running: event.line, output: '', input: '', notice: state.notice };
    case 'suspend':
      return { ...state, suspended: event.line, running: event.line, output: '', input: '' };
    case 'output': {
      const output = state.output + event.chunk;
      return { ...state, output: output.length > MAX_OUTPUT ? output.slice(-MAX_OUTPUT) : output };
    }
    case 'finish':
      return { ...state, running: undefined, suspended: undefined, output: state.output + (event.killed ? '\n(stopped)\n' : event.code !== 0 ? `\n(exit code ${event.code})\n` : '') };
    case 'verdict':
      return { ...state, verdict: event.verdict, passed: state.passed || event.verdict.ok };
    case 'notice':
      return { ...state, notice: event.text };
    case 'busy':
      return { ...state, busy: event.text };
    case 'reset-step':
      return { ...state, ...freshStep, step: state.step };
  }
}

/** The last `rows` lines of `text`, each cut to `width` (tabs and CRs tamed). */
export function tail(text: string, rows: number, width: number): string[] {
  const lines = text.replace(/\r\n/g, '\n').replace(/\r/g, '\n').replace(/\t/g, '  ').replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').split('\n');
  while (lines.length && lines.at(-1) === '') lines.pop();
  return lines.slice(-rows).map((l) => (l.length > width ? l.slice(0, width - 1) + '…' : l));
}

/** What Tab/→ completes the input to: the first suggested line that extends what is typed. */
export function completion(input: string, suggestions: readonly string[]): string | undefined {
  return suggestions.find((s) => s.startsWith(input) && s !== input);
}
