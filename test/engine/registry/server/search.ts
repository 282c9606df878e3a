// The v1 index: /v1/_ping and /v1/search as `docker search` reads them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { errorCode, pushImage, serveRegistry, type TestRegistry } from '../_registry.js';

const test = suite<{ registry: TestRegistry }>('registry server: v1 search', {} as { registry: TestRegistry });
test.before(async (context) => {
  const registry = await serveRegistry({ memory: true });
  await pushImage(registry.url, 'library/busybox', 'latest', { labels: { 'org.opencontainers.image.description': 'Busybox base image.' } });
  await pushImage(registry.url, 'library/debian', 'bookworm', { labels: { description: 'Debian 12 from debootstrap' } });
  await pushImage(registry.url, 'alice/web', 'v1', { labels: { 'org.opencontainers.image.description': 'old text' } });
  await pushImage(registry.url, 'alice/web', 'latest', { labels: { 'org.opencontainers.image.description': 'A tiny web server on busybox httpd' } });
  await pushImage(registry.url, 'bob/tools', 'v1');
  context.registry = registry;
});
test.after(async ({ registry }) => {
  await registry.close();
});

test('GET /v1/_ping answers 200', async ({ registry }) => {
  assert.is((await fetch(`${registry.url}/v1/_ping`)).status, 200);
});

test('a term matches names and descriptions; official images are shown without library/', async ({ registry }) => {
  const response = await fetch(`${registry.url}/v1/search?q=busybox`);
  assert.is(response.status, 200);
  const body = await response.json() as { query: string; num_results: number; results: Array<Record<string, unknown>> };
  assert.is(body.query, 'busybox');
  assert.is(body.num_results, 2);
  assert.equal(body.results, [
    { name: 'busybox', description: 'Busybox base image.', star_count: 0, is_official: true, is_automated: false },
    { name: 'alice/web', description: 'A tiny web server on busybox httpd', star_count: 0, is_official: false, is_automated: false },
  ]);
});

test('the description comes from latest, else the newest tag, from either label', async ({ registry }) => {
  const body = await (await fetch(`${registry.url}/v1/search?q=debian`)).json() as { results: Array<{ name: string; description: string }> };
  assert.equal(body.results, [{ name: 'debian', description: 'Debian 12 from debootstrap', star_count: 0, is_official: true, is_automated: false }]);
  const tools = await (await fetch(`${registry.url}/v1/search?q=TOOLS`)).json() as { results: Array<{ name: string; description: string }> };
  assert.equal(tools.results.map((r) => [r.name, r.description]), [['bob/tools', '']]);
});

test('n limits the results (num_results counts them all); n outside 1..100 is refused', async ({ registry }) => {
  const body = await (await fetch(`${registry.url}/v1/search?q=&n=2`)).json() as { num_results: number; results: unknown[] };
  assert.is(body.num_results, 4);
  assert.is(body.results.length, 2);
  for (const n of ['0', '101', 'x']) {
    const response = await fetch(`${registry.url}/v1/search?q=a&n=${n}`);
    assert.is(response.status, 400);
    assert.is(await errorCode(response), 'PAGINATION_NUMBER_INVALID');
  }
});

test.run();
