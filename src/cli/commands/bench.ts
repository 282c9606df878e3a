// `bench`: what containers cost against native, measured on this machine
// (src/bench).  Progress on stderr, the table on stdout, reports on request.
import fs from 'node:fs';
import type { Cli } from '../program.js';
import type { BenchEvent } from '../../engine/index.js';
import { benchRow, screenFor } from '../progress/index.js';

export function registerBenchCommands(cli: Cli): void {
  cli.program
    .command('bench')
    .description('Measure what containers cost against native: startup, cpu, memory, disk, network, storage, registry')
    .option('--quick', 'fewer samples and smaller sizes (under a minute)')
    .option('--suite <names>', 'comma-separated suites: startup,cpu,memory,disk,network,storage,registry')
    .option('--json <file>', 'write the report as JSON')
    .option('--md <file>', 'write the report as Markdown')
    .option('--svg <file>', 'write a bar chart of the ratios as SVG')
    .action(async (flags: { quick?: boolean; suite?: string; json?: string; md?: string; svg?: string }) => {
      const { runBench, parseSuites } = await import('../../bench/run.js');
      const { renderTable, renderMarkdown, renderSvg } = await import('../../bench/report.js');
      const { requireRoot } = await import('../../engine/index.js');
      requireRoot();
      const suites = parseSuites(flags.suite);
      const root = cli.program.opts<{ root?: string }>().root;
      const controller = new AbortController();
      // A row per suite on a terminal (its rounds as a bar), a line per change otherwise.
      const screen = screenFor(process.stderr);
      const onEvent = (event: BenchEvent) => screen.show(benchRow(event));
      const onSignal = () => {
        if (controller.signal.aborted) return;
        controller.abort(new Error('interrupted'));
        onEvent({ type: 'bench', text: 'interrupted: finishing the current step, then cleaning up' });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let report;
      try {
        report = await runBench({ root, quick: !!flags.quick, suites, signal: controller.signal, onEvent });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
      console.log(renderTable(report, color));
      if (flags.json) fs.writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`);
      if (flags.md) fs.writeFileSync(flags.md, renderMarkdown(report));
      if (flags.svg) fs.writeFileSync(flags.svg, renderSvg(report));
      if (report.interrupted) process.exitCode = 130;
    });
}
