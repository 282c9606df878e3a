// The lab runs the real berth command with its output piped (lessons/runner.ts),
// so it receives Docker's plain progress lines: "a1b2c3d4e5f6: Downloading
// 1.2MB/3.4MB" once per change, "[startup] round 2/4: cli" from the bench.
// Folding them back into one row per layer (or suite), the latest state with
// how far along it is, lets the output panel draw bars the way a terminal
// shows `docker pull`, from nothing but what the command printed.

import { tail } from '../lab-state.js';

export interface OutputRow {
  /** a layer's short id or a bench suite; rows without a key are plain lines */
  readonly key?: string;
  readonly text: string;
  /** 0..1 when the line said how far along it is */
  readonly fraction?: number;
  /** "1.2MB/3.4MB", shown after the bar */
  readonly amount?: string;
}

const LAYER = /^([0-9a-f]{12}): ([A-Z][A-Za-z ]*?)(?: ((\d+(?:\.\d+)?)([kMGT]?B))\/((\d+(?:\.\d+)?)([kMGT]?B)))?$/;
const BENCH = /^\[([a-z]+)\] (.*)$/;
const ROUND = /\bround (\d+)\/(\d+)\b/;
const UNIT: Readonly<Record<string, number>> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** One line of output as a row: a layer's or a suite's state, or plain text. */
export function rowOf(line: string): OutputRow {
  const layer = LAYER.exec(line);
  if (layer) {
    const [, id, status, current, cn, cu, total, tn, tu] = layer;
    if (!current) return { key: id, text: `${id}: ${status}` };
    const fraction = Number(tn) * UNIT[tu!]! > 0 ? (Number(cn) * UNIT[cu!]!) / (Number(tn) * UNIT[tu!]!) : 0;
    return { key: id, text: `${id}: ${status}`, fraction: Math.min(1, fraction), amount: `${current}/${total}` };
  }
  const bench = BENCH.exec(line);
  if (bench) {
    const round = ROUND.exec(bench[2]!);
    return { key: `[${bench[1]}]`, text: line, ...(round ? { fraction: Number(round[1]) / Number(round[2]) } : {}) };
  }
  return { text: line };
}

/**
 * The output as rows: a line for a key already shown replaces that row, as
 * Docker redraws a layer in place; a plain line ends the rows above it (a
 * later line of the same layer starts a new row, as on a terminal).
 */
export function foldProgress(text: string): OutputRow[] {
  // Every line, cleaned as the panel shows them (no escape codes, tabs as spaces), uncut.
  const lines = tail(text, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const rows: OutputRow[] = [];
  let live = new Map<string, number>();
  for (const line of lines) {
    const row = rowOf(line);
    if (row.key === undefined) {
      live = new Map();
      rows.push(row);
      continue;
    }
    const at = live.get(row.key);
    if (at === undefined) {
      live.set(row.key, rows.length);
      rows.push(row);
    } else rows[at] = row;
  }
  return rows;
}
