// What the lab does over a LessonSession: open a lesson (restoring earlier
// steps), run a typed line, check the step, move between steps, reset, quit.
// The session does the work; this hook says it on screen and saves progress.
import { useApp } from 'ink';
import { useRef } from 'react';
import type { Engine } from '../engine/index.js';
import type { Prepared } from '../lessons/command-line.js';
import { lessonState } from '../lessons/listing.js';
import type { LoadedLesson } from '../lessons/loader.js';
import { atStep, lessonProgress, passStep, resetLesson, resetStep } from '../lessons/progress.js';
import { LessonSession } from '../lessons/session.js';
import type { LabStore } from './use-lab-state.js';
import type { ProgressStore } from './use-progress.js';

export type RunInteractive = (prepared: Prepared, session: LessonSession) => Promise<number>;

export interface LessonActions {
  open(index: number): void;
  goto(step: number): void;
  runLine(line: string): Promise<void>;
  check(): Promise<void>;
  resetStep(): void;
  resetLesson(): void;
  /** stops the command running */
  abort(): void;
  quit(): Promise<void>;
}

export function useLesson(lessons: readonly LoadedLesson[], present: ReadonlySet<string>, openEngine: () => Promise<Engine>, runInteractive: RunInteractive, lab: LabStore, saved: ProgressStore, commandEnv?: NodeJS.ProcessEnv): LessonActions {
  const { exit } = useApp();
  const { dispatch, latest } = lab;
  const { progress, save } = saved;
  const session = useRef<LessonSession | undefined>(undefined);
  const aborter = useRef<(() => void) | undefined>(undefined);
  /** the lesson and step on screen, as of the last render */
  const onScreen = () => {
    const state = latest.current;
    const lesson = lessons[state.lesson]?.lesson;
    return { state, lesson, step: state.screen === 'step' ? lesson?.steps[state.step] : undefined };
  };

  /** Re-entering cleans up what an earlier attempt left; resuming at step k replays the solutions of steps before it. */
  const restore = async (s: LessonSession, at: number) => {
    try {
      await s.restore(at, (text) => dispatch({ type: 'busy', text }));
    } catch (error) {
      dispatch({ type: 'notice', text: `could not prepare the lesson: ${(error as Error).message}` });
    }
    if (session.current === s) dispatch({ type: 'busy', text: '' });
  };

  const check = async () => {
    const { lesson, step } = onScreen();
    if (!step || !lesson || !session.current) return;
    const verdict = await session.current.check(step);
    dispatch({ type: 'verdict', verdict });
    if (verdict.ok && !lessonProgress(progress.current, lesson.id).passed.includes(step.index)) save(passStep(progress.current, lesson.id, step.index, lesson.steps.length));
  };

  const open = (index: number) => {
    const target = lessons[index]!;
    const { state } = lessonState(target, progress.current, present);
    if (state === 'broken' || state === 'coming' || !target.lesson.steps.length) return;
    const at = Math.min(lessonProgress(progress.current, target.lesson.id).step, target.lesson.steps.length - 1);
    session.current = new LessonSession(target.lesson, openEngine, commandEnv);
    dispatch({ type: 'open', lesson: index, step: at });
    save(atStep(progress.current, target.lesson.id, at));
    void restore(session.current, at);
  };

  const goto = (to: number) => {
    const { lesson } = onScreen();
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
    if (!s || !onScreen().step) return;
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

  const resetStepNow = () => {
    const { state, lesson } = onScreen();
    if (!lesson) return;
    save(resetStep(progress.current, lesson.id, state.step));
    session.current?.enterStep();
    dispatch({ type: 'reset-step' });
  };

  const resetLessonNow = () => {
    const { state, lesson } = onScreen();
    if (!lesson || !session.current) return;
    save(atStep(resetLesson(progress.current, lesson.id), lesson.id, 0));
    dispatch({ type: 'open', lesson: state.lesson, step: 0 });
    void restore(session.current, 0);
  };

  const quit = async () => {
    aborter.current?.();
    if (onScreen().step && session.current) {
      dispatch({ type: 'busy', text: "Removing the lesson's containers…" });
      await session.current.cleanup().catch(() => undefined);
    }
    exit();
  };

  return { open, goto, runLine, check, resetStep: resetStepNow, resetLesson: resetLessonNow, abort: () => aborter.current?.(), quit };
}
