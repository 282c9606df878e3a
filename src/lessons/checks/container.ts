// container: {name, image, command, status, exit-code}: some container
// matches every field given.  status "absent" means none matches.
import type { ContainerRecord } from '../../engine/index.js';
import { fail, fieldType, mappingProblems, pass, type CheckKind } from './types.js';

export interface ContainerArgs {
  readonly name?: string;
  readonly image?: string;
  /** a substring of the container's command line */
  readonly command?: string;
  readonly status?: 'running' | 'exited' | 'created' | 'absent';
  readonly 'exit-code'?: number;
}

const STATUSES = ['running', 'exited', 'created', 'absent'];

/** "busybox" and "busybox:latest" name the same image. */
export function sameImage(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/^docker\.io\/(library\/)?/, '').replace(/:latest$/, '');
  return norm(a) === norm(b);
}

export function commandLine(record: ContainerRecord): string {
  return [record.path, ...record.args].join(' ');
}

export function describe(args: ContainerArgs): string {
  const parts = [args.name ? `named ${args.name}` : '', args.image ? `from ${args.image}` : '', args.command ? `running "${args.command}"` : ''].filter(Boolean);
  return `a container${parts.length ? ' ' + parts.join(' ') : ''}`;
}

export function matches(record: ContainerRecord, args: Omit<ContainerArgs, 'status' | 'exit-code'>): boolean {
  if (args.name && record.name.replace(/^\//, '') !== args.name && !record.id.startsWith(args.name)) return false;
  if (args.image && !sameImage(record.imageName, args.image)) return false;
  if (args.command && !commandLine(record).includes(args.command)) return false;
  return true;
}

export const container: CheckKind<ContainerArgs> = {
  kind: 'container',
  example: 'container: {image: busybox, command: ping, status: running}',
  containers: (args) => (args.name === undefined ? [] : [String(args.name)]),
  validate(args) {
    const problems = mappingProblems(args, ['name', 'image', 'command', 'status', 'exit-code']);
    if (problems.length && typeof args !== 'object') return problems;
    const a = args as Record<string, unknown>;
    problems.push(...fieldType(a, 'name', 'string'), ...fieldType(a, 'image', 'string'), ...fieldType(a, 'command', 'string'), ...fieldType(a, 'exit-code', 'number'));
    if ('status' in a && !STATUSES.includes(String(a.status))) problems.push(`field "status" should be one of ${STATUSES.join(', ')}`);
    return problems;
  },
  async evaluate(args, context) {
    const engine = await context.engine();
    const candidates = (await engine.list()).filter((r) => matches(r, args));
    const what = describe(args);
    if (args.status === 'absent') {
      return candidates.length ? fail(`${what} still exists (${candidates.map((c) => `${c.name}, ${c.state.status}`).join('; ')}): remove it`) : pass(`no ${what.slice(2)} is left`);
    }
    const found = candidates.find((r) => (!args.status || r.state.status === args.status) && (args['exit-code'] === undefined || (r.state.status === 'exited' && r.state.exitCode === args['exit-code'])));
    if (found) return pass(`${found.name} (${found.imageName}, "${commandLine(found)}") is ${found.state.status}${found.state.status === 'exited' ? ` with code ${found.state.exitCode}` : ''}`);
    const want = [args.status ? `${args.status}` : 'there', args['exit-code'] !== undefined ? `with exit code ${args['exit-code']}` : ''].filter(Boolean).join(' ');
    if (!candidates.length) return fail(`no ${what.slice(2)} yet: expected one ${want}`);
    const seen = candidates[0]!;
    return fail(`${what} exists but is ${seen.state.status}${seen.state.status === 'exited' ? ` (code ${seen.state.exitCode})` : ''}, expected ${want}`);
  },
};
