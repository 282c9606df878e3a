// images: {has, lacks}: names in `berth images`.
// image: {name, has, lacks}: an image exists and has (or lacks) a file, read
// from its layers (Engine.imageHasPath: no container is made).
import { sameImage } from './container.js';
import { fail, fieldType, mappingProblems, pass, type CheckKind } from './types.js';

export interface ImagesArgs {
  readonly has?: string | string[];
  readonly lacks?: string | string[];
}

const names = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const nameList = (a: Record<string, unknown>, key: string) =>
  key in a && !(typeof a[key] === 'string' || (Array.isArray(a[key]) && (a[key] as unknown[]).every((v) => typeof v === 'string'))) ? [`field "${key}" should be an image name or a list of them`] : [];

export const images: CheckKind<ImagesArgs> = {
  kind: 'images',
  example: 'images: {has: busybox}',
  validate(args) {
    const problems = mappingProblems(args, ['has', 'lacks']);
    if (problems.length && typeof args !== 'object') return problems;
    const a = args as Record<string, unknown>;
    if (!('has' in a || 'lacks' in a)) problems.push('needs "has" or "lacks"');
    return [...problems, ...nameList(a, 'has'), ...nameList(a, 'lacks')];
  },
  async evaluate(args, context) {
    const engine = await context.engine();
    const tags = engine.listImages().flatMap((i) => i.tags);
    const missing = names(args.has).filter((n) => !tags.some((t) => sameImage(t, n)));
    if (missing.length) return fail(`no image ${missing.join(', ')} yet: pull it (or make it)`);
    const extra = names(args.lacks).filter((n) => tags.some((t) => sameImage(t, n)));
    if (extra.length) return fail(`the image ${extra.join(', ')} is still there`);
    return pass(names(args.has).length ? `${names(args.has).join(', ')} in the local images` : 'as expected');
  },
};

export interface ImageArgs {
  readonly name: string;
  readonly has?: string;
  readonly lacks?: string;
}

export const image: CheckKind<ImageArgs> = {
  kind: 'image',
  example: 'image: {name: broken-busybox, lacks: /etc/passwd}',
  validate(args) {
    const problems = mappingProblems(args, ['name', 'has', 'lacks'], ['name']);
    if (problems.length && typeof args !== 'object') return problems;
    const a = args as Record<string, unknown>;
    problems.push(...fieldType(a, 'name', 'string'), ...fieldType(a, 'has', 'string'), ...fieldType(a, 'lacks', 'string'));
    for (const key of ['has', 'lacks']) if (typeof a[key] === 'string' && !(a[key] as string).startsWith('/')) problems.push(`field "${key}" should be an absolute path in the image, like /etc/passwd`);
    return problems;
  },
  async evaluate(args, context) {
    const engine = await context.engine();
    const found = engine.listImages().find((i) => i.tags.some((t) => sameImage(t, args.name)));
    if (!found) return fail(`no image ${args.name} yet`);
    if (args.has && !(await engine.imageHasPath(found.id, args.has))) return fail(`${args.name} has no ${args.has}`);
    if (args.lacks && (await engine.imageHasPath(found.id, args.lacks))) return fail(`${args.name} still has ${args.lacks}`);
    return pass(`${args.name} exists${args.has ? ` and has ${args.has}` : ''}${args.lacks ? ` and lacks ${args.lacks}` : ''}`);
  },
};
