// `stats`: live by default (a blessed screen), `--no-stream` for one table,
// `--format json` for scripts.
import type { Cli } from '../program.js';
import { table } from '../output.js';
import { STATS_HEADERS, statsJson, statsRow } from '../stats-format.js';

export function registerStatsCommands(cli: Cli): void {
  cli.program
    .command('stats')
    .description('Display a live stream of container resource usage')
    .option('--no-stream', 'print one reading and exit')
    .option('--format <format>', 'json: one JSON object per container and line')
    .option('-a, --all', 'accepted for compatibility: only running containers use resources')
    .argument('[container...]')
    .action(async (names: string[], flags: { stream: boolean; format?: string }) => {
      const engine = await cli.engine();
      const live = flags.stream && process.stdout.isTTY && !flags.format;
      if (live) {
        const { statsDashboard } = await import('../stats-dashboard.js');
        await statsDashboard(engine, names);
        return;
      }
      const print = async () => {
        const stats = await engine.stats(names, 1000);
        if (flags.format === 'json') for (const s of stats) console.log(JSON.stringify(statsJson(s)));
        else console.log(table([...STATS_HEADERS], stats.map(statsRow)));
      };
      // Not a terminal: a reading per second until interrupted, unless --no-stream.
      do await print();
      while (flags.stream);
    });
}
