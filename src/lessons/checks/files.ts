// file-in-container: {container, path, exists, contains}: a file in a
// container's filesystem (running: through /proc/<pid>/root; stopped: its
// diff, then its image's layers).
// diff: {container, has: ["A /hello.txt", "D /etc/passwd"]}: lines of `berth diff`.
import fs from 'node:fs';
import path from 'node:path';
import { fail, fieldType, mappingProblems, pass, type CheckContext, type CheckKind } from './types.js';

export interface FileArgs {
  readonly container: string;
  readonly path: string;
  readonly exists?: boolean;
  readonly contains?: string;
}

async function inspect(context: CheckContext, ref: string) {
  const engine = await context.engine();
  try {
    return { engine, record: await engine.inspect(ref) };
  } catch {
    return { engine, record: undefined };
  }
}

export const fileInContainer: CheckKind<FileArgs> = {
  kind: 'file-in-container',
  example: 'file-in-container: {container: web, path: /www/index.html, contains: "It works"}',
  containers: (args) => [String(args.container)],
  validate(args) {
    const problems = mappingProblems(args, ['container', 'path', 'exists', 'contains'], ['container', 'path']);
    if (problems.length && typeof args !== 'object') return problems;
    const a = args as Record<string, unknown>;
    problems.push(...fieldType(a, 'container', 'string'), ...fieldType(a, 'path', 'string'), ...fieldType(a, 'exists', 'boolean'), ...fieldType(a, 'contains', 'string'));
    if (typeof a.path === 'string' && !a.path.startsWith('/')) problems.push('field "path" should be absolute, like /etc/passwd');
    return problems;
  },
  async evaluate(args, context) {
    const { engine, record } = await inspect(context, args.container);
    if (!record) return fail(`no container ${args.container} yet`);
    const want = args.exists ?? true;
    let exists: boolean;
    let content: string | undefined;
    if (record.state.status === 'running' && record.state.pid > 0) {
      const full = path.join(`/proc/${record.state.pid}/root`, args.path);
      exists = fs.existsSync(full);
      if (exists && args.contains !== undefined) content = fs.readFileSync(full, 'utf8');
    } else {
      const change = (await engine.diff(record.id)).find((c) => c.path === args.path);
      exists = change ? change.kind !== 'D' : await engine.imageHasPath(record.image, args.path);
      if (args.contains !== undefined) return fail(`${args.container} is not running: start it so its files can be read`);
    }
    if (exists !== want) return fail(want ? `${args.path} is not in ${args.container} yet` : `${args.path} is still in ${args.container}`);
    if (content !== undefined && !content.includes(args.contains!)) return fail(`${args.path} in ${args.container} does not say "${args.contains}" yet`);
    return pass(`${args.path} ${want ? 'is' : 'is not'} in ${args.container}`);
  },
};

export interface DiffArgs {
  readonly container: string;
  readonly has?: string[];
}

export const diff: CheckKind<DiffArgs> = {
  kind: 'diff',
  example: 'diff: {container: cow, has: ["A /hello.txt", "D /etc/passwd"]}',
  containers: (args) => [String(args.container)],
  validate(args) {
    const problems = mappingProblems(args, ['container', 'has'], ['container', 'has']);
    if (problems.length && typeof args !== 'object') return problems;
    const a = args as Record<string, unknown>;
    problems.push(...fieldType(a, 'container', 'string'));
    if ('has' in a && !(Array.isArray(a.has) && a.has.every((l) => typeof l === 'string' && /^[ACD] \//.test(l)))) problems.push('field "has" should be a list of diff lines like "A /hello.txt" (A added, C changed, D deleted)');
    return problems;
  },
  async evaluate(args, context) {
    const { engine, record } = await inspect(context, args.container);
    if (!record) return fail(`no container ${args.container} yet`);
    const lines = new Set((await engine.diff(record.id)).map((c) => `${c.kind} ${c.path}`));
    const missing = (args.has ?? []).filter((l) => !lines.has(l));
    return missing.length ? fail(`${args.container}'s changes do not include ${missing.join(', ')} yet`) : pass(`${args.container}'s layer holds ${(args.has ?? []).join(', ')}`);
  },
};
