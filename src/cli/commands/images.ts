// Image commands: images, pull, tag, rmi, history, import, export, cp.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Cli } from '../program.js';
import { BerthError, humanSize } from '../../engine/index.js';
import { ago, formatTemplate, shortId, table, truncate } from '../output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function splitTag(reference: string): { repository: string; tag: string } {
  const at = reference.indexOf('@');
  const base = at === -1 ? reference : reference.slice(0, at);
  const colon = base.lastIndexOf(':');
  if (colon > base.lastIndexOf('/')) return { repository: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repository: base, tag: '<none>' };
}

export function registerImageCommands(cli: Cli): void {
  const { program } = cli;

  program
    .command('images')
    .description('List images')
    .option('-a, --all', 'show all images (by default, intermediate images of builds are hidden)')
    .option('-q, --quiet', 'only show image IDs')
    .option('--no-trunc', "don't truncate output")
    .option('--format <template>', "format output using a Go-style template, e.g. '{{.Repository}}:{{.Tag}}'")
    .argument('[repository[:tag]]', 'only images of this repository (and tag)')
    .action(async (filter: string | undefined, flags: { all?: boolean; quiet?: boolean; trunc: boolean; format?: string }) => {
      const engine = await cli.engine();
      const rows: Array<{ Repository: string; Tag: string; ID: string; CreatedSince: string; CreatedAt: string; Size: string }> = [];
      // As Docker does, untagged images a build made on the way are shown only with -a.
      const hidden = flags.all ? new Set<string>() : engine.buildIntermediates();
      const images = engine.listImages().filter((i) => i.tags.length > 0 || !hidden.has(i.id)).sort((a, b) => b.created.localeCompare(a.created));
      for (const image of images) {
        const id = flags.trunc === false ? image.id : shortId(image.id);
        const refs = image.tags.length ? image.tags.map(splitTag) : [{ repository: '<none>', tag: '<none>' }];
        for (const ref of refs) {
          if (filter) {
            const wanted = splitTag(filter);
            if (ref.repository !== wanted.repository || (filter.includes(':') && ref.tag !== wanted.tag)) continue;
          }
          rows.push({ Repository: ref.repository, Tag: ref.tag, ID: id, CreatedSince: image.created ? ago(image.created) : 'N/A', CreatedAt: image.created, Size: humanSize(image.size) });
        }
      }
      if (flags.quiet) {
        for (const id of new Set(rows.map((r) => r.ID))) console.log(id);
      } else if (flags.format) {
        for (const row of rows) console.log(formatTemplate(flags.format, row));
      } else {
        console.log(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows.map((r) => [r.Repository, r.Tag, r.ID, r.CreatedSince, r.Size])));
      }
    });

  program
    .command('tag')
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source_image[:tag]>')
    .argument('<target_image[:tag]>')
    .action(async (source: string, target: string) => {
      const engine = await cli.engine();
      await engine.tag(source, target);
    });

  program
    .command('rmi')
    .description('Remove one or more images')
    .option('-f, --force', 'force removal of the image')
    .argument('<image...>')
    .action(async (names: string[], flags: { force?: boolean }) => {
      const engine = await cli.engine();
      let failed = false;
      for (const name of names) {
        try {
          const removed = await engine.removeImage(name, flags.force);
          for (const tag of removed.untagged) console.log(`Untagged: ${tag}`);
          for (const id of removed.deleted) console.log(`Deleted: ${id}`);
        } catch (error) {
          failed = true;
          process.stderr.write(`Error: ${(error as Error).message}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    });

  program
    .command('history')
    .description('Show the history of an image')
    .option('--no-trunc', "don't truncate output")
    .option('-q, --quiet', 'only show image IDs')
    .argument('<image>')
    .action(async (name: string, flags: { trunc: boolean; quiet?: boolean }) => {
      const engine = await cli.engine();
      const rows = engine.history(name);
      if (flags.quiet) {
        for (const row of rows) console.log(row.id === '<missing>' ? row.id : flags.trunc === false ? row.id : shortId(row.id));
        return;
      }
      console.log(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows.map((row) => [
        row.id === '<missing>' || flags.trunc === false ? row.id : shortId(row.id),
        row.created ? ago(row.created) : '',
        flags.trunc === false ? row.createdBy : truncate(row.createdBy, 45),
        humanSize(row.size),
        row.comment,
      ])));
    });

  program
    .command('import')
    .description('Import the contents from a tarball to create a filesystem image')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction to the created image (repeatable)', collect)
    .option('-m, --message <message>', 'set a commit message for the imported image')
    .argument('<file|->', 'a tar or tar.gz file, or - for standard input')
    .argument('[repository[:tag]]')
    .action(async (file: string, reference: string | undefined, flags: { change?: string[]; message?: string }) => {
      const engine = await cli.engine();
      if (file !== '-' && !fs.existsSync(file)) throw new BerthError('not-found', `open ${file}: no such file or directory`);
      const input = file === '-' ? process.stdin : fs.createReadStream(file);
      const image = await engine.importImage(input, { changes: flags.change, message: flags.message, ref: reference });
      console.log(image.id);
    });

  program
    .command('export')
    .description("Export a container's filesystem as a tar archive")
    .option('-o, --output <file>', 'write to a file, instead of STDOUT')
    .argument('<container>')
    .action(async (name: string, flags: { output?: string }) => {
      const engine = await cli.engine();
      if (!flags.output && process.stdout.isTTY) {
        throw new BerthError('invalid', 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
      }
      const tar = await engine.exportContainer(name);
      if (flags.output) {
        const tmp = `${flags.output}.tmp-${process.pid}`;
        await pipeline(tar, fs.createWriteStream(tmp));
        fs.renameSync(tmp, flags.output);
      } else {
        await pipeline(tar, process.stdout);
      }
    });

  program
    .command('cp')
    .description('Copy files/folders between a container and the local filesystem')
    .argument('<source>', 'container:path or a host path')
    .argument('<destination>', 'container:path or a host path')
    .action(async (source: string, destination: string) => {
      const engine = await cli.engine();
      await engine.copy(source, destination);
    });
}
