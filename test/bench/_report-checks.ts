// Checks shared by the bench tests: a report's shape, its arithmetic
// (every ratio recomputed from the figures beside it), and well-formed SVG.
import * as assert from 'uvu/assert';
import type { Comparison, Report } from '../../src/bench/report.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);

function checkFigure(figure: Comparison['native'], what: string): void {
  assert.type(figure.label, 'string', `${what}.label`);
  assert.ok(Number.isFinite(figure.value) && figure.value > 0, `${what}.value ${figure.value}`);
  assert.ok(Number.isFinite(figure.spread) && figure.spread >= 0, `${what}.spread ${figure.spread}`);
  assert.ok(Number.isInteger(figure.samples) && figure.samples >= 2, `${what}.samples ${figure.samples}`);
  assert.type(figure.unit, 'string');
  assert.ok(['median', 'mean'].includes(figure.statistic), `${what}.statistic`);
}

export function checkReport(report: Report, suites: readonly string[]): void {
  assert.is(report.tool, 'berth bench');
  assert.is(report.version, 1);
  assert.equal(report.suites, suites);
  assert.ok(report.durationSeconds > 0);
  assert.ok(report.host.cpus >= 1);
  assert.ok(Array.isArray(report.skipped));
  const failed = report.skipped.filter((s) => s.why.startsWith('failed') || s.what === 'cleanup');
  assert.equal(failed, [], 'no suite failed and the cleanup had no problem');
  const ids = new Set<string>();
  for (const c of report.comparisons) {
    assert.ok(suites.includes(c.suite), `${c.id} belongs to a chosen suite`);
    assert.not.ok(ids.has(c.id), `duplicate id ${c.id}`);
    ids.add(c.id);
    assert.ok(c.title.length > 0 && c.seedClaim.length > 0 && c.paperFinding.length > 0, `${c.id} has a title, claim and finding`);
    assert.ok(c.better === 'higher' || c.better === 'lower');
    checkFigure(c.native, `${c.id}.native`);
    checkFigure(c.container, `${c.id}.container`);
    assert.is(c.native.unit, c.container.unit, `${c.id}: same unit on both sides`);
    // The ratio is computed from the figures in the same report.
    close(c.ratio, c.container.value / c.native.value, `${c.id}.ratio`);
    const relative = Math.hypot(c.container.spread / c.container.value, c.native.spread / c.native.value);
    close(c.ratioError, c.ratio * relative, `${c.id}.ratioError`);
    if (c.native.statistic === 'mean') close(c.native.rme!, (c.native.spread / c.native.value) * 100, `${c.id}.native.rme`);
  }
  for (const suite of suites) assert.ok(report.comparisons.some((c) => c.suite === suite), `suite ${suite} has rows`);
}

/** Tags balance (XML-ish): every opened element is closed in order. */
export function checkBalancedXml(text: string): void {
  const stack: string[] = [];
  const body = text.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.is(stack.pop(), name, `</${name}> closes the open element`);
    else stack.push(name!);
  }
  assert.equal(stack, [], 'every element is closed');
  assert.not.match(body.replace(/<[^>]*>/g, ''), /[<>]/, 'no stray angle brackets in text');
  assert.not.match(body, /&(?!(amp|lt|gt|quot|apos|#\d+);)/, 'entities are escaped');
}
