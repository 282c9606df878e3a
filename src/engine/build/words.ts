// Variable expansion and word splitting in Dockerfile arguments, as Docker's
// shell lexer does it for ENV, ARG, LABEL, COPY, WORKDIR, USER...: 'single'
// quotes are literal, "double" quotes group and still expand, the escape
// character (\ or ` by the `escape` directive) escapes the next one, and
// $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative} expand.  RUN, CMD and
// ENTRYPOINT are not expanded here: their shell does it.
import { invalid } from '../errors.js';

export type Vars = ReadonlyMap<string, string>;

interface Lexed {
  readonly words: string[];
}

/** Splits `text` into words (whitespace outside quotes), expanding variables. */
export function expandWords(text: string, vars: Vars, escape = '\\'): string[] {
  return lex(text, vars, escape, true).words;
}

/** One word: quotes and escapes processed, variables expanded, whitespace kept. */
export function expandWord(text: string, vars: Vars, escape = '\\'): string {
  return lex(text, vars, escape, false).words.join('');
}

function lex(text: string, vars: Vars, escape: string, split: boolean): Lexed {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const variable = (): string => {
    const { value, end } = expandVariable(text, i, vars, escape);
    i = end;
    return value;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (split && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === escape) {
      if (i + 1 < text.length) word += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw invalid(`unexpected end of statement while looking for matching single-quote in ${JSON.stringify(text)}`);
      word += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw invalid(`unexpected end of statement while looking for matching double-quote in ${JSON.stringify(text)}`);
        const d = text[i]!;
        if (d === '"') { i++; break; }
        if (d === escape && i + 1 < text.length && ['"', '$', escape].includes(text[i + 1]!)) {
          word += text[i + 1];
          i += 2;
        } else if (d === '$') {
          word += variable();
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === '$') {
      word += variable();
    } else {
      word += c;
      i++;
    }
  }
  if (inWord || !split) words.push(word);
  return { words };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Expands the variable at text[start] === '$'; returns its value and the index after it. */
function expandVariable(text: string, start: number, vars: Vars, escape: string): { value: string; end: number } {
  const rest = text.slice(start + 1);
  const bare = NAME.exec(rest);
  if (bare) return { value: vars.get(bare[0]) ?? '', end: start + 1 + bare[0].length };
  if (!rest.startsWith('{')) return { value: '$', end: start + 1 };
  const name = NAME.exec(rest.slice(1));
  if (!name) throw invalid(`bad substitution in ${JSON.stringify(text)}`);
  let i = start + 2 + name[0].length;
  if (text[i] === '}') return { value: vars.get(name[0]) ?? '', end: i + 1 };
  const modifier = /^(:?[-+?])/.exec(text.slice(i))?.[1];
  if (!modifier) throw invalid(`unsupported modifier in ${JSON.stringify(text.slice(start, i + 1))} (use :-, -, :+, + or :?)`);
  i += modifier.length;
  // The word after the modifier runs to the matching brace (nested ${...} allowed).
  let depth = 1;
  let j = i;
  for (; j < text.length; j++) {
    if (text[j] === escape) { j++; continue; }
    if (text[j] === '{') depth++;
    if (text[j] === '}' && --depth === 0) break;
  }
  if (j >= text.length) throw invalid(`missing '}' in ${JSON.stringify(text)}`);
  const inner = expandWord(text.slice(i, j), vars, escape);
  const value = vars.get(name[0]);
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  const present = modifier.startsWith(':') ? nonEmpty : set;
  let result: string;
  switch (modifier.replace(':', '')) {
    case '-': result = present ? value! : inner; break;
    case '+': result = present ? inner : ''; break;
    default:
      if (!present) throw invalid(`${name[0]}: ${inner || 'is not allowed to be unset'}`);
      result = value!;
  }
  return { value: result, end: j + 1 };
}

/** `K=V K2="v 2"` pairs, or the legacy `K the rest of the line` (ENV, LABEL). */
export function expandPairs(instruction: string, text: string, vars: Vars, escape = '\\'): Array<[string, string]> {
  const first = /^([^\s=]+)(\s+|=|$)/.exec(text);
  if (!first) throw invalid(`${instruction} requires at least one argument`);
  if (first[2] !== '=') {
    const value = text.slice(first[0].length);
    if (value.trim() === '') throw invalid(`${instruction} must have two arguments`);
    return [[expandWord(first[1]!, vars, escape), expandWord(value, vars, escape)]];
  }
  return expandWords(text, vars, escape).map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) throw invalid(`${instruction} ${text}: expected key=value, got ${JSON.stringify(word)}`);
    if (eq === 0) throw invalid(`${instruction} names can not be blank`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

/** Splits on whitespace outside quotes, keeping quotes and escapes for a later expandWord (ARG K="a b"). */
export function splitRaw(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && quote !== "'" && i + 1 < text.length) {
      word += c + text[++i];
    } else if (quote) {
      if (c === quote) quote = undefined;
      word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word += c;
    } else if (/\s/.test(c)) {
      if (word) words.push(word);
      word = '';
    } else {
      word += c;
    }
  }
  if (word) words.push(word);
  return words;
}

/** A JSON array of strings (exec form), or undefined for the shell form. */
export function jsonArray(text: string): string[] | undefined {
  if (!text.trimStart().startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch { /* not JSON: Docker then takes it as the shell form */ }
  return undefined;
}
