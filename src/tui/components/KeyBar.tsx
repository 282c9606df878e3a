// The keys, always on screen (they act when the prompt is empty).
import { Text } from 'ink';
import { color } from '../theme.js';

export function KeyBar({ hood }: { readonly hood: boolean }) {
  return (
    <Text color={color('muted')} wrap="wrap">
      {`⏎ run  ⇥ accept  h hint  s solution  u ${hood ? 'prose' : 'under the hood'}  n next  p back  r reset step  R reset lesson  l lessons  q quit`}
    </Text>
  );
}
