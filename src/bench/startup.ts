// Start-up cost of a container, stand-alone: the `startup` suite of
// `berth bench` (src/bench/suites/startup.ts holds the measurement: engine
// API per network mode and CLI against native exec, unshare, runc and docker,
// interleaved, timed with benchmark.js), printed as its table.
//
//   node dist/src/bench/startup.js [--quick] [--root DIR]
import { runBench } from './run.js';
import { progressLine, renderTable } from './report.js';

const index = process.argv.indexOf('--root');
const controller = new AbortController();
process.on('SIGINT', () => controller.abort(new Error('interrupted')));
const report = await runBench({
  root: index > 0 ? process.argv[index + 1] : undefined,
  quick: process.argv.includes('--quick'),
  suites: ['startup'],
  signal: controller.signal,
  onEvent: (event) => process.stderr.write(`${progressLine(event)}\n`),
});
console.log(renderTable(report, !!process.stdout.isTTY && !process.env.NO_COLOR));
if (report.interrupted) process.exitCode = 130;
