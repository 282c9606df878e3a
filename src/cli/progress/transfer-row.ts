// Pull and push events as rows: each layer is a row keyed by its short id
// (its bytes as a bar while Downloading or Pushing), debootstrap's phases one
// row; the rest are lines, in Docker's words (formatProgress).
import { formatProgress, progressSize, type PullEvent } from '../../engine/index.js';
import type { Row } from './row.js';

export function transferRow(event: PullEvent): Row {
  switch (event.type) {
    case 'layer': {
      const text = event.status === 'Mounted from' ? formatProgress(event) : `${event.id}: ${event.status}`;
      if (event.current === undefined || !event.total) return { key: event.id, text };
      return { key: event.id, text, fraction: event.current / event.total, amount: `${progressSize(event.current)}/${progressSize(event.total)}` };
    }
    case 'phase':
      return { key: `phase:${event.work}`, text: event.text };
    default:
      return { text: formatProgress(event) };
  }
}
