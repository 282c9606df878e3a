// Names for a layer being built or removed: they start with a dot, so list()
// never shows them, and are unique, so two berth processes never collide.
import crypto from 'node:crypto';

export function temporaryName(id: string): string {
  return `.${id}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
}
