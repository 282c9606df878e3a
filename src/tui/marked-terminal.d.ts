// marked-terminal ships no types; the lab uses one function.
declare module 'marked-terminal' {
  export function markedTerminal(options?: Record<string, unknown>, highlightOptions?: Record<string, unknown>): import('marked').MarkedExtension;
}
