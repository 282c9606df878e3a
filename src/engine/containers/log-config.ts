// --log-opt for the json-file log (Docker's options and units), and the cap
// berth puts on every log by default: Docker leaves json-file unbounded;
// berth takes the defaults of Docker's `local` driver instead, max-size=20m
// and max-file=5 (at most 100 MB per container), for any option not given.
import { invalid } from '../errors.js';

export interface LogConfig {
  /** always "json-file": the log the monitor writes */
  type: 'json-file';
  /** as Docker's inspect shows them: {"max-size":"20m","max-file":"5"} */
  config: Record<string, string>;
}

export const DEFAULT_LOG_OPTS: Readonly<Record<string, string>> = { 'max-size': '20m', 'max-file': '5' };
const KNOWN = ['max-size', 'max-file'];

/** go-units FromHumanSize, as moby's json-file reads max-size: decimal units (10m = 10,000,000 bytes). */
export function humanSizeBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 }[(m[2] ?? '').toLowerCase() as '' | 'k'];
  return Math.floor(Number(m[1]) * unit);
}

/** The log config of a new container from its --log-opt KEY=VALUE list (Docker's checks and messages). */
export function parseLogOpts(opts: readonly string[] = [], driver = 'json-file'): LogConfig {
  if (driver !== 'json-file') throw invalid(`log driver "${driver}" is not supported: berth writes the json-file log (use --log-driver json-file)`);
  const config: Record<string, string> = {};
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    if (eq <= 0) throw invalid(`invalid key value pair format in log options: ${opt}`);
    const key = opt.slice(0, eq);
    const value = opt.slice(eq + 1);
    if (!KNOWN.includes(key)) throw invalid(`unknown log opt '${key}' for json-file log driver`);
    config[key] = value;
  }
  const merged = { ...DEFAULT_LOG_OPTS, ...config };
  logLimits({ type: 'json-file', config: merged });
  return { type: 'json-file', config: merged };
}

/** Bytes and file count for the monitor; a record without a log config (made before rotation) gets the defaults. */
export function logLimits(logConfig: LogConfig | undefined): { maxSize: number; maxFile: number } {
  const config = logConfig?.config ?? DEFAULT_LOG_OPTS;
  const sizeText = config['max-size'] ?? DEFAULT_LOG_OPTS['max-size']!;
  const maxSize = humanSizeBytes(sizeText);
  if (maxSize === undefined) throw invalid(`invalid size: '${sizeText}'`);
  if (maxSize <= 0) throw invalid('max-size must be a positive number');
  const fileText = config['max-file'] ?? DEFAULT_LOG_OPTS['max-file']!;
  if (!/^-?\d+$/.test(fileText)) throw invalid(`strconv.Atoi: parsing "${fileText}": invalid syntax`);
  const maxFile = Number(fileText);
  if (maxFile < 1) throw invalid('max-file cannot be less than 1');
  return { maxSize, maxFile };
}
