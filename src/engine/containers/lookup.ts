// Finding a container by what the user typed: a full id, a unique id prefix,
// or a name, as Docker does.
import { notFound, invalid } from '../errors.js';
import { listRecords, type ContainerRecord } from './record.js';

export function findContainer(containersDir: string, ref: string): ContainerRecord {
  const records = listRecords(containersDir);
  const wanted = ref.replace(/^\//, '');
  const exact = records.find((r) => r.id === wanted || r.name === wanted);
  if (exact) return exact;
  if (/^[0-9a-f]+$/.test(wanted)) {
    const matches = records.filter((r) => r.id.startsWith(wanted));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw invalid(`multiple containers found with provided prefix: ${wanted}`);
  }
  throw notFound(`No such container: ${ref}`);
}
