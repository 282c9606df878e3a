// Lesson file → typed Lesson.  A lesson is Markdown with YAML front matter;
// each `## Step: <title>` section holds prose, fenced ```command, ```check and
// ```solution blocks, `> hint:` lines and an optional `### Under the hood`
// part.  Parsing never throws: mistakes come back as problems so the menu can
// show a broken lesson beside working ones.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { CheckSpec, Lesson, Problem, Step } from './types.js';

export interface Parsed {
  readonly lesson: Lesson;
  readonly problems: Problem[];
}

const STEP_HEADING = /^##\s+Step:\s*(.*)$/i;
const HOOD_HEADING = /^###\s+Under the hood\s*$/i;
const HINT_LINE = /^>\s*hint:\s*(.*)$/i;
const FENCE = /^(```+|~~~+)\s*([\w-]*)\s*$/;
const SPECIAL_FENCES = new Set(['command', 'check', 'solution']);

interface RawStep {
  title: string;
  line: number;
  prose: string[];
  hood: string[];
  inHood: boolean;
  blocks: { lang: string; body: string[]; line: number }[];
  hints: string[];
}

export function parseLesson(text: string, file: string): Parsed {
  const problems: Problem[] = [];
  const problem = (message: string, extra: { step?: string; line?: number; severity?: 'error' | 'warning' } = {}) =>
    problems.push({ file, message, severity: extra.severity ?? 'error', ...(extra.step ? { step: extra.step } : {}), ...(extra.line ? { line: extra.line } : {}) });
  const lines = text.replace(/\r\n/g, '\n').split('\n');

  // Front matter.
  let meta: Record<string, unknown> = {};
  let body = 0;
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
    if (end < 0) problem('front matter starts with --- but never ends', { line: 1 });
    else {
      try {
        const value = parseYaml(lines.slice(1, end).join('\n')) as unknown;
        if (value && typeof value === 'object' && !Array.isArray(value)) meta = value as Record<string, unknown>;
        else problem('front matter is not a mapping of fields', { line: 2 });
      } catch (error) {
        problem(`front matter is not valid YAML: ${firstLine(error)}`, { line: 2 + yamlLine(error) });
      }
      body = end + 1;
    }
  } else {
    problem('no front matter: start the file with --- and the fields id, title, duration, objectives, needs', { line: 1 });
  }

  // Steps.
  const intro: string[] = [];
  const raw: RawStep[] = [];
  let fence: { marker: string; lang: string; body: string[]; line: number; special: boolean } | undefined;
  for (let i = body; i < lines.length; i++) {
    const line = lines[i]!;
    const step = raw.at(-1);
    if (fence) {
      if (line.trim().startsWith(fence.marker) && line.trim().replace(/[`~]/g, '') === '') {
        if (fence.special && step) step.blocks.push({ lang: fence.lang, body: fence.body, line: fence.line });
        else (step ? (step.inHood ? step.hood : step.prose) : intro).push(line);
        fence = undefined;
      } else if (fence.special) fence.body.push(line);
      else (step ? (step.inHood ? step.hood : step.prose) : intro).push(line);
      continue;
    }
    const heading = STEP_HEADING.exec(line);
    if (heading) {
      raw.push({ title: heading[1]!.trim(), line: i + 1, prose: [], hood: [], inHood: false, blocks: [], hints: [] });
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      const lang = open[2]!.toLowerCase();
      const special = SPECIAL_FENCES.has(lang);
      if (special && !step) problem(`a \`\`\`${lang} block before the first "## Step:" heading`, { line: i + 1 });
      fence = { marker: open[1]!, lang, body: [], line: i + 1, special: special && !!step };
      if (!fence.special) (step ? (step.inHood ? step.hood : step.prose) : intro).push(line);
      continue;
    }
    if (!step) {
      intro.push(line);
      continue;
    }
    if (HOOD_HEADING.test(line)) {
      step.inHood = true;
      continue;
    }
    const hint = HINT_LINE.exec(line);
    if (hint) {
      step.hints.push(hint[1]!.trim());
      continue;
    }
    (step.inHood ? step.hood : step.prose).push(line);
  }
  if (fence) problem(`a \`\`\`${fence.lang} block is never closed`, { line: fence.line, step: raw.at(-1)?.title });

  const steps: Step[] = raw.map((r, index) => {
    const at = { step: r.title || `#${index + 1}`, line: r.line };
    if (!r.title) problem('a step has no title: write "## Step: <title>"', at);
    const of = (lang: string) => r.blocks.filter((b) => b.lang === lang);
    for (const lang of ['command', 'check', 'solution']) if (of(lang).length > 1) problem(`more than one \`\`\`${lang} block`, { ...at, line: of(lang)[1]!.line });
    const commands = (of('command')[0]?.body ?? []).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const checkBlock = of('check')[0];
    const checks = checkBlock ? parseChecks(checkBlock.body.join('\n'), (message, offset = 0) => problem(message, { ...at, line: checkBlock.line + 1 + offset })) : [];
    const solution = (of('solution')[0]?.body ?? []).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (!of('command').length) problem('no ```command block: every step suggests the command(s) to type', at);
    else if (!commands.length) problem('the ```command block is empty', { ...at, line: of('command')[0]!.line });
    if (!checkBlock) problem('no ```check block: a step needs a check on engine state (see lessons/README.md)', at);
    return {
      index,
      title: r.title,
      prose: trimBlank(r.prose),
      commands,
      checks,
      hints: r.hints,
      solution: solution.length ? solution : commands,
      underTheHood: trimBlank(r.hood),
      line: r.line,
    };
  });

  const str = (key: string): string => {
    const value = meta[key];
    if (value === undefined || value === null || value === '') {
      if (Object.keys(meta).length || body) problem(`front matter has no "${key}"`, { line: 1 });
      return '';
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      problem(`front matter "${key}" should be text`, { line: 1 });
      return '';
    }
    return String(value);
  };
  const list = (value: unknown, key: string): string[] => {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    problem(`front matter "${key}" should be a list of text, like [a, b]`, { line: 1 });
    return [];
  };
  const id = str('id');
  if (id && !/^[a-z0-9][a-z0-9-]*$/.test(id)) problem(`id "${id}" should be lower-case letters, digits and dashes`, { line: 1 });
  const needsRaw = meta.needs ?? {};
  const needs = typeof needsRaw === 'object' && needsRaw && !Array.isArray(needsRaw) ? (needsRaw as Record<string, unknown>) : (problem('front matter "needs" should be a mapping: {images: [...], network: true|false}', { line: 1 }), {});
  if (needs.network !== undefined && typeof needs.network !== 'boolean') problem('front matter "needs.network" should be true or false', { line: 1 });
  for (const key of Object.keys(meta)) if (!['id', 'title', 'duration', 'objectives', 'needs', 'requires', 'draft'].includes(key)) problem(`unknown front matter field "${key}"`, { line: 1, severity: 'warning' });
  if (!steps.length && Object.keys(meta).length) problem('no steps: add "## Step: <title>" sections', { line: body + 1 });

  const lesson: Lesson = {
    id,
    title: str('title'),
    duration: str('duration'),
    objectives: list(meta.objectives, 'objectives'),
    needs: { images: list(needs.images, 'needs.images'), network: needs.network === true },
    requires: list(meta.requires, 'requires'),
    ...(typeof meta.draft === 'string' && meta.draft.trim() ? { draft: meta.draft.trim() } : {}),
    intro: trimBlank(intro),
    steps,
    file,
  };
  return { lesson, problems };
}

/**
 * A check block is YAML: either a mapping of kind → arguments (one line per
 * check) or, to use a kind twice, a list of one-key mappings.
 */
export function parseChecks(text: string, problem: (message: string, lineOffset?: number) => void): CheckSpec[] {
  if (!text.trim()) {
    problem('the ```check block is empty');
    return [];
  }
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    problem(`the check is not valid YAML: ${firstLine(error)}`, yamlLine(error));
    return [];
  }
  const items = Array.isArray(value) ? value : [value];
  const specs: CheckSpec[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      problem('each check line should be "kind: arguments", e.g. "images: {has: busybox}"');
      continue;
    }
    for (const [kind, args] of Object.entries(item)) specs.push({ kind, args });
  }
  return specs;
}

function trimBlank(lines: string[]): string {
  return lines.join('\n').replace(/^\s*\n/, '').trimEnd();
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split('\n')[0]!;
}

function yamlLine(error: unknown): number {
  return error instanceof YAMLParseError && error.linePos ? error.linePos[0].line - 1 : 0;
}
