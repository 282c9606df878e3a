// What pull and push report while they work: the typed events of
// ../../events.ts; formatProgress gives Docker's own line for each (what
// `docker pull | cat` prints).
import type { PullEvent, StepEvent, TransferEvent } from '../../events.js';
import { progressSize as humanBytes } from '../../units.js';

export type { LayerStatus } from '../../events.js';
export type ProgressEvent = TransferEvent;

export type ProgressListener = (event: ProgressEvent) => void;

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Docker's line for an event, e.g. "a1b2c3d4e5f6: Downloading 1.2MB/3.4MB". */
export function formatProgress(event: PullEvent): string {
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
      return event.text;
    case 'pushed':
      return `${event.tag}: digest: ${event.digest} size: ${event.size}`;
    case 'phase':
      return event.text;
    case 'step':
      return stepLine(event);
  }
}

/** "Step 2/5 : RUN apt-get update", as Docker's classic builder prints a step. */
export function stepLine(step: Pick<StepEvent, 'index' | 'total' | 'text'>): string {
  return `Step ${step.index}/${step.total} : ${step.text}`;
}

/** Docker's progress sizes ("1.23MB"): units.ts's progressSize, under the name pull and push code knows. */
export { humanBytes };

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
