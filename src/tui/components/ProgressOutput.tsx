// The output panel's lines: the command's output with progress folded into
// one row per layer or bench suite (progress-rows.ts), each with a bar, all
// cut to the panel's width.
import { Text } from 'ink';
import { color } from '../theme.js';
import { foldProgress, type OutputRow } from './progress-rows.js';

export interface ProgressOutputProps {
  /** what the command printed so far (stdout and stderr as they came) */
  readonly text: string;
  /** the last this many rows are shown */
  readonly rows: number;
  readonly width: number;
}

/** Bars narrower than this say nothing: the row is shown as its text. */
const MIN_CELLS = 6;
const MAX_CELLS = 30;

const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text);

function Row({ row, width }: { row: OutputRow; width: number }) {
  const amount = row.amount ? ` ${row.amount}` : '';
  const cells = Math.min(MAX_CELLS, width - row.text.length - amount.length - 1);
  if (row.fraction === undefined || cells < MIN_CELLS) return <Text>{cut(`${row.text}${amount}`, width) || ' '}</Text>;
  const done = Math.round(row.fraction * cells);
  return (
    <Text>
      {`${row.text} `}
      <Text color={color('ok')}>{'━'.repeat(done)}</Text>
      <Text color={color('muted')}>{'─'.repeat(cells - done)}</Text>
      {amount}
    </Text>
  );
}

export function ProgressOutput({ text, rows, width }: ProgressOutputProps) {
  const shown = foldProgress(text).slice(-rows);
  return (
    <>
      {shown.map((row, i) => (
        <Row key={i} row={row} width={width} />
      ))}
    </>
  );
}
