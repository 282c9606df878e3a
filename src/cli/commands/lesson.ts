// `berth lesson list|lint|run` and `berth progress`: the lab without a
// terminal UI.  `lesson run` is what CI runs: every step's suggested commands
// and check, one pass/fail line per step, non-zero exit on a failure.
import type { Cli } from '../program.js';
import { BerthError, childEnv } from '../../engine/index.js';

export function registerLessonCommands(cli: Cli): void {
  const lesson = cli.program.command('lesson').description('List, check and run the lab\'s lessons without the TUI');

  lesson
    .command('list')
    .description('List the lessons, with your progress')
    .action(async () => {
      const { lessonListing } = await import('../../lessons/listing.js');
      process.stdout.write(await lessonListing(cli.program));
    });

  lesson
    .command('lint')
    .description('Check lesson files (default: every lesson): front matter, steps, commands, checks')
    .argument('[file...]', 'lesson files')
    .action(async (files: string[]) => {
      const { loadLessons, lessonFiles, lessonsDir } = await import('../../lessons/loader.js');
      const { formatProblem } = await import('../../lessons/types.js');
      const targets = files.length ? files.map((f) => (f.startsWith('/') ? f : `${process.cwd()}/${f}`)) : lessonFiles();
      if (!targets.length) throw new BerthError('not-found', `no lesson files in ${lessonsDir()}`);
      const loaded = loadLessons(targets);
      let errors = 0;
      for (const { lesson: l, problems } of loaded) {
        for (const p of problems) process.stdout.write(formatProblem(p) + '\n');
        errors += problems.filter((p) => p.severity === 'error').length;
        if (!problems.length) process.stdout.write(`${formatProblem({ file: l.file, message: `ok (${l.steps.length} steps)`, severity: 'error' }).replace(': error: ', ': ')}\n`);
      }
      if (errors) {
        process.stdout.write(`${errors} error${errors === 1 ? '' : 's'} in ${loaded.filter((l) => l.problems.some((p) => p.severity === 'error')).length} of ${loaded.length} lessons\n`);
        process.exitCode = 1;
      }
    });

  lesson
    .command('run')
    .description('Run lessons headlessly: each step\'s suggested commands, then its check')
    .argument('[lesson...]', 'lesson ids, file names or numbers')
    .option('--all', 'every lesson')
    .option('-y, --yes', 'do not ask before running (runs containers and pulls images)')
    .option('--verbose', 'print each command and its output')
    .option('--keep', 'leave the lesson\'s containers when it ends')
    .action(async (refs: string[], flags: { all?: boolean; yes?: boolean; verbose?: boolean; keep?: boolean }) => {
      const { loadLessons, findLesson, isBroken } = await import('../../lessons/loader.js');
      const { presentCapabilities, notReady } = await import('../../lessons/capabilities.js');
      const { runLessonHeadless } = await import('../../lessons/headless.js');
      const { formatProblem } = await import('../../lessons/types.js');
      const loaded = loadLessons();
      if (!flags.all && !refs.length) throw new BerthError('invalid', 'name a lesson (berth lesson list shows them) or use --all');
      const chosen = flags.all ? loaded : refs.map((ref) => findLesson(loaded, ref) ?? (() => { throw new BerthError('not-found', `no lesson "${ref}": berth lesson list shows them`); })());
      if (!flags.yes && process.stdin.isTTY) {
        process.stdout.write(`This runs ${chosen.length} lesson${chosen.length === 1 ? '' : 's'} for real: containers start, images are pulled. Go on? [y/N] `);
        const answer = await new Promise<string>((resolve) => process.stdin.once('data', (d) => resolve(String(d))));
        process.stdin.pause();
        if (!/^y/i.test(answer.trim())) return;
      }
      const engine = await cli.engine();
      const present = presentCapabilities(cli.program);
      let failed = 0;
      for (const item of chosen) {
        const missing = notReady(item.lesson, present);
        if (missing.length) {
          process.stdout.write(`${item.lesson.title} (${item.lesson.id}): skipped, coming: needs ${missing.join(', ')}\n`);
          continue;
        }
        if (isBroken(item)) {
          process.stdout.write(`${item.lesson.title || item.lesson.file}: broken lesson\n${item.problems.map((p) => `  ${formatProblem(p)}\n`).join('')}`);
          failed++;
          continue;
        }
        const result = await runLessonHeadless(item.lesson, async () => engine, {
          write: (t) => process.stdout.write(t),
          verbose: flags.verbose,
          keep: flags.keep,
          env: childEnv(cli.settings()), // the lesson's commands run with the CLI's settings (its --root, the index...)
        });
        failed += result.failed;
      }
      if (failed) process.exitCode = 1;
    });

  cli.program
    .command('progress')
    .description('Show the lessons you completed (--json for an instructor to collect)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const { progressReport } = await import('../../lessons/listing.js');
      process.stdout.write(await progressReport(flags.json ?? false));
    });
}
