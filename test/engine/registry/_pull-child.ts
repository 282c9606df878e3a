// Pulls one image in a child process, printing each progress event as a JSON
// line, so a test can kill -9 it in the middle of a layer.
//   node _pull-child.js <state root> <baseUrl> <repository> <reference> <local tag>
import { statePaths } from '../../../src/engine/paths.js';
import { ImageStore } from '../../../src/engine/store/images.js';
import { pullImage } from '../../../src/engine/registry/client/index.js';

const [root, baseUrl, repository, reference, localTag] = process.argv.slice(2) as [string, string, string, string, string];
const store = new ImageStore(statePaths(root));
await pullImage(store, { baseUrl, repository }, reference, {
  localTag,
  onProgress: (event) => process.stdout.write(JSON.stringify(event) + '\n'),
});
process.stdout.write('"done"\n');
