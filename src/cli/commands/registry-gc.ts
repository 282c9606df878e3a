// `berth registry garbage-collect`: distribution's `registry garbage-collect`
// over a registry's storage (a directory, or a storage URL), plus the purge
// of stale uploads.  It prints what is (or, with --dry-run, would be)
// deleted, one digest a line, then distribution's summary; every line fits
// 80 columns (a sha256 digest is 71 characters).
import { Command, InvalidArgumentError } from 'commander';
import type { Cli } from '../program.js';
import { Engine, humanDuration, humanSize, parseDuration, type GarbageCollectReport } from '../../engine/index.js';

interface GcFlags {
  dryRun?: boolean;
  deleteUntagged?: boolean;
  storage?: string;
  uploadMaxAge?: number;
  gracePeriod?: number;
}

/** A duration flag (168h, 30m, 0) in ms; a bad one is a usage error (exit 125), as Docker's flag errors are. */
export function durationFlag(flag: string): (text: string) => number {
  return (text) => {
    try {
      return parseDuration(text, flag);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

export function registerGarbageCollect(registry: Command, cli: Cli): void {
  registry
    .command('garbage-collect')
    .description('Delete blobs no manifest references, and stale uploads')
    .option('-d, --dry-run', 'report what would be deleted; delete nothing')
    .option('-m, --delete-untagged', 'also delete manifests no tag reaches (and what only they name)')
    .option('--storage <dir|url>', "the registry's storage (default <root>/registry)")
    .option('--upload-max-age <duration>', 'purge uploads started longer ago (default 168h; 0: none)', durationFlag('--upload-max-age'))
    .option('--grace-period <duration>', 'keep what changed this recently (default 1h)', durationFlag('--grace-period'))
    .addHelpText('after', [
      '',
      'Blobs, manifests and uploads that changed within the grace period are kept,',
      'so a push in progress is not broken. For a full sweep, stop the registry',
      'and run with --grace-period 0.',
    ].join('\n'))
    .action(async (flags: GcFlags) => {
      const report = await Engine.registries(cli.settings()).garbageCollect({
        storage: flags.storage,
        dryRun: flags.dryRun,
        deleteUntagged: flags.deleteUntagged,
        uploadMaxAgeMs: flags.uploadMaxAge,
        gracePeriodMs: flags.gracePeriod,
      });
      for (const line of formatGcReport(report)) console.log(line);
    });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** 1h, 30m, 45s: the duration as the flag is written. */
function durationText(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** Manifests by repository: the name on its own line, its digests below. */
function manifestLines(manifests: GarbageCollectReport['manifests']): string[] {
  const lines: string[] = [];
  let last: string | undefined;
  for (const { repository, digest } of manifests) {
    if (repository !== last) lines.push(repository);
    last = repository;
    lines.push(`  ${digest}`);
  }
  return lines;
}

export function formatGcReport(report: GarbageCollectReport, now = Date.now()): string[] {
  const dry = report.dryRun;
  const lines: string[] = [];
  const section = (heading: string, body: string[]) => {
    if (body.length) lines.push(heading, ...body);
  };
  section(dry ? 'Manifests eligible for deletion:' : 'Deleted manifests:', manifestLines(report.manifests));
  section(dry ? 'Blobs eligible for deletion:' : 'Deleted blobs:', report.blobs.map((b) => `${b.digest}  ${humanSize(b.size)}`));
  const uploads = report.uploads?.purged ?? [];
  section(dry ? 'Uploads eligible for deletion:' : 'Purged uploads:', uploads.map((u) => {
    const why = u.reason === 'stale' && u.startedAt !== undefined ? `stale: started ${humanDuration(now - u.startedAt)} ago` : u.reason;
    return `${u.id}  ${humanSize(u.size)}  ${why}`;
  }));
  section(`Kept, changed within the last ${durationText(report.gracePeriodMs)} (a push may need them):`, [
    ...report.recentBlobs.map((b) => `${b.digest}  ${humanSize(b.size)}`),
    ...manifestLines(report.recentManifests),
  ]);
  if (lines.length) lines.push('');
  lines.push(`${plural(report.marked.length, 'blob')} marked, ${plural(report.blobs.length, 'blob')} eligible for deletion, ${humanSize(report.bytesFreed)} ${dry ? 'would be freed' : 'freed'}`);
  const others = [
    report.manifests.length || report.deleteUntagged ? plural(report.manifests.length, 'manifest') : '',
    uploads.length ? plural(uploads.length, 'upload') : '',
    report.links.length ? plural(report.links.length, 'link') : '',
  ].filter(Boolean);
  if (others.length) lines.push(`${others.join(', ')} ${dry ? 'eligible for deletion' : 'deleted'}`);
  if (dry) lines.push('Dry run: nothing was deleted.');
  return lines;
}
