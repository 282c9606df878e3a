// The bench report: its shape (what --json writes and the tests read) and
// its three renderings: a terminal table with a bar chart of the ratios,
// Markdown and SVG.
import type { Figure } from './figures.js';
import type { BenchEvent } from '../engine/index.js';

export const SUITE_NAMES = ['startup', 'cpu', 'memory', 'disk', 'network', 'storage', 'registry'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

export interface Measured extends Figure {
  /** what ran, e.g. "native", "container --cpus 0.5" */
  readonly label: string;
}

/** One row: a figure measured in a container (or through berth) against its native reference, same run. */
export interface Comparison {
  readonly suite: SuiteName;
  /** stable key, e.g. "cpu.linpack.container" */
  readonly id: string;
  readonly title: string;
  readonly better: 'higher' | 'lower';
  readonly native: Measured;
  readonly container: Measured;
  /** container.value / native.value */
  readonly ratio: number;
  /** ratio × the relative spreads of both figures added in quadrature */
  readonly ratioError: number;
  /** what the ratio should be if the claim holds (1 = equal to native; 0.5 for a half-CPU limit) */
  readonly expected?: number;
  readonly seedClaim: string;
  readonly paperFinding: string;
  readonly note?: string;
}

export interface Skipped {
  readonly suite: SuiteName;
  readonly what: string;
  readonly why: string;
}

export interface Report {
  readonly tool: 'berth bench';
  readonly version: 1;
  readonly quick: boolean;
  readonly suites: SuiteName[];
  readonly started: string;
  readonly finished: string;
  readonly durationSeconds: number;
  readonly host: { readonly kernel: string; readonly cpus: number; readonly memoryBytes: number; readonly cgroupVersion: number | string };
  readonly comparisons: Comparison[];
  readonly skipped: Skipped[];
  /** set when the run was cut short (SIGINT) */
  readonly interrupted?: boolean;
}

const BAR_CELLS = 16; // ratio 0..2, 1.0 in the middle

/** A bench event as one line of progress, e.g. "[startup] round 2/4: cli" (what a pipe gets). */
export function progressLine(event: BenchEvent): string {
  return event.suite ? `[${event.suite}] ${event.text}` : event.text;
}

/** A 0..2 bar with the 1.0 mark; beyond 2 ends in an arrow. */
export function ratioBar(ratio: number, cells = BAR_CELLS): string {
  const scaled = Math.max(0, Math.min(2, ratio)) / 2 * cells;
  const eighths = Math.round(scaled * 8);
  const full = Math.floor(eighths / 8);
  const partial = ' ▏▎▍▌▋▊▉'[eighths % 8] ?? '';
  let bar = '█'.repeat(full) + (full < cells ? partial : '');
  bar = bar.padEnd(cells, ' ').slice(0, cells);
  const mid = cells / 2;
  if (bar[mid] === ' ') bar = `${bar.slice(0, mid)}┊${bar.slice(mid + 1)}`;
  return `${bar}${ratio > 2 ? '▸' : ' '}`;
}

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (!Number.isFinite(value)) return String(value);
  if (abs >= 10000) return `${(value / 1000).toFixed(abs >= 100000 ? 0 : 1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** "0.99±0.02", fewer decimals as the ratio grows, so it fits its column. */
export function formatRatio(ratio: number, error: number): string {
  const digits = ratio >= 100 ? 0 : ratio >= 10 ? 1 : 2;
  return `${ratio.toFixed(digits)}±${error.toFixed(digits)}`;
}

function verdict(c: Comparison): 'ok' | 'off' {
  const expected = c.expected ?? 1;
  return Math.abs(c.ratio - expected) <= Math.max(0.1 * expected, c.ratioError) ? 'ok' : 'off';
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** The terminal table: within 80 columns, colour only when allowed. */
export function renderTable(report: Report, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const lines: string[] = [];
  lines.push(`berth bench${report.quick ? ' --quick' : ''}: ${report.comparisons.length} comparisons in ${report.durationSeconds.toFixed(0)} s (${report.host.cpus} CPUs, kernel ${report.host.kernel})`);
  lines.push(`ratio = container / native, ± from both spreads; bar 0..2, ┊ marks 1.0`);
  let suite = '';
  for (const c of report.comparisons) {
    if (c.suite !== suite) {
      suite = c.suite;
      lines.push('');
      lines.push(paint('1', `${suite.toUpperCase()}${' '.repeat(31 - suite.length)}${'native'.padStart(8)} ${'berth'.padStart(8)} ${'ratio'.padStart(11)}`));
    }
    const ratio = formatRatio(c.ratio, c.ratioError);
    const bar = ratioBar(c.ratio);
    const good = verdict(c) === 'ok';
    lines.push(`${fit(c.title, 31)} ${formatNumber(c.native.value).padStart(8)} ${formatNumber(c.container.value).padStart(8)} ${ratio.padStart(11)} ${paint(good ? '32' : '33', bar)}`);
    lines.push(paint('2', fit(`   seed: ${c.seedClaim} · IBM: ${c.paperFinding}`, 79).trimEnd()));
  }
  if (report.skipped.length) {
    lines.push('');
    for (const s of report.skipped) lines.push(fit(`skipped ${s.suite}/${s.what}: ${s.why}`, 79).trimEnd());
  }
  if (report.interrupted) lines.push('', 'interrupted: the report holds what finished');
  return lines.join('\n');
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push('# berth bench report', '');
  out.push(`${report.started} · ${report.durationSeconds.toFixed(0)} s · ${report.quick ? 'quick' : 'full'} · kernel ${report.host.kernel}, ${report.host.cpus} CPUs, cgroup v${report.host.cgroupVersion}`, '');
  out.push('Ratio = container (or berth) / native, both measured in the same run, interleaved, after warm-up; the ± combines both spreads.', '');
  out.push('| suite | measurement | native | berth | unit | ratio | seed claim | IBM paper (Felter et al. 2014) |');
  out.push('|---|---|---:|---:|---|---:|---|---|');
  for (const c of report.comparisons) {
    out.push(`| ${c.suite} | ${mdCell(c.title)} | ${formatNumber(c.native.value)} | ${formatNumber(c.container.value)} | ${c.native.unit} | ${c.ratio.toFixed(3)} ± ${c.ratioError.toFixed(3)} | ${mdCell(c.seedClaim)} | ${mdCell(c.paperFinding)} |`);
  }
  if (report.skipped.length) {
    out.push('', '## Skipped', '');
    for (const s of report.skipped) out.push(`- ${s.suite} / ${mdCell(s.what)}: ${mdCell(s.why)}`);
  }
  const notes = report.comparisons.filter((c) => c.note);
  if (notes.length) {
    out.push('', '## Notes', '');
    for (const c of notes) out.push(`- ${mdCell(c.title)}: ${mdCell(c.note!)}`);
  }
  return `${out.join('\n')}\n`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A horizontal bar chart of the ratios (0..2, 1.0 marked), with error whiskers. */
export function renderSvg(report: Report): string {
  const rowHeight = 22, labelWidth = 330, plotWidth = 400, top = 50, left = 10;
  const height = top + report.comparisons.length * rowHeight + 30;
  const width = left + labelWidth + plotWidth + 90;
  const x = (ratio: number) => left + labelWidth + (Math.max(0, Math.min(2, ratio)) / 2) * plotWidth;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>berth bench: container / native ratios</title>`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${left}" y="20" font-size="15" font-weight="bold">berth bench: container / native (1.0 = native)</text>`);
  for (const tick of [0, 0.5, 1, 1.5, 2]) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 8}" x2="${x(tick)}" y2="${height - 25}" stroke="${tick === 1 ? '#333' : '#ddd'}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`);
    parts.push(`<text x="${x(tick)}" y="${top - 12}" text-anchor="middle" fill="#555">${tick.toFixed(1)}</text>`);
  }
  report.comparisons.forEach((c, i) => {
    const y = top + i * rowHeight;
    const ok = verdict(c) === 'ok';
    parts.push(`<g>`);
    parts.push(`<text x="${left}" y="${y + 15}">${xml(`${c.suite}: ${c.title}`)}</text>`);
    parts.push(`<rect x="${x(0)}" y="${y + 4}" width="${(x(c.ratio) - x(0)).toFixed(1)}" height="14" fill="${ok ? '#4c9a5a' : '#d08c2c'}"/>`);
    parts.push(`<line x1="${x(c.ratio - c.ratioError).toFixed(1)}" y1="${y + 11}" x2="${x(c.ratio + c.ratioError).toFixed(1)}" y2="${y + 11}" stroke="black"/>`);
    parts.push(`<text x="${x(2) + 6}" y="${y + 15}">${xml(`${c.ratio.toFixed(2)} ± ${c.ratioError.toFixed(2)}${c.ratio > 2 ? ' ▸' : ''}`)}</text>`);
    parts.push(`</g>`);
  });
  parts.push(`<text x="${left}" y="${height - 8}" fill="#555">${xml(`${report.started} · ${report.quick ? 'quick' : 'full'} run · kernel ${report.host.kernel}`)}</text>`);
  parts.push(`</svg>`);
  return `${parts.join('\n')}\n`;
}
