// Signal names and numbers as the CLI takes them (`kill -s`, `--stop-signal`).
// Its own module so that the door can export it without loading stop.ts's
// runtime and reconcile graph (the CLI parses flags before any engine opens).
import os from 'node:os';
import { invalid } from '../errors.js';

/** "TERM", "SIGTERM", "15" -> a signal Node accepts. */
export function parseSignal(text: string): NodeJS.Signals | number {
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number < 1 || number > 64) throw invalid(`invalid signal: ${text}`);
    return number;
  }
  const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as NodeJS.Signals;
  if (!(name in os.constants.signals)) throw invalid(`invalid signal: ${text}`);
  return name;
}
