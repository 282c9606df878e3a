// What pull and push report while they work, as typed events; clients render
// them (formatProgress gives Docker's own lines).

/** Per-layer (or config) states, in Docker's words. */
export type LayerStatus =
  | 'Pulling fs layer'
  | 'Waiting'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Already exists'
  | 'Preparing'
  | 'Pushing'
  | 'Pushed'
  | 'Layer already exists'
  | 'Mounted from';

export type ProgressEvent =
  /** pull: "Pulling from library/busybox"; push: "The push refers to repository [localhost:5000/app]" */
  | { readonly type: 'start'; readonly action: 'pull' | 'push'; readonly repository: string; readonly reference: string }
  /** one blob's progress; id is the short digest (12 hex digits) */
  | { readonly type: 'layer'; readonly id: string; readonly digest: string; readonly status: LayerStatus; readonly current?: number; readonly total?: number; readonly from?: string }
  /** pull: the manifest digest the user asked for (the index's, for a multi-platform image) */
  | { readonly type: 'digest'; readonly digest: string }
  /** pull: the last line */
  | { readonly type: 'status'; readonly upToDate: boolean; readonly name: string; readonly message: string }
  /** push: the manifest is in place */
  | { readonly type: 'pushed'; readonly tag: string; readonly digest: string; readonly size: number };

export type ProgressListener = (event: ProgressEvent) => void;

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Docker's line for an event, e.g. "a1b2c3d4e5f6: Downloading 1.2MB/3.4MB". */
export function formatProgress(event: ProgressEvent): string {
  switch (event.type) {
    case 'start':
      return event.action === 'pull' ? `${event.reference}: Pulling from ${event.repository}` : `The push refers to repository [${event.repository}]`;
    case 'layer': {
      if (event.status === 'Mounted from') return `${event.id}: Mounted from ${event.from ?? ''}`.trimEnd();
      const amount = event.current !== undefined && event.total ? ` ${humanBytes(event.current)}/${humanBytes(event.total)}` : '';
      return `${event.id}: ${event.status}${amount}`;
    }
    case 'digest':
      return `Digest: ${event.digest}`;
    case 'status':
      return event.message;
    case 'pushed':
      return `${event.tag}: digest: ${event.digest} size: ${event.size}`;
  }
}

/** Docker's progress sizes: decimal units, 3 significant figures ("1.23MB"). */
export function humanBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return `${unit === 0 ? value : value.toPrecision(3).replace(/\.0+$|(\.\d*?)0+$/, '$1')}${units[unit]}`;
}

/** Calls `emit` at most every `ms` per key, and always for the last call (`force`). */
export function throttle(ms = 100): (key: string, force: boolean, emit: () => void) => void {
  const last = new Map<string, number>();
  return (key, force, emit) => {
    const now = Date.now();
    if (!force && now - (last.get(key) ?? 0) < ms) return;
    last.set(key, now);
    emit();
  };
}
