// What a learner completed, in the XDG config dir:
// $BERTH_CONFIG_DIR, else $XDG_CONFIG_HOME/berth, else ~/.config/berth;
// progress.json written atomically on every step.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../engine/index.js';

export interface LessonProgress {
  /** the step the learner is on (0-based) */
  step: number;
  /** steps whose check passed */
  passed: number[];
  /** every step passed */
  done: boolean;
  updatedAt: string;
}

export interface Progress {
  version: 1;
  /** the lesson to resume */
  current?: string;
  lessons: Record<string, LessonProgress>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_CONFIG_DIR) return env.BERTH_CONFIG_DIR;
  const xdg = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(xdg, 'berth');
}

export function progressFile(env?: NodeJS.ProcessEnv): string {
  return path.join(configDir(env), 'progress.json');
}

export function emptyProgress(): Progress {
  return { version: 1, lessons: {} };
}

export function loadProgress(file = progressFile()): Progress {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Progress;
    return value && value.version === 1 && typeof value.lessons === 'object' ? value : emptyProgress();
  } catch {
    return emptyProgress(); // none yet, or unreadable: start afresh rather than fail the lab
  }
}

export function saveProgress(progress: Progress, file = progressFile()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, progress);
}

export function lessonProgress(progress: Progress, id: string): LessonProgress {
  return progress.lessons[id] ?? { step: 0, passed: [], done: false, updatedAt: '' };
}

/** Pure updates, returning a new Progress. */
export function atStep(progress: Progress, id: string, step: number): Progress {
  const now = lessonProgress(progress, id);
  return { ...progress, current: id, lessons: { ...progress.lessons, [id]: { ...now, step, updatedAt: new Date().toISOString() } } };
}

export function passStep(progress: Progress, id: string, step: number, stepCount: number): Progress {
  const now = lessonProgress(progress, id);
  const passed = [...new Set([...now.passed, step])].sort((a, b) => a - b);
  return { ...progress, current: id, lessons: { ...progress.lessons, [id]: { ...now, passed, done: passed.length >= stepCount, updatedAt: new Date().toISOString() } } };
}

export function resetLesson(progress: Progress, id: string): Progress {
  const lessons = { ...progress.lessons };
  delete lessons[id];
  return { ...progress, lessons };
}

export function resetStep(progress: Progress, id: string, step: number): Progress {
  const now = lessonProgress(progress, id);
  return { ...progress, lessons: { ...progress.lessons, [id]: { ...now, passed: now.passed.filter((s) => s !== step), done: false, updatedAt: new Date().toISOString() } } };
}

export function clearProgress(file = progressFile()): void {
  fs.rmSync(file, { force: true });
}
