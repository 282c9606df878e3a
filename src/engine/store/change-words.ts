// Word splitting for Dockerfile-like instruction arguments, as the Dockerfile
// parser does it: whitespace separates words, "double" and 'single' quotes
// group, a backslash escapes the next character (not inside single quotes),
// and $VAR / ${VAR} expand from the image's environment (not inside single
// quotes).
import { invalid } from '../errors.js';

export function splitWords(text: string, env: ReadonlyMap<string, string> = new Map()): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (c === '$' && i + 1 < text.length) {
      const { value, end } = expandVariable(text, i, env);
      word += value;
      inWord = true;
      i = end;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw invalid(`unterminated quote (${quote}) in ${JSON.stringify(text)}`);
  if (inWord) words.push(word);
  return words;
}

/** Expands $NAME or ${NAME} starting at text[start] === '$'; returns the last index consumed. */
function expandVariable(text: string, start: number, env: ReadonlyMap<string, string>): { value: string; end: number } {
  const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(start));
  if (braced) return { value: env.get(braced[1]!) ?? '', end: start + braced[0].length - 1 };
  const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(start));
  if (bare) return { value: env.get(bare[1]!) ?? '', end: start + bare[0].length - 1 };
  return { value: '$', end: start };
}

/** A JSON array of strings (exec form), or undefined when the text is not one. */
export function parseJsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch { /* not JSON: Docker then treats it as shell form */ }
  return undefined;
}

/** Splits `k=v k2="v 2"` pairs; a word without "=" is refused, naming the instruction. */
export function parsePairs(instruction: string, text: string, env: ReadonlyMap<string, string>): Array<[string, string]> {
  return splitWords(text, env).map((word) => {
    const eq = word.indexOf('=');
    if (eq <= 0) throw invalid(`${instruction} ${text}: expected key=value, got ${JSON.stringify(word)}`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}
