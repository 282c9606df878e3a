// http: {url, contains, status}: the URL answers (from the host, so through
// the published port's NAT rule), optionally with text in the body.
import { fail, fieldType, mappingProblems, pass, type CheckKind } from './types.js';

export interface HttpArgs {
  readonly url: string;
  readonly contains?: string;
  readonly status?: number;
}

export const http: CheckKind<HttpArgs> = {
  kind: 'http',
  example: 'http: {url: "http://127.0.0.1:8888/", contains: "It works"}',
  validate(args) {
    const problems = mappingProblems(args, ['url', 'contains', 'status'], ['url']);
    if (problems.length && typeof args !== 'object') return problems;
    const a = args as Record<string, unknown>;
    problems.push(...fieldType(a, 'url', 'string'), ...fieldType(a, 'contains', 'string'), ...fieldType(a, 'status', 'number'));
    if (typeof a.url === 'string' && !/^https?:\/\//.test(a.url)) problems.push('field "url" should start with http:// or https://');
    return problems;
  },
  async evaluate(args) {
    let response: Response;
    try {
      response = await fetch(args.url, { signal: AbortSignal.timeout(3000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      return fail(`nothing answers at ${args.url} yet (${cause === 'ECONNREFUSED' ? 'connection refused: is the port published?' : cause})`);
    }
    const body = await response.text().catch(() => '');
    const status = args.status ?? 200;
    if (response.status !== status) return fail(`${args.url} answered ${response.status}, expected ${status}`);
    if (args.contains !== undefined && !body.includes(args.contains)) return fail(`${args.url} answers, but the page does not say "${args.contains}"`);
    return pass(`${args.url} answers ${response.status}${args.contains ? ` with "${args.contains}"` : ''}`);
  },
};
