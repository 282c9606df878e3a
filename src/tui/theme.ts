// Colours that read on light and dark backgrounds (no white, no black), and
// none at all with NO_COLOR.
export const noColor = (): boolean => 'NO_COLOR' in process.env && process.env.NO_COLOR !== '';

export function color(name: 'ok' | 'bad' | 'accent' | 'muted' | 'warn'): string | undefined {
  if (noColor()) return undefined;
  return { ok: 'green', bad: 'red', accent: 'cyan', muted: 'gray', warn: 'yellow' }[name];
}
