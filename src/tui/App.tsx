// The lab: the lesson menu and the step screen, over a LessonSession (which
// runs commands and checks, cleans up and restores; it knows nothing of Ink).
// The parts: use-lab-state (the screen's state), use-progress (what is
// saved), use-lesson (what the lab does), use-lab-keys (the keyboard).
import { useStdout } from 'ink';
import { useEffect, useMemo } from 'react';
import type { Engine } from '../engine/index.js';
import type { Prepared } from '../lessons/command-line.js';
import { namedContainers } from '../lessons/checks/index.js';
import { lessonState } from '../lessons/listing.js';
import type { LoadedLesson } from '../lessons/loader.js';
import { lessonProgress, progressFile, type Progress } from '../lessons/progress.js';
import type { LessonSession } from '../lessons/session.js';
import { completion } from './lab-state.js';
import { Menu, type MenuRow } from './components/Menu.js';
import { StepScreen } from './components/StepScreen.js';
import { useHoodFacts } from './use-hood-facts.js';
import { useLabKeys } from './use-lab-keys.js';
import { useLabState } from './use-lab-state.js';
import { useLesson } from './use-lesson.js';
import { useMarkdown } from './use-markdown.js';
import { useProgress } from './use-progress.js';

export interface AppProps {
  readonly lessons: readonly LoadedLesson[];
  readonly present: ReadonlySet<string>;
  readonly openEngine: () => Promise<Engine>;
  readonly progressPath?: string;
  /** runs an interactive command on the real terminal (Ink paused); resolves to its exit code */
  readonly runInteractive?: (prepared: Prepared, session: LessonSession) => Promise<number>;
  /** how often an open, unpassed step is checked again (ms; 0: never) */
  readonly recheckMs?: number;
  /** the environment of the lesson's commands (start.ts: the CLI's settings) */
  readonly commandEnv?: NodeJS.ProcessEnv;
}

/** Without a terminal to hand over (tests): ctrl-p ctrl-q is typed after a moment, as the headless runner does. */
async function headlessInteractive(prepared: Prepared, session: LessonSession): Promise<number> {
  return (await session.runUnattended(prepared, 30_000)).code;
}

/** The row of the menu the lab opens on: the lesson the learner was in. */
function resumeIndex(lessons: readonly LoadedLesson[], progress: Progress): number {
  return Math.max(0, lessons.findIndex((l) => l.lesson.id === progress.current));
}

export function App({ lessons, present, openEngine, progressPath = progressFile(), runInteractive = headlessInteractive, recheckMs = 3000, commandEnv }: AppProps) {
  const { stdout } = useStdout();
  const width = Math.max(40, Math.min(stdout?.columns || 80, 100));
  const height = Math.max(16, stdout?.rows || 24);
  const saved = useProgress(progressPath, (text) => lab.dispatch({ type: 'notice', text }));
  // the menu opens on the lesson the learner was in (and its resume line follows the latest one)
  const resume = resumeIndex(lessons, saved.progress.current);
  const lab = useLabState(resume);
  const actions = useLesson(lessons, present, openEngine, runInteractive, lab, saved, commandEnv);
  useLabKeys(lessons, lab, actions);
  const { state } = lab;
  const progress = saved.progress.current;
  const lesson = lessons[state.lesson]?.lesson;
  const step = state.screen === 'step' ? lesson?.steps[state.step] : undefined;

  const rows: MenuRow[] = useMemo(
    () =>
      lessons.map((l) => {
        const { state: s, note } = lessonState(l, saved.progress.current, present);
        return { title: l.lesson.title || l.lesson.file, duration: l.lesson.duration, state: s, note, details: s === 'broken' ? l.problems.filter((p) => p.severity === 'error').map((p) => `${p.step ? `step "${p.step}": ` : ''}${p.message}`) : l.lesson.objectives };
      }),
    [lessons, present, state.screen],
  );

  // An open step that has not passed is checked again now and then: any way of reaching the goal counts.
  useEffect(() => {
    if (!step || state.passed || state.running || state.busy || !recheckMs) return;
    const timer = setInterval(() => void actions.check(), recheckMs);
    return () => clearInterval(timer);
  }, [step, state.passed, state.running, state.busy, recheckMs]);

  const prose = useMarkdown(step ? step.prose : '', width);
  const named = useMemo(() => (step ? namedContainers(step.checks) : []), [step]);
  const facts = useHoodFacts(state.hoodShown && !!step, openEngine, lesson?.id ?? '', named, state.running);

  if (state.screen === 'menu' || !step || !lesson) {
    const resumeLine = progress.current && lessons[resume] ? `Resume "${lessons[resume]!.lesson.title}" at step ${lessonProgress(progress, progress.current).step + 1}: press Enter.` : undefined;
    return <Menu rows={rows} selected={state.selected} width={width} resume={resumeLine} />;
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
      passedBefore={lessonProgress(progress, lesson.id).passed.includes(step.index)}
      suggestion={suggestion}
      width={width}
      height={height}
    />
  );
}
