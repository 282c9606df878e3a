// How long `berth learn` takes to paint its menu, against `node -e 0`, in the
// same run: each under a pseudo-terminal (script(1)), the lab exiting right
// after its first paint (BERTH_LEARN_EXIT_AFTER_PAINT).  Medians of N runs.
//
//   node dist/src/bench/learn-startup.js [runs]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../engine/index.js';

function timeOnce(command: string, env: NodeJS.ProcessEnv): { ms: number; output: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, output: result.stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function measure(runs = 7): { node: number; learn: number; painted: boolean } {
  const bin = path.join(PACKAGE_ROOT, 'bin', 'berth.js');
  const learn = `${process.execPath} -- ${bin} learn`;
  const nodeTimes: number[] = [];
  const learnTimes: number[] = [];
  let painted = true;
  for (let i = 0; i < runs; i++) {
    nodeTimes.push(timeOnce(`${process.execPath} -e 0`, {}).ms);
    const run = timeOnce(learn, { BERTH_LEARN_EXIT_AFTER_PAINT: '1', NO_COLOR: '1', COLUMNS: '80', LINES: '24' });
    painted &&= run.output.includes('berth learn');
    learnTimes.push(run.ms);
  }
  return { node: median(nodeTimes), learn: median(learnTimes), painted };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const { node, learn, painted } = measure(Number(process.argv[2] ?? 7));
  console.log(`node -e 0:              ${node.toFixed(0)} ms`);
  console.log(`berth learn, menu:      ${learn.toFixed(0)} ms${painted ? '' : ' (the menu did not paint!)'}`);
  console.log(`berth learn - node:     ${(learn - node).toFixed(0)} ms`);
}
