// "Under the hood": the step's note and live facts from the engine.
import { Box, Text } from 'ink';
import { color } from '../theme.js';
import type { Fact } from '../../lessons/under-the-hood.js';

export function HoodPanel({ note, facts, rows, width }: { readonly note: string; readonly facts: readonly Fact[] | undefined; readonly rows: number; readonly width: number }) {
  const lines = [...note.split('\n')];
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={color('accent')}>Under the hood</Text>
      {facts === undefined ? <Text color={color('muted')}>reading the engine…</Text> : facts.length === 0 ? <Text color={color('muted')}>no container of this lesson yet: run the step's command</Text> : null}
      {(facts ?? []).slice(0, Math.max(1, rows - 3)).map((f, i) => (
        <Text key={i} wrap="truncate">
          <Text color={color('accent')}>{f.label.padEnd(11)}</Text>
          {f.value}
        </Text>
      ))}
      {lines.slice(0, Math.max(0, rows - 1 - (facts?.length ?? 1))).map((l, i) => (
        <Text key={`n${i}`} wrap="truncate">{l}</Text>
      ))}
    </Box>
  );
}
