// `berth deploy IMAGE --service NAME --proxy CONTAINER [--naive]` and
// `berth load-test URL`: the zero-downtime deployment demo (see
// src/engine/deploy/).  Both print a line per step as it happens, or one
// JSON event per line with --json (for the lab and the tests).
import type { Cli } from '../program.js';
import { Engine, formatLoadReport, invalid } from '../../engine/index.js';

function positive(name: string, text: string, allowZero = false): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || (!allowZero && value === 0)) throw invalid(`invalid ${name} ${JSON.stringify(text)}: expected a ${allowZero ? 'non-negative' : 'positive'} number`);
  return value;
}

interface DeployFlags {
  service: string;
  proxy: string;
  port: string;
  naive?: boolean;
  pull: boolean;
  healthPath: string;
  healthTimeout: string;
  drainTimeout: string;
  stopTimeout: string;
  json?: boolean;
}

interface LoadFlags {
  concurrency: string;
  requests: string;
  duration: string;
  timeout: string;
  pause: string;
  json?: boolean;
}

export function registerDeployCommands(cli: Cli): void {
  cli.program
    .command('deploy')
    .description('Ship an image behind the front door: start it beside the old one, wait until healthy, switch the proxy, drain, stop the old')
    .argument('<image>', 'e.g. 10.87.0.1:5000/app:v2 (pulled first)')
    .requiredOption('--service <name>', 'the service: the upstream name and the prefix of its containers')
    .requiredOption('--proxy <container>', 'the front door (nginx built from lessons/files/deploy/proxy)')
    .option('--port <port>', 'the port the app listens on in its container', '8000')
    .option('--naive', 'stop the old container first, then start the new one, then point the proxy (downtime)')
    .option('--no-pull', 'use the image as it is here')
    .option('--health-path <path>', 'probed over HTTP when the engine reports no health status', '/')
    .option('--health-timeout <seconds>', 'how long the new container may take to be healthy', '60')
    .option('--drain-timeout <seconds>', 'how long the old proxy workers may take to finish', '30')
    .option('--stop-timeout <seconds>', 'seconds between the stop signal and SIGKILL for the old container', '10')
    .option('--json', 'one JSON event per line')
    .action(async (image: string, flags: DeployFlags) => {
      const engine = await cli.engine();
      const began = Date.now();
      const result = await engine.deploy({
        image,
        service: flags.service,
        proxy: flags.proxy,
        port: positive('--port', flags.port),
        naive: flags.naive ?? false,
        pull: flags.pull,
        healthPath: flags.healthPath,
        healthTimeoutMs: positive('--health-timeout', flags.healthTimeout) * 1000,
        drainTimeoutMs: positive('--drain-timeout', flags.drainTimeout, true) * 1000,
        stopTimeout: positive('--stop-timeout', flags.stopTimeout, true),
        onEvent: (event) => {
          if (flags.json) console.log(JSON.stringify(event));
          else console.log(`[${((event.at - began) / 1000).toFixed(2).padStart(6)}s] ${event.message}`);
        },
      });
      if (!flags.json) console.log(result.name);
    });

  cli.program
    .command('load-test')
    .description('Send requests to a URL (loopback, a berth host, a container) and count failures, latency and versions')
    .argument('<url>', 'e.g. http://10.87.0.2/')
    .option('-c, --concurrency <n>', 'requests in flight at once', '4')
    .option('-n, --requests <n>', 'stop after this many requests', '10000')
    .option('-d, --duration <seconds>', 'stop after this long', '30')
    .option('--timeout <ms>', 'per-request timeout', '5000')
    .option('--pause <ms>', 'pause of each worker between its requests', '0')
    .option('--json', 'one JSON progress event per line, then the report')
    .action(async (url: string, flags: LoadFlags) => {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const live = process.stdout.isTTY && !flags.json;
      try {
        const report = await Engine.loadTest({
          url,
          concurrency: positive('--concurrency', flags.concurrency),
          maxRequests: positive('--requests', flags.requests),
          maxMs: positive('--duration', flags.duration) * 1000,
          timeoutMs: positive('--timeout', flags.timeout),
          pauseMs: positive('--pause', flags.pause, true),
          tickMs: flags.json || live ? 250 : 1000,
          signal: abort.signal,
          onEvent: (event) => {
            if (event.type !== 'tick') return;
            const c = event.counts;
            if (flags.json) return console.log(JSON.stringify(event));
            const versions = Object.entries(c.byVersion).map(([v, n]) => `${v}: ${n}`).join('  ');
            const line = `sent ${c.sent}  ok ${c.ok}  failed ${c.failed}  ${versions}`;
            if (live) process.stdout.write(`\r${line}\x1b[K`);
            else console.log(line);
          },
        });
        if (live) process.stdout.write('\n');
        if (flags.json) console.log(JSON.stringify({ type: 'report', ...report, samples: undefined }));
        else console.log(formatLoadReport(report));
        if (report.failed > 0) process.exitCode = 1;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
