// The command line: what the learner typed, and the suggestion Tab accepts.
import { Box, Text } from 'ink';
import { color } from '../theme.js';

export function Prompt({ input, suggestion, running, busy }: { readonly input: string; readonly suggestion?: string; readonly running?: string; readonly busy?: string }) {
  if (busy) return <Text color={color('warn')}>{busy}</Text>;
  if (running) return <Text color={color('accent')}>{`running: ${running}   (ctrl-c stops it)`}</Text>;
  const rest = suggestion && suggestion.startsWith(input) ? suggestion.slice(input.length) : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-start">
        <Text bold>{'$ '}</Text>
        <Text>{input}</Text>
        <Text inverse>{rest ? rest[0] : ' '}</Text>
        <Text color={color('muted')} dimColor={!color('muted')}>{rest.slice(1)}</Text>
      </Text>
      {!input && suggestion && <Text color={color('muted')}>{'  Tab accepts the suggestion, or type your own command'}</Text>}
    </Box>
  );
}
