// A Dockerfile as the builder needs it: build stages of instructions, each
// with its line, flags and argument text.  The parsing (directives, comments,
// line continuations, heredocs) is dockerfile-ast's, the parser of VS Code's
// Docker language server; this module checks what it found against what the
// builder can do, and names the file and line in every error.
import dockerfileAst from 'dockerfile-ast';
import type { Instruction as AstInstruction } from 'dockerfile-ast';
import { BerthError, type BerthErrorKind } from '../errors.js';

const { DockerfileParser } = dockerfileAst;

export const KEYWORDS = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
] as const;
export type Keyword = (typeof KEYWORDS)[number];

/** The flags each instruction accepts (--name=value). */
const FLAGS: Partial<Record<Keyword, readonly string[]>> = {
  FROM: ['platform'],
  COPY: ['from', 'chown', 'chmod', 'link'],
  ADD: ['chown', 'chmod', 'link', 'checksum'],
  RUN: ['network'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

export interface Instruction {
  readonly keyword: Keyword;
  /** 1-based line of the instruction's first line */
  readonly line: number;
  /** flags given, e.g. {from: "build", chown: "1:1"} */
  readonly flags: Readonly<Record<string, string>>;
  /** everything after the keyword and flags, continuations joined ("" when none) */
  readonly args: string;
  /** the instruction as Docker prints it in "Step N/M : ..." */
  readonly text: string;
  /** heredoc bodies, in order (RUN <<EOF ... EOF) */
  readonly heredocs: ReadonlyArray<{ name: string; content: string }>;
}

export interface Stage {
  /** the `AS name`, lower-cased as Docker does; undefined when unnamed */
  readonly name?: string;
  readonly from: Instruction;
  readonly instructions: readonly Instruction[];
}

export interface ParsedDockerfile {
  /** shown in errors: the -f path as given */
  readonly file: string;
  readonly escape: string;
  /** ARGs before the first FROM */
  readonly globalArgs: readonly Instruction[];
  readonly stages: readonly Stage[];
}

/** An error in a Dockerfile: the message starts "<file>:<line>: ". */
export class DockerfileError extends BerthError {
  constructor(readonly file: string, readonly line: number, message: string, cause?: unknown, kind: BerthErrorKind = 'invalid') {
    super(kind, `${file}:${line}: ${message}`, { cause });
  }
}

/** A step that failed: "Dockerfile:4: COPY failed: <why>", keeping the error's kind. */
export function instructionError(file: string, instruction: Instruction, error: unknown): DockerfileError {
  const message = error instanceof Error ? error.message : String(error);
  return new DockerfileError(file, instruction.line, `${instruction.keyword} failed: ${message}`, error, error instanceof BerthError ? error.kind : 'invalid');
}

/** Parses Dockerfile text; throws DockerfileError for what the builder cannot run. */
export function parseDockerfile(text: string, file = 'Dockerfile'): ParsedDockerfile {
  const ast = DockerfileParser.parse(text);
  const escape = ast.getEscapeCharacter();
  const globalArgs: Instruction[] = [];
  const stages: Array<{ name?: string; from: Instruction; instructions: Instruction[] }> = [];
  for (const node of ast.getInstructions()) {
    const instruction = toInstruction(file, node);
    checkArguments(file, instruction);
    if (instruction.keyword === 'FROM') {
      stages.push({ name: stageName(file, instruction), from: instruction, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') {
        throw new DockerfileError(file, instruction.line, `${instruction.keyword} before the first FROM: a Dockerfile must begin with FROM (only ARG may come before it)`);
      }
      globalArgs.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  if (stages.length === 0) throw new DockerfileError(file, 1, 'no FROM instruction: a Dockerfile must have at least one build stage');
  const names = new Set<string>();
  for (const stage of stages) {
    if (!stage.name) continue;
    if (names.has(stage.name)) throw new DockerfileError(file, stage.from.line, `FROM: duplicate stage name "${stage.name}"`);
    names.add(stage.name);
  }
  return { file, escape, globalArgs, stages };
}

/** Parses one ONBUILD trigger ("RUN make") as an instruction at the line of the FROM that runs it. */
export function parseTrigger(trigger: string, file: string, line: number): Instruction {
  const ast = DockerfileParser.parse(trigger);
  const nodes = ast.getInstructions();
  if (nodes.length !== 1) throw new DockerfileError(file, line, `ONBUILD trigger ${JSON.stringify(trigger)} is not one instruction`);
  const instruction = { ...toInstruction(file, nodes[0]!), line };
  checkArguments(file, instruction);
  return instruction;
}

function toInstruction(file: string, node: AstInstruction): Instruction {
  const line = node.getRange().start.line + 1;
  const word = node.getInstruction();
  const keyword = word.toUpperCase();
  if (!(KEYWORDS as readonly string[]).includes(keyword)) {
    throw new DockerfileError(file, line, `unknown instruction: ${word}${/^[a-z]+$/i.test(word) ? '' : ' (is a line continuation missing on the line before?)'}`);
  }
  const flags: Record<string, string> = {};
  const withFlags = node as AstInstruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  for (const flag of withFlags.getFlags?.() ?? []) {
    const allowed = FLAGS[keyword as Keyword] ?? [];
    if (!allowed.includes(flag.getName())) {
      throw new DockerfileError(file, line, `${keyword}: unknown flag: --${flag.getName()}${allowed.length ? ` (${keyword} takes ${allowed.map((f) => `--${f}`).join(', ')})` : ''}`);
    }
    flags[flag.getName()] = flag.getValue() ?? '';
  }
  const args = (node.getArgumentsContent() ?? '').trim();
  const heredocs = (node as AstInstruction & { getHeredocs(): Array<{ getName(): string; getContentRange(): unknown }> }).getHeredocs()
    .map((h) => ({ name: h.getName(), content: rangeText(node, h.getContentRange()) }));
  const flagText = Object.entries(flags).map(([k, v]) => `--${k}=${v}`).join(' ');
  const text = [word, flagText, args.split('\n')[0]].filter(Boolean).join(' ');
  return { keyword: keyword as Keyword, line, flags, args, text, heredocs };
}

function rangeText(node: AstInstruction, range: unknown): string {
  if (!range) return '';
  const content = (node as unknown as { getRangeContent(r: unknown): string | null }).getRangeContent(range);
  return content === null ? '' : `${content}\n`;
}

function stageName(file: string, from: Instruction): string | undefined {
  const words = from.args.split(/\s+/).filter(Boolean);
  if (words.length === 1) return undefined;
  if (words.length !== 3 || words[1]!.toUpperCase() !== 'AS') {
    throw new DockerfileError(file, from.line, `FROM requires either one or three arguments (FROM image [AS name]), got ${JSON.stringify(from.args)}`);
  }
  const name = words[2]!.toLowerCase();
  if (!/^[a-z][a-z0-9._-]*$/.test(name)) throw new DockerfileError(file, from.line, `FROM: invalid stage name "${words[2]}": use letters, digits, ".", "_" and "-", starting with a letter`);
  return name;
}

/** The arity checks of Docker's parser, with its words. */
function checkArguments(file: string, instruction: Instruction): void {
  const { keyword, args } = instruction;
  const fail = (message: string) => { throw new DockerfileError(file, instruction.line, message); };
  if (args === '') {
    if (keyword === 'ENV' || keyword === 'LABEL') fail(`${keyword} requires at least one argument`);
    fail(`${keyword} requires at least one argument`);
  }
  if ((keyword === 'COPY' || keyword === 'ADD') && instruction.heredocs.length === 0 && args.split(/\s+/).length < 2 && !args.startsWith('[')) {
    fail(`${keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`);
  }
  if (keyword === 'SHELL' && !args.startsWith('[')) fail('SHELL requires the arguments to be in JSON form');
  if (keyword === 'ONBUILD') {
    const inner = args.split(/\s+/)[0]!.toUpperCase();
    if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(inner)) fail(`${inner} isn't allowed as an ONBUILD trigger`);
    if (!(KEYWORDS as readonly string[]).includes(inner)) fail(`ONBUILD: unknown instruction: ${args.split(/\s+/)[0]}`);
  }
}
