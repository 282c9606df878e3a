// What `berth lesson lint` checks beyond parsing: the check lines (known
// kinds, good arguments), the commands (berth or an allowed host tool, shell
// syntax the runner can run), known capabilities, unique ids and titles.
import path from 'node:path';
import { CAPABILITIES } from './capabilities.js';
import { validateCheck } from './checks/index.js';
import { prepare } from './command-line.js';
import type { Lesson, Problem } from './types.js';

export function lintLesson(lesson: Lesson): Problem[] {
  const problems: Problem[] = [];
  const file = lesson.file;
  for (const capability of lesson.requires) {
    if (!(capability in CAPABILITIES)) problems.push({ file, line: 1, severity: 'error', message: `requires "${capability}", which is not a capability (known: ${Object.keys(CAPABILITIES).join(', ')})` });
  }
  const titles = new Set<string>();
  for (const step of lesson.steps) {
    const at = { file, step: step.title || `#${step.index + 1}`, line: step.line };
    if (step.title && titles.has(step.title.toLowerCase())) problems.push({ ...at, severity: 'error', message: 'two steps have this title' });
    titles.add(step.title.toLowerCase());
    for (const check of step.checks) for (const message of validateCheck(check)) problems.push({ ...at, severity: 'error', message });
    for (const [what, lines] of [['command', step.commands], ['solution', step.solution]] as const) {
      for (const line of lines) {
        const prepared = prepare(line);
        if ('error' in prepared) problems.push({ ...at, severity: 'error', message: `${what} "${line}": ${prepared.error}` });
        else if (prepared.translated) problems.push({ ...at, severity: 'warning', message: `${what} "${line}" says docker: write berth (the lab translates what learners type, lessons should not rely on it)` });
      }
    }
  }
  return problems;
}

/** Problems across lessons: duplicate ids. */
export function lintSet(lessons: readonly Lesson[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const lesson of lessons) {
    if (!lesson.id) continue;
    const first = seen.get(lesson.id);
    if (first) problems.push({ file: lesson.file, line: 1, severity: 'error', message: `duplicate id "${lesson.id}": ${path.basename(first)} has it too` });
    else seen.set(lesson.id, lesson.file);
  }
  return problems;
}
