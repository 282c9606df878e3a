// The lesson menu: one row per lesson with its state, the selected lesson's
// objectives (or its lint errors / what it waits for) below.
import { Box, Text } from 'ink';
import { color } from '../theme.js';
import type { LessonState } from '../../lessons/listing.js';

export interface MenuRow {
  readonly title: string;
  readonly duration: string;
  readonly state: LessonState;
  /** "3/5 steps", "broken: ...", "coming: needs build" */
  readonly note: string;
  /** objectives, or every problem of a broken lesson */
  readonly details: readonly string[];
}

const MARK: Record<LessonState, string> = { done: '✔', started: '▸', new: '·', broken: '✘', coming: '…' };
const TONE = { done: 'ok', started: 'accent', new: undefined, broken: 'bad', coming: 'muted' } as const;

export function Menu({ rows, selected, width, resume }: { readonly rows: readonly MenuRow[]; readonly selected: number; readonly width: number; readonly resume?: string }) {
  const row = rows[selected];
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>berth learn — Docker 101 on a real engine</Text>
      <Text color={color('muted')}>{resume ?? 'Pick a lesson: ↑/↓ then Enter. Progress is saved as you go.'}</Text>
      <Box flexDirection="column" marginTop={1}>
        {rows.map((r, i) => {
          const tone = TONE[r.state];
          return (
            <Text key={i} inverse={i === selected} color={tone ? color(tone) : undefined} wrap="truncate">
              {`${i === selected ? '›' : ' '} ${MARK[r.state]} ${String(i + 1).padStart(2)} ${r.title.padEnd(34).slice(0, 34)} ${r.duration.padEnd(7).slice(0, 7)} ${r.note}`}
            </Text>
          );
        })}
      </Box>
      {row && (
        <Box flexDirection="column" marginTop={1}>
          {row.details.slice(0, 5).map((d, i) => (
            <Text key={i} color={row.state === 'broken' ? color('bad') : color('muted')} wrap="truncate">
              {row.state === 'broken' ? `  ${d}` : `  • ${d}`}
            </Text>
          ))}
        </Box>
      )}
      <Box marginTop={1}>
        <Text color={color('muted')}>⏎ open  ↑↓ move  q quit</Text>
      </Box>
    </Box>
  );
}
