// A serving registry purges stale uploads by itself (distribution's
// `uploadpurging`): once just after it starts, then every hour.  A pass is
// ordinary async driver calls between requests, so it never blocks one; a
// pass that fails is logged and the next one tries again.  Several hub
// processes over one store may each purge: removing an upload another one
// already removed is not an error.
import { DriverStorage } from './driver-storage.js';
import { DEFAULT_UPLOAD_MAX_AGE_MS, purgeUploads } from './purge-uploads.js';
import type { RegistryStorage } from './storage.js';
import { humanSize } from '../../units.js';

export const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface UploadPurgerOptions {
  /** default 168 h */
  readonly maxAgeMs?: number;
  /** default 1 h */
  readonly intervalMs?: number;
  /** one line when a pass removed something or failed */
  readonly log?: (line: string) => void;
}

export interface UploadPurger {
  /** resolves once the pass under way (if any) is over; no pass starts after */
  stop(): Promise<void>;
  /** runs a pass now (after the one under way); what the timer runs */
  runOnce(): Promise<void>;
}

/** Starts purging; the timers do not keep the process alive. A storage not over a driver has nothing to purge this way. */
export function startUploadPurger(storage: RegistryStorage, options: UploadPurgerOptions = {}): UploadPurger {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_UPLOAD_MAX_AGE_MS;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    if (stopped || !(storage instanceof DriverStorage)) return;
    try {
      const report = await purgeUploads(storage, { maxAgeMs });
      if (report.purged.length) {
        options.log?.(`purged ${report.purged.length} stale upload${report.purged.length === 1 ? '' : 's'} (${humanSize(report.bytesFreed)}; older than ${durationText(maxAgeMs)} or broken)`);
      }
    } catch (error) {
      options.log?.(`upload purge of ${storage.description} failed (next try in ${durationText(options.intervalMs ?? PURGE_INTERVAL_MS)}): ${(error as Error).message}`);
    }
  };
  const runOnce = () => (running = running.then(pass));
  const first = setTimeout(() => void runOnce(), 0);
  const every = setInterval(() => void runOnce(), options.intervalMs ?? PURGE_INTERVAL_MS);
  first.unref();
  every.unref();
  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}

/** 168h, 30m, 45s: the largest unit that divides (as the flag is written). */
function durationText(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
