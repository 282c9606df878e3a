// Opens the lab on the terminal.  Loaded only by `berth learn` on a TTY:
// Ink and React load here, the engine when a lesson first needs it, Markdown
// when a step first shows.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Engine } from '../engine/index.js';
import type { Prepared } from '../lessons/command-line.js';
import { commandArgv } from '../lessons/runner.js';
import type { LessonSession } from '../lessons/session.js';

export interface StartOptions {
  readonly openEngine: () => Promise<Engine>;
  /** the running CLI's commands, to see which capabilities are present */
  readonly program: import('../lessons/capabilities.js').CommandTree;
  /** the environment of the lesson's commands: the CLI's settings as BERTH_* (childEnv), so they run against the same engine */
  readonly commandEnv?: NodeJS.ProcessEnv;
}

export async function startLab({ openEngine, program, commandEnv }: StartOptions): Promise<void> {
  try {
    const { register } = await import('node:module');
    register('./resolve-hooks.js', import.meta.url); // Ink without the es-toolkit/compat barrel: see resolve-hooks.ts
  } catch {
    // no module hooks: Ink loads the slow way
  }
  const [{ render }, { createElement }, { App }, { loadLessons }, { presentCapabilities }] = await Promise.all([
    import('ink'),
    import('react'),
    import('./App.js'),
    import('../lessons/loader.js'),
    import('../lessons/capabilities.js'),
  ]);
  const [lessons, present] = [loadLessons(), await presentCapabilities(program)];
  let instance: ReturnType<typeof render> | undefined;
  // An interactive command gets the real terminal: Ink's frame is cleared and
  // its raw mode off (the app renders nothing while suspended), the command
  // inherits stdio, and the lab repaints when it ends or detaches.
  const runInteractive = async (prepared: Prepared, session: LessonSession): Promise<number> => {
    instance?.clear();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    const [file, ...args] = commandArgv(prepared);
    process.stdout.write(`\n$ berth ${prepared.argv.filter((a, i) => !(a === '--label' || prepared.argv[i - 1] === '--label')).join(' ')}\n${prepared.argv[0] === 'attach' ? '(ctrl-p ctrl-q detaches and returns to the lesson)\n' : ''}`);
    const result = spawnSync(file, args, { stdio: 'inherit', cwd: path.dirname(session.lesson.file), env: commandEnv });
    process.stdout.write('\n');
    return result.status ?? 128 + 9;
  };
  instance = render(createElement(App, { lessons, present, openEngine, runInteractive, commandEnv }), { exitOnCtrlC: false });
  if (process.env.BERTH_LEARN_EXIT_AFTER_PAINT) {
    // for the start-up measurement (src/bench/learn-startup.ts): the menu has painted once
    setImmediate(() => instance!.unmount());
  }
  await instance.waitUntilExit();
}
