// Rendered Markdown for a step: plain text at once, the terminal rendering
// when marked has loaded.
import { useEffect, useState } from 'react';
import { loadMarkdown, plainMarkdown } from './markdown.js';

export function useMarkdown(markdown: string, width: number): string {
  const [rendered, setRendered] = useState(() => plainMarkdown(markdown));
  useEffect(() => {
    let live = true;
    setRendered(plainMarkdown(markdown));
    if (!markdown) return; // the menu: marked (and highlight.js under it) loads when a step first shows
    loadMarkdown().then((render) => live && setRendered(render(markdown, width)), () => undefined);
    return () => {
      live = false;
    };
  }, [markdown, width]);
  return rendered;
}
