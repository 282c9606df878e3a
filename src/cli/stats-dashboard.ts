// The live `berth stats` screen (blessed): one table row per running
// container, refreshed every second, with a CPU and a memory sparkline for
// each.  `q`, Esc or ctrl-c quits.
import blessed from 'blessed';
import type { Engine, ContainerStats } from '../engine/index.js';
import { STATS_HEADERS, sparkline, statsRow } from './stats-format.js';

const HISTORY = 40;

export async function statsDashboard(engine: Engine, refs: readonly string[]): Promise<void> {
  const color = !process.env.NO_COLOR;
  const screen = blessed.screen({ smartCSR: true, title: 'berth stats', forceUnicode: true });
  const table = blessed.listtable({
    parent: screen,
    top: 0,
    left: 0,
    width: '100%',
    height: '50%',
    border: 'line',
    label: ' berth stats — q to quit ',
    align: 'left',
    tags: false,
    style: color ? { header: { bold: true, fg: 'cyan' }, border: { fg: 'gray' } } : {},
  });
  const graphs = blessed.box({ parent: screen, top: '50%', left: 0, width: '100%', height: '50%', border: 'line', label: ' CPU % and memory, last 40 s ', tags: false });
  const cpuHistory = new Map<string, number[]>();
  const memoryHistory = new Map<string, number[]>();
  let stopped = false;
  const quit = () => {
    stopped = true;
  };
  screen.key(['q', 'escape', 'C-c'], quit);

  const render = (stats: readonly ContainerStats[]) => {
    table.setData([[...STATS_HEADERS], ...stats.map(statsRow)]);
    const lines: string[] = [];
    for (const s of stats) {
      const cpu = [...(cpuHistory.get(s.id) ?? []), s.cpuPercent].slice(-HISTORY);
      const memory = [...(memoryHistory.get(s.id) ?? []), s.memoryUsage].slice(-HISTORY);
      cpuHistory.set(s.id, cpu);
      memoryHistory.set(s.id, memory);
      lines.push(`${s.name.padEnd(24).slice(0, 24)} cpu ${sparkline(cpu, 100)} mem ${sparkline(memory, s.memoryLimit)}`);
    }
    graphs.setContent(lines.length ? lines.join('\n') : 'no running containers');
    screen.render();
  };

  try {
    while (!stopped) render(await engine.stats(refs, 1000));
  } finally {
    screen.destroy();
  }
}
