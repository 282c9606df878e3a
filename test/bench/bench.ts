// `berth bench` through the real CLI: a quick run's report (structure,
// ratios recomputed from its own figures), the Markdown and SVG files, the
// table within 80 columns, and an interrupted run that leaves nothing behind.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { BERTH_BIN, berth } from '../_berth.js';
import { checkBalancedXml, checkReport } from './_report-checks.js';
import type { Report } from '../../src/bench/report.js';

const bench = suite('berth bench');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-test-'));
bench.after(() => fs.rmSync(out, { recursive: true, force: true }));

function nothingLeft(): void {
  const root = process.env.BERTH_ROOT!;
  const homes = path.join(root, 'bench');
  assert.ok(!fs.existsSync(homes) || fs.readdirSync(homes).length === 0, `bench homes left: ${fs.existsSync(homes) ? fs.readdirSync(homes) : ''}`);
  assert.not.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(` ${root}/bench`), 'no mount under the bench home');
  assert.not.match(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), /bbench/, 'the bench bridge and veths are gone');
  assert.not.match(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }), /BBENCH/, 'the bench NAT chains are gone');
  assert.not.match(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }), /bench-(tcp|disk|nop|linpack|stream|random)/, 'no workload still runs');
}

bench('--quick --suite cpu,network: JSON report, ratios recomputed, Markdown and SVG written, table in 80 columns', async () => {
  const json = path.join(out, 'report.json');
  const md = path.join(out, 'report.md');
  const svg = path.join(out, 'report.svg');
  const result = await berth(['bench', '--quick', '--suite', 'cpu,network', '--json', json, '--md', md, '--svg', svg], { timeoutMs: 120_000 });
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, /\[cpu\] round 1\//, 'progress on stderr');
  const report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
  checkReport(report, ['cpu', 'network']);
  assert.ok(report.comparisons.some((c) => c.id === 'cpu.linpack.cpus-0.5' && c.expected === 0.5));
  for (const line of result.stdout.split('\n')) assert.ok([...line].length <= 80, `table line over 80 columns: ${line}`);
  assert.not.match(result.stdout, /\x1b\[/, 'NO_COLOR / not a terminal: no escapes');
  for (const c of report.comparisons) assert.ok(result.stdout.includes(c.title.slice(0, 25)), `table row for ${c.id}`);
  const markdown = fs.readFileSync(md, 'utf8');
  assert.match(markdown, /^# berth bench report/);
  const rows = markdown.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| suite'));
  assert.is(rows.length, report.comparisons.length, 'one Markdown row per comparison');
  for (const row of rows) assert.is(row.split(/(?<!\\)\|/).length, 10, `8 cells: ${row}`);
  const chart = fs.readFileSync(svg, 'utf8');
  assert.match(chart, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  checkBalancedXml(chart);
  assert.is((chart.match(/<rect /g) ?? []).length, report.comparisons.length + 1, 'a bar per comparison (and the background)');
  nothingLeft();
});

bench('SIGINT mid-run: exits 130 after cleaning up, nothing left behind', async () => {
  const child = spawn(process.execPath, ['--', BERTH_BIN, 'bench', '--quick', '--suite', 'network,disk'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let interrupted = false;
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!interrupted && /\[network\] round 1\//.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stdout.resume();
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.ok(interrupted, `reached the network rounds: ${stderr}`);
  assert.is(code, 130, stderr);
  assert.match(stderr, /cleaning up/);
  nothingLeft();
});

bench.run();
