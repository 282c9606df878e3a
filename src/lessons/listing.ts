// Text views of the lessons and of a learner's progress, for `lesson list`,
// `progress` and `berth learn` when stdout is not a terminal.
import os from 'node:os';
import { presentCapabilities, notReady, type CommandTree } from './capabilities.js';
import { isBroken, loadLessons, type LoadedLesson } from './loader.js';
import { lessonProgress, loadProgress, progressFile, type Progress } from './progress.js';

export type LessonState = 'done' | 'started' | 'new' | 'broken' | 'coming';

export function lessonState(item: LoadedLesson, progress: Progress, present: ReadonlySet<string>): { state: LessonState; note: string } {
  const missing = notReady(item.lesson, present);
  if (missing.length) return { state: 'coming', note: `coming: ${missing.join(', ')}` };
  if (isBroken(item)) return { state: 'broken', note: `broken: ${item.problems.find((p) => p.severity === 'error')!.message}` };
  const p = lessonProgress(progress, item.lesson.id);
  if (p.done) return { state: 'done', note: 'done' };
  if (p.passed.length || p.step > 0) return { state: 'started', note: `${p.passed.length}/${item.lesson.steps.length} steps` };
  return { state: 'new', note: `${item.lesson.steps.length} steps` };
}

/** The lessons as `lesson list` prints them; `program` is the running CLI's (its commands say which lessons can run). */
export async function lessonListing(program: CommandTree): Promise<string> {
  const loaded = loadLessons();
  const progress = loadProgress();
  const present = presentCapabilities(program);
  const rows = loaded.map((item, i) => {
    const { note } = lessonState(item, progress, present);
    return `${String(i + 1).padStart(2)}  ${(item.lesson.title || item.lesson.file).padEnd(34)} ${item.lesson.duration.padEnd(8)} ${note}`;
  });
  return `${rows.join('\n')}\n`;
}

export async function progressReport(json: boolean): Promise<string> {
  const loaded = loadLessons();
  const progress = loadProgress();
  const lessons = loaded.map((item) => {
    const p = lessonProgress(progress, item.lesson.id);
    return { id: item.lesson.id, title: item.lesson.title, steps: item.lesson.steps.length, passed: p.passed.length, done: p.done, step: p.step, updatedAt: p.updatedAt || null };
  });
  if (json) return JSON.stringify({ user: os.userInfo().username, host: os.hostname(), file: progressFile(), current: progress.current ?? null, lessons }, null, 2) + '\n';
  const done = lessons.filter((l) => l.done).length;
  return `${lessons.map((l) => `${l.done ? '✔' : l.passed ? '…' : ' '} ${l.title.padEnd(36)} ${l.passed}/${l.steps}`).join('\n')}\n${done} of ${lessons.length} lessons done (${progressFile()})\n`;
}
