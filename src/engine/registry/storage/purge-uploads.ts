// Purging stale uploads: a push that was abandoned (the client went away,
// the laptop closed) leaves its upload under /uploads with the bytes it got,
// for ever; distribution's registry purges them (its `uploadpurging`:
// uploads started more than 168 h ago, checked every 24 h).  berth does the
// same, over any driver, from `registry garbage-collect` and from a serving
// registry (upload-purger.ts).
//
// An upload is stale when it started longer than `maxAgeMs` ago (its
// info.json's startedAt, distribution's rule) and nothing was written to it
// within the grace period (a slow push over bad wifi that is still sending
// is left alone).  An upload whose info.json is missing or unreadable, or
// whose data is gone, is broken and is removed too; unless something in it
// changed within the grace period, because Uploads.create writes the data
// file first and info.json after it, so a brand-new upload is briefly
// "missing its info".
import { isRepositoryName } from './names.js';
import type { DriverStorage } from './driver-storage.js';
import type { FileInfo } from './driver.js';
import { childNames, deleteIfPresent, readJson, statOrUndefined } from './driver-io.js';
import { UPLOADS, uploadDataPath, uploadInfoPath, uploadPath } from './layout.js';
import { UploadUnknownError } from './storage.js';

/** Upload ids as Uploads.create makes them (crypto.randomUUID); anything else under /uploads is not an upload. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** distribution's default for uploadpurging.age */
export const DEFAULT_UPLOAD_MAX_AGE_MS = 168 * 60 * 60 * 1000;
/** what changed this recently is taken to be in use by a push */
export const DEFAULT_GRACE_PERIOD_MS = 60 * 60 * 1000;

export interface PurgeOptions {
  /** uploads started longer ago than this are stale; default 168 h */
  readonly maxAgeMs?: number;
  /** an upload written to within this time is left alone; default 1 h */
  readonly gracePeriodMs?: number;
  /** only report */
  readonly dryRun?: boolean;
}

export interface PurgedUpload {
  readonly id: string;
  /** from its info.json, when readable */
  readonly repository?: string;
  readonly startedAt?: number;
  /** bytes it held */
  readonly size: number;
  /** 'stale', or what is broken: 'no info.json', 'unreadable info.json', 'no data', 'not an upload' */
  readonly reason: string;
}

export interface PurgeReport {
  readonly maxAgeMs: number;
  /** purged, or in a dry run the ones that would be */
  readonly purged: readonly PurgedUpload[];
  readonly bytesFreed: number;
}

interface UploadInfo {
  repository?: unknown;
  startedAt?: unknown;
}

export async function purgeUploads(storage: DriverStorage, options: PurgeOptions = {}): Promise<PurgeReport> {
  const driver = storage.driver;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_UPLOAD_MAX_AGE_MS;
  const now = Date.now();
  const cutoff = now - (options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS);
  const recent = (...infos: (FileInfo | undefined)[]) => infos.some((info) => info !== undefined && info.modifiedAt > cutoff);
  const purged: PurgedUpload[] = [];
  for (const id of await childNames(driver, UPLOADS)) {
    const data = await statOrUndefined(driver, uploadDataPath(id));
    const size = data?.size ?? 0;
    let info: UploadInfo | undefined;
    let unreadable = false;
    if (UUID_PATTERN.test(id)) {
      try {
        info = await readJson<UploadInfo>(driver, uploadInfoPath(id));
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        unreadable = true;
      }
    }
    const repository = typeof info?.repository === 'string' && isRepositoryName(info.repository) ? info.repository : undefined;
    const startedAt = typeof info?.startedAt === 'number' && Number.isFinite(info.startedAt) ? info.startedAt : undefined;
    const broken = !UUID_PATTERN.test(id) ? 'not an upload' : unreadable || (info && (repository === undefined || startedAt === undefined)) ? 'unreadable info.json' : !info ? 'no info.json' : !data ? 'no data' : undefined;
    if (broken === undefined) {
      if (startedAt! > now - maxAgeMs || recent(data)) continue;
      if (!options.dryRun) {
        // Through the storage, so a serving registry forgets the upload's running hash too.
        await storage.cancelUpload(repository!, id).catch((error: unknown) => {
          if (!(error instanceof UploadUnknownError)) throw error;
        });
      }
      purged.push({ id, repository, startedAt, size, reason: 'stale' });
      continue;
    }
    const infoFile = await statOrUndefined(driver, uploadInfoPath(id));
    // An empty directory (a driver that keeps them) has only its own time to go by.
    const dir = data || infoFile ? undefined : await statOrUndefined(driver, uploadPath(id));
    if (recent(data, infoFile, dir)) continue;
    if (!options.dryRun) await deleteIfPresent(driver, uploadPath(id));
    purged.push({ id, ...(repository !== undefined ? { repository } : {}), ...(startedAt !== undefined ? { startedAt } : {}), size, reason: broken });
  }
  return { maxAgeMs, purged, bytesFreed: purged.reduce((sum, u) => sum + u.size, 0) };
}
