// Moving images between machines: pull, push, search, login, logout (the
// registry) and save, load (a tar file docker load reads too).
import fs from 'node:fs';
import readline from 'node:readline/promises';
import type { Cli } from '../program.js';
import { BerthError } from '../../engine/index.js';
import { table, truncate } from '../output.js';
import { transferPrinter } from '../progress/index.js';


async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new BerthError('invalid', 'cannot ask for a password without a terminal: use --password-stdin or -p');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Do not echo the password back.
  const output = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(prompt);
  output._writeToOutput = () => undefined;
  const answer = await rl.question('');
  rl.close();
  process.stderr.write('\n');
  return answer;
}

export function registerDistributionCommands(cli: Cli): void {
  const { program } = cli;

  program
    .command('pull')
    .description('Download an image from a registry (unqualified names: the index, the lab\'s hub by default)')
    .option('-q, --quiet', 'suppress verbose output')
    .argument('<name[:tag|@digest]>')
    .action(async (name: string, flags: { quiet?: boolean }) => {
      const engine = await cli.engine();
      const image = await engine.pull(name, flags.quiet ? undefined : transferPrinter(process.stderr));
      console.log(image.tags.find((t) => t === name || t.startsWith(`${name}:`)) ?? image.tags[0] ?? image.id);
    });

  program
    .command('push')
    .description('Upload an image to a registry: host:port/name goes to that registry, other names to the index')
    .option('-q, --quiet', 'suppress verbose output')
    .argument('<name[:tag]>')
    .action(async (name: string, flags: { quiet?: boolean }) => {
      const engine = await cli.engine();
      const result = await engine.push(name, flags.quiet ? undefined : transferPrinter(process.stdout));
      if (flags.quiet) console.log(result.digest);
    });

  program
    .command('search')
    .description('Search the index for images')
    .option('--limit <n>', 'max number of search results', '25')
    .option('--no-trunc', "don't truncate output")
    .argument('<term>')
    .action(async (term: string, flags: { limit: string; trunc: boolean }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new BerthError('invalid', `invalid --limit ${flags.limit}: use a whole number from 1 to 100`);
      const engine = await cli.engine();
      const results = await engine.search(term, limit);
      console.log(table(['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL'], results.map((r) => [
        r.name,
        flags.trunc === false ? r.description : truncate(r.description.replace(/\s+/g, ' '), 45),
        String(r.star_count),
        r.is_official ? '[OK]' : '',
      ])));
    });

  program
    .command('login')
    .description('Log in to a registry (the index when none is named)')
    .option('-u, --username <user>', 'username')
    .option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'take the password from stdin')
    .argument('[server]')
    .action(async (server: string | undefined, flags: { username?: string; password?: string; passwordStdin?: boolean }) => {
      const engine = await cli.engine();
      let password = flags.password;
      if (flags.passwordStdin) password = (await new Promise<string>((resolve) => { let text = ''; process.stdin.on('data', (d) => (text += d)); process.stdin.on('end', () => resolve(text)); })).replace(/\r?\n$/, '');
      if (!flags.username) throw new BerthError('invalid', 'login needs a username: berth login -u NAME [SERVER]');
      password ??= await readPassword('Password: ');
      await engine.login(server, flags.username, password);
      console.log('Login Succeeded');
    });

  program
    .command('logout')
    .description('Log out from a registry (the index when none is named)')
    .argument('[server]')
    .action(async (server: string | undefined) => {
      const engine = await cli.engine();
      const { registry, removed } = await engine.logout(server);
      console.log(removed ? `Removing login credentials for ${registry}` : `Not logged in to ${registry}`);
    });

  program
    .command('save')
    .description('Save one or more images to a tar archive (docker load and skopeo read it)')
    .option('-o, --output <file>', 'write to a file, instead of STDOUT')
    .argument('<image...>')
    .action(async (names: string[], flags: { output?: string }) => {
      if (!flags.output && process.stdout.isTTY) throw new BerthError('invalid', 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
      const engine = await cli.engine();
      if (flags.output) {
        const tmp = `${flags.output}.tmp-${process.pid}`;
        try {
          await engine.save(names, fs.createWriteStream(tmp));
          fs.renameSync(tmp, flags.output);
        } finally {
          fs.rmSync(tmp, { force: true });
        }
      } else {
        await engine.save(names, process.stdout);
      }
    });

  program
    .command('load')
    .description('Load images from a tar archive (berth save, docker save, or an OCI layout)')
    .option('-i, --input <file>', 'read from a tar archive file, instead of STDIN')
    .option('-q, --quiet', 'suppress the load output')
    .action(async (flags: { input?: string; quiet?: boolean }) => {
      if (!flags.input && process.stdin.isTTY) throw new BerthError('invalid', 'requested load from stdin, but stdin is empty: use -i FILE or redirect');
      if (flags.input && !fs.existsSync(flags.input)) throw new BerthError('not-found', `open ${flags.input}: no such file or directory`);
      const engine = await cli.engine();
      const loaded = await engine.load(flags.input ? fs.createReadStream(flags.input) : process.stdin);
      if (!flags.quiet) for (const line of loaded) console.log(line);
    });
}
