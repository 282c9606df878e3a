// The lab: the lesson menu and the step screen, over a LessonSession (which
// runs commands and checks; it knows nothing of Ink).  Keys act when the
// prompt is empty (none is the first letter of berth, docker, curl or wget);
// otherwise letters go to the prompt.
import { useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useReducer, useRef } from 'react';
import type { Engine } from '../engine/engine.js';
import { cleanupLesson } from '../lessons/cleanup.js';
import type { Prepared } from '../lessons/command-line.js';
import { lessonState } from '../lessons/listing.js';
import type { LoadedLesson } from '../lessons/loader.js';
import { atStep, lessonProgress, loadProgress, passStep, progressFile, resetLesson, resetStep, saveProgress, type Progress } from '../lessons/progress.js';
import { LessonSession } from '../lessons/session.js';
import { completion, initialState, reduce, type LabEvent } from './lab-state.js';
import { Menu, type MenuRow } from './components/Menu.js';
import { StepScreen } from './components/StepScreen.js';
import { useHoodFacts } from './use-hood-facts.js';
import { useMarkdown } from './use-markdown.js';

export interface AppProps {
  readonly lessons: readonly LoadedLesson[];
  readonly present: ReadonlySet<string>;
  readonly openEngine: () => Promise<Engine>;
  readonly progressPath?: string;
  /** runs an interactive command on the real terminal (Ink paused); resolves to its exit code */
  readonly runInteractive?: (prepared: Prepared, session: LessonSession) => Promise<number>;
  /** how often an open, unpassed step is checked again (ms; 0: never) */
  readonly recheckMs?: number;
}

const DETACH = '\x10\x11';

/** Without a terminal to hand over (tests): type ctrl-p ctrl-q after a moment, as the headless runner does. */
async function headlessInteractive(prepared: Prepared, session: LessonSession): Promise<number> {
  return (await session.run(prepared, { typeAfter: { delayMs: 1500, text: DETACH }, timeoutMs: 30_000 }).result).code;
}

export function App({ lessons, present, openEngine, progressPath = progressFile(), runInteractive = headlessInteractive, recheckMs = 3000 }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const width = Math.max(40, Math.min(stdout?.columns || 80, 100));
  const height = Math.max(16, stdout?.rows || 24);
  const progress = useRef<Progress>(loadProgress(progressPath));
  const resumeIndex = Math.max(0, lessons.findIndex((l) => l.lesson.id === progress.current.current));
  const [state, dispatchNow] = useReducer(reduce, initialState(resumeIndex));
  // What is typed, as of the last key (a render may not have happened yet when the next key comes).
  const typed = useRef('');
  const dispatch = (event: LabEvent) => {
    if (event.type === 'append') typed.current += event.text;
    else if (event.type === 'backspace') typed.current = typed.current.slice(0, -1);
    else if (event.type === 'input') typed.current = event.value;
    else if (['start', 'suspend', 'open', 'goto', 'menu', 'reset-step'].includes(event.type)) typed.current = '';
    dispatchNow(event);
  };
  // The state of the last render: Ink may deliver a key before the effect that re-subscribes the new handler runs.
  const latest = useRef(state);
  latest.current = state;
  const session = useRef<LessonSession | undefined>(undefined);
  const aborter = useRef<(() => void) | undefined>(undefined);
  const item = lessons[state.lesson];
  const lesson = item?.lesson;
  const step = state.screen === 'step' ? lesson?.steps[state.step] : undefined;

  const save = (next: Progress) => {
    progress.current = next;
    try {
      saveProgress(next, progressPath);
    } catch (error) {
      dispatch({ type: 'notice', text: `progress not saved: ${(error as Error).message}` });
    }
  };

  const rows: MenuRow[] = useMemo(
    () =>
      lessons.map((l) => {
        const { state: s, note } = lessonState(l, progress.current, present);
        return { title: l.lesson.title || l.lesson.file, duration: l.lesson.duration, state: s, note, details: s === 'broken' ? l.problems.filter((p) => p.severity === 'error').map((p) => `${p.step ? `step "${p.step}": ` : ''}${p.message}`) : l.lesson.objectives };
      }),
    [lessons, present, state.screen],
  );

  const check = async () => {
    if (!step || !session.current) return;
    const verdict = await session.current.check(step);
    dispatch({ type: 'verdict', verdict });
    if (verdict.ok && !lessonProgress(progress.current, lesson!.id).passed.includes(step.index)) save(passStep(progress.current, lesson!.id, step.index, lesson!.steps.length));
  };

  const open = (index: number) => {
    const target = lessons[index]!;
    const { state: s } = lessonState(target, progress.current, present);
    if (s === 'broken' || s === 'coming' || !target.lesson.steps.length) return;
    const saved = lessonProgress(progress.current, target.lesson.id);
    const at = Math.min(saved.step, target.lesson.steps.length - 1);
    session.current = new LessonSession(target.lesson, openEngine);
    dispatch({ type: 'open', lesson: index, step: at });
    save(atStep(progress.current, target.lesson.id, at));
    void prepareLesson(session.current, at);
  };

  /** Re-entering cleans up what an earlier attempt left; resuming at step k replays the solutions of steps before it. */
  const prepareLesson = async (s: LessonSession, at: number) => {
    dispatch({ type: 'busy', text: 'Cleaning up what an earlier attempt left…' });
    try {
      await cleanupLesson(await openEngine(), s.lesson.id);
      for (const earlier of s.lesson.steps.slice(0, at)) {
        dispatch({ type: 'busy', text: `Restoring: step ${earlier.index + 1} (${earlier.title})…` });
        for (const line of earlier.solution) {
          const { prepared } = s.prepare(line);
          if (prepared) await s.run(prepared, { typeAfter: prepared.interactive ? { delayMs: 1500, text: DETACH } : undefined, timeoutMs: 10 * 60_000 }).result;
        }
      }
    } catch (error) {
      dispatch({ type: 'notice', text: `could not prepare the lesson: ${(error as Error).message}` });
    }
    s.enterStep();
    s.toldAboutDocker = false;
    if (session.current === s) dispatch({ type: 'busy', text: '' });
  };

  const goto = (to: number) => {
    if (!lesson || to < 0 || to >= lesson.steps.length) {
      if (lesson && to >= lesson.steps.length) dispatch({ type: 'notice', text: 'Last step: l goes back to the lessons.' });
      return;
    }
    session.current?.enterStep();
    dispatch({ type: 'goto', step: to });
    save(atStep(progress.current, lesson.id, to));
  };

  const runLine = async (line: string) => {
    const s = session.current;
    if (!s || !step) return;
    const { prepared, error, notice } = s.prepare(line);
    if (!prepared) {
      dispatch({ type: 'notice', text: error! });
      dispatch({ type: 'input', value: '' });
      return;
    }
    dispatch({ type: 'notice', text: notice ?? '' });
    if (prepared.interactive) {
      dispatch({ type: 'suspend', line });
      // let Ink drop raw mode first (every useInput goes inactive while suspended)
      await new Promise((r) => setTimeout(r, 50));
      const code = await runInteractive(prepared, s).catch(() => 1);
      s.record('', code);
      dispatch({ type: 'finish', code, killed: false });
    } else {
      dispatch({ type: 'start', line });
      const running = s.run(prepared, { onData: (chunk) => dispatch({ type: 'output', chunk }) });
      aborter.current = running.abort;
      const result = await running.result;
      aborter.current = undefined;
      dispatch({ type: 'finish', code: result.code, killed: result.killed });
    }
    await check();
  };

  const quit = async () => {
    aborter.current?.();
    const { screen, lesson: index } = latest.current;
    const lesson = lessons[index]?.lesson;
    if (lesson && screen === 'step') {
      dispatch({ type: 'busy', text: 'Removing the lesson\'s containers…' });
      await cleanupLesson(await openEngine(), lesson.id).catch(() => undefined);
    }
    exit();
  };

  // An open step that has not passed is checked again now and then: any way of reaching the goal counts.
  useEffect(() => {
    if (!step || state.passed || state.running || state.busy || !recheckMs) return;
    const timer = setInterval(() => void check(), recheckMs);
    return () => clearInterval(timer);
  }, [step, state.passed, state.running, state.busy, recheckMs]);

  useInput(
    (input, key) => {
      const state = latest.current;
      const lesson = lessons[state.lesson]?.lesson;
      const step = state.screen === 'step' ? lesson?.steps[state.step] : undefined;
      if (state.screen === 'menu') {
        if (key.upArrow || input === 'k') dispatch({ type: 'move', delta: -1, count: lessons.length });
        else if (key.downArrow || input === 'j') dispatch({ type: 'move', delta: 1, count: lessons.length });
        else if (key.return) open(state.selected);
        else if (input === 'q' || (key.ctrl && input === 'c')) void quit();
        return;
      }
      if (!step || !lesson) return;
      if (state.running) {
        if (key.ctrl && input === 'c') aborter.current?.();
        return;
      }
      if (key.ctrl && input === 'c') {
        if (typed.current) dispatch({ type: 'input', value: '' });
        else void quit();
        return;
      }
      if (key.return) {
        if (state.busy) return;
        if (typed.current.trim()) void runLine(typed.current);
        else dispatch({ type: 'notice', text: 'Type a command (Tab fills in the suggestion).' });
        return;
      }
      if (key.tab || key.rightArrow) {
        const next = completion(typed.current, step.commands);
        if (next) dispatch({ type: 'input', value: next });
        return;
      }
      if (key.backspace || key.delete) return dispatch({ type: 'backspace' });
      if (key.escape || (key.ctrl && input === 'u')) return dispatch({ type: 'input', value: '' });
      if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow) return;
      if (!typed.current && input.length === 1) {
        switch (input) {
          case 'h':
            return dispatch({ type: 'hint', available: step.hints.length });
          case 's':
            return dispatch({ type: 'solution' });
          case 'u':
            return dispatch({ type: 'hood' });
          case 'n':
            return goto(state.step + 1);
          case 'p': // not b: b starts "berth"
            return goto(state.step - 1);
          case 'r':
            save(resetStep(progress.current, lesson.id, state.step));
            session.current?.enterStep();
            return dispatch({ type: 'reset-step' });
          case 'R':
            save(atStep(resetLesson(progress.current, lesson.id), lesson.id, 0));
            dispatch({ type: 'open', lesson: state.lesson, step: 0 });
            return void prepareLesson(session.current!, 0);
          case 'l':
            return dispatch({ type: 'menu' });
          case 'q':
            return void quit();
        }
      }
      if (input && !/[\x00-\x1f]/.test(input)) dispatch({ type: 'append', text: input });
    },
    { isActive: !state.suspended },
  );

  const prose = useMarkdown(step ? step.prose : '', width);
  const named = useMemo(() => (step ? step.checks.flatMap((c) => (c.args && typeof c.args === 'object' && 'name' in c.args ? [String((c.args as { name: unknown }).name)] : c.args && typeof c.args === 'object' && 'container' in c.args ? [String((c.args as { container: unknown }).container)] : [])) : []), [step]);
  const facts = useHoodFacts(state.hoodShown && !!step, openEngine, lesson?.id ?? '', named, state.running);

  if (state.screen === 'menu' || !step || !lesson) {
    const resume = progress.current.current && lessons[resumeIndex] ? `Resume "${lessons[resumeIndex]!.lesson.title}" at step ${lessonProgress(progress.current, progress.current.current).step + 1}: press Enter.` : undefined;
    return <Menu rows={rows} selected={state.selected} width={width} resume={resume} />;
  }
  if (state.suspended) {
    return null;
  }
  const suggestion = completion(state.input, step.commands) ?? (state.input ? undefined : step.commands[0]);
  return (
    <StepScreen
      lesson={lesson}
      step={step}
      state={state}
      prose={prose}
      facts={facts}
      passedBefore={lessonProgress(progress.current, lesson.id).passed.includes(step.index)}
      suggestion={suggestion}
      width={width}
      height={height}
    />
  );
}
