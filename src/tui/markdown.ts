// Markdown for the terminal: marked + marked-terminal, loaded on first use
// (they are the heaviest modules of the lab), plain text with NO_COLOR.
import { noColor } from './theme.js';

type Render = (markdown: string, width: number) => string;
let renderer: Promise<Render> | undefined;

export function loadMarkdown(): Promise<Render> {
  renderer ??= (async () => {
    const { Marked } = await import('marked');
    const { markedTerminal } = await import('marked-terminal');
    const plain = noColor();
    const same = (s: string) => s;
    const styles = plain ? Object.fromEntries(['code', 'blockquote', 'html', 'heading', 'firstHeading', 'hr', 'listitem', 'table', 'paragraph', 'strong', 'em', 'codespan', 'del', 'link', 'href', 'text'].map((k) => [k, same])) : {};
    return (markdown: string, width: number) => {
      const marked = new Marked();
      marked.use(markedTerminal({ width, reflowText: true, tab: 2, emoji: false, showSectionPrefix: false, ...styles }));
      return String(marked.parse(markdown, { async: false })).replace(/\n{3,}/g, '\n\n').trimEnd();
    };
  })();
  return renderer;
}

/** Before the renderer loads (or if it fails): the Markdown as is, minus fence markers. */
export function plainMarkdown(markdown: string): string {
  return markdown.replace(/^```.*$/gm, '').replace(/\n{3,}/g, '\n\n').trim();
}
