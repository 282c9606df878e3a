// Finds and parses the lesson files: lessons/NN-slug.md in the package (or
// $BERTH_LESSONS_DIR), in file-name order.
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../engine/index.js';
import { parseLesson } from './parse.js';
import type { Lesson, Problem } from './types.js';
import { lintLesson, lintSet } from './lint.js';

export function lessonsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_LESSONS_DIR ? path.resolve(env.BERTH_LESSONS_DIR) : path.join(PACKAGE_ROOT, 'lessons');
}

export function lessonFiles(dir = lessonsDir()): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => /^\d+.*\.md$/.test(f)).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

export interface LoadedLesson {
  readonly lesson: Lesson;
  /** errors make the lesson "broken" (still listed; usable if it has steps) */
  readonly problems: Problem[];
}

/** Parses and lints every file; never throws for a bad lesson. */
export function loadLessons(files = lessonFiles()): LoadedLesson[] {
  const loaded = files.map((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      return { lesson: parseLesson('', file).lesson, problems: [{ file, message: `cannot read: ${(error as Error).message}`, severity: 'error' as const }] };
    }
    const { lesson, problems } = parseLesson(text, file);
    return { lesson, problems: [...problems, ...lintLesson(lesson)] };
  });
  const setProblems = lintSet(loaded.map((l) => l.lesson));
  return loaded.map((l) => ({ ...l, problems: [...l.problems, ...setProblems.filter((p) => p.file === l.lesson.file)] }));
}

export function isBroken(loaded: LoadedLesson): boolean {
  return loaded.problems.some((p) => p.severity === 'error');
}

export function findLesson(loaded: readonly LoadedLesson[], ref: string): LoadedLesson | undefined {
  return loaded.find((l) => l.lesson.id === ref) ?? loaded.find((l) => path.basename(l.lesson.file, '.md') === ref) ?? loaded.find((l) => /^\d+$/.test(ref) && path.basename(l.lesson.file).startsWith(ref.padStart(2, '0') + '-'));
}
