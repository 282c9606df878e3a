// What the lab does with a line the learner (or a lesson) types: split it as
// a shell would (quotes, backslashes; no pipes or $()), turn a leading
// `docker` into `berth`, label the containers it creates with the lesson's
// id, and tell interactive commands apart.  Pure: no processes here.

export interface Prepared {
  /** the berth arguments (without "berth"), or the host tool's argv */
  readonly argv: string[];
  /** 'berth' or an allowed host tool (curl, wget) */
  readonly program: string;
  /** the line said `docker`: the lab runs `berth` and says so once */
  readonly translated: boolean;
  /** needs the real terminal: attach, run -it, exec -it */
  readonly interactive: boolean;
}

export type PrepareResult = Prepared | { readonly error: string };

/** Host programs a lesson may use beside berth, to look at what containers serve. */
export const HOST_TOOLS = new Set(['curl', 'wget']);

/** The label the runner puts on every container a lesson creates; cleanup removes them. */
export const LESSON_LABEL = 'berth.lesson';

export function splitLine(line: string): string[] | { error: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: 'a quote (\') is never closed' };
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++;
        word += line[j];
      }
      if (j >= line.length) return { error: 'a quote (") is never closed' };
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if ('|;&<>`'.includes(c) || (c === '$' && line[i + 1] === '(')) {
      return { error: `the lab runs one command at a time: "${c === '$' ? '$(' : c}" (shell syntax) is not supported here; quote it to pass it to the container, e.g. sh -c '...'` };
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Flags of run/exec/start that take a value (the next word is not the image). */
const VALUE_FLAGS = new Set(['--name', '-e', '--env', '--env-file', '-p', '--publish', '-v', '--volume', '-w', '--workdir', '-u', '--user', '-l', '--label', '-m', '--memory', '-h', '--hostname', '--entrypoint', '--net', '--network', '--cpus', '--pids-limit', '--runtime', '--restart', '--mount', '--add-host', '--detach-keys']);

/** attach, and run/exec with -i and -t (start with -a and -i): they need the real terminal. */
export function isInteractive(args: readonly string[]): boolean {
  const command = args[0];
  if (command === 'attach') return true;
  if (command !== 'run' && command !== 'exec' && command !== 'start') return false;
  const seen = new Set<string>();
  for (let k = 1; k < args.length; k++) {
    const arg = args[k]!;
    if (arg === '--' || !arg.startsWith('-')) break; // the image or container: its own arguments follow
    if (VALUE_FLAGS.has(arg)) k++;
    else if (arg.startsWith('--')) seen.add(arg.slice(2).split('=')[0]!);
    else for (const c of arg.slice(1).split('=')[0]!) seen.add(c);
  }
  const i = seen.has('i') || seen.has('interactive');
  if (seen.has('d') || seen.has('detach')) return false;
  if (command === 'start') return i && (seen.has('a') || seen.has('attach'));
  return i && (seen.has('t') || seen.has('tty'));
}

/**
 * Prepares a typed line.  `lessonId` labels what `run`/`create` make so the
 * lesson can clean it up.
 */
export function prepare(line: string, lessonId?: string): PrepareResult {
  const words = splitLine(line.trim());
  if ('error' in words) return words;
  if (!words.length) return { error: 'type a command, e.g. berth ps' };
  let [head, ...args] = words as [string, ...string[]];
  if (head === 'sudo') [head, ...args] = args as [string, ...string[]];
  if (head && HOST_TOOLS.has(head)) return { argv: args, program: head, translated: false, interactive: false };
  const translated = head === 'docker';
  if (head !== 'berth' && !translated) return { error: `the lab runs berth commands (and ${[...HOST_TOOLS].join(', ')}): try "berth ${words.join(' ')}"` };
  if (!args.length) return { error: 'berth what? e.g. berth ps, berth run busybox echo hi' };
  if (lessonId && (args[0] === 'run' || args[0] === 'create')) args = [args[0], '--label', `${LESSON_LABEL}=${lessonId}`, ...args.slice(1)];
  return { argv: args, program: 'berth', translated, interactive: isInteractive(args) };
}

/** A line for the screen, e.g. prompt history. */
export function quote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
