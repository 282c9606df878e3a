// `berth learn`: the lab.  Opens the Ink TUI on a terminal; elsewhere prints
// the lessons and how to run them headlessly.  Everything heavy (Ink, React,
// the engine, Markdown) loads only after the decision, so the menu paints fast.
import type { Cli } from '../program.js';

export function registerLearnCommands(cli: Cli): void {
  cli.program
    .command('learn')
    .description('Open the lab: Docker 101 lessons typed for real against berth')
    .option('--reset', 'forget your progress first')
    .option('--hub <url>', "use an instructor's hub as the index (the index setting, BERTH_INDEX, for the session)")
    .action(async (flags: { reset?: boolean; hub?: string }) => {
      // --hub is the index setting for this session: the engine and every lesson command get it (childEnv), no process.env write.
      const settings = cli.settings({ index: flags.hub?.replace(/\/+$/, '') || undefined });
      if (flags.reset) {
        const { clearProgress } = await import('../../lessons/progress.js');
        clearProgress();
      }
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        const { lessonListing } = await import('../../lessons/listing.js');
        process.stdout.write(`berth learn needs a terminal. The lessons:\n\n${await lessonListing(cli.program)}\n`);
        process.stdout.write('Run one headlessly:   berth lesson run <number|id> --yes\n');
        process.stdout.write('Run them all:         berth lesson run --all --yes\n');
        process.stdout.write('Your progress:        berth progress [--json]\n');
        return;
      }
      const { startLab } = await import('../../tui/start.js');
      const { childEnv } = await import('../../engine/index.js');
      await startLab({ openEngine: () => cli.engine(), program: cli.program, commandEnv: childEnv(settings) });
    });
}
