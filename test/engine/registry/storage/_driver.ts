// The storage driver contract (src/engine/registry/storage/driver.ts) as
// tests: every primitive, its errors, and the writer's append/resume/cancel.
// Run over each driver by _conformance.ts; after every test the driver must
// hold no temp files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  InvalidOffsetError, InvalidPathError, PathNotFoundError, type StorageDriver,
} from '../../../../src/engine/registry/storage/driver.js';
import { readAll, rejectsWith, type DriverSubject } from './_semantics.js';

const text = async (driver: StorageDriver, path: string) => (await driver.get(path)).toString();

export function runDriverConformance<D extends StorageDriver>(subject: DriverSubject<D>): void {
  const test = suite<{ driver: D }>(`storage driver conformance: ${subject.name}`, {} as { driver: D });
  test.before.each(async (context) => {
    context.driver = await subject.create();
  });
  test.after.each(async (context) => {
    try {
      const files = await subject.leftovers(context.driver);
      assert.equal(files, [], `${subject.name} left temp files behind`);
    } finally {
      await subject.destroy?.(context.driver);
    }
  });

  test('put then get returns the bytes; put again replaces them; parents are made', async ({ driver }) => {
    await driver.put('/a/b/c', Buffer.from('first'));
    assert.is(await text(driver, '/a/b/c'), 'first');
    await driver.put('/a/b/c', Buffer.from('second, longer'));
    assert.is(await text(driver, '/a/b/c'), 'second, longer');
    await driver.put('/a/empty', new Uint8Array(0));
    assert.is((await driver.get('/a/empty')).length, 0);
  });

  test('stat tells a file (with its size) from a directory', async ({ driver }) => {
    await driver.put('/d/f', Buffer.from('12345'));
    const file = await driver.stat('/d/f');
    assert.equal([file.path, file.size, file.isDirectory], ['/d/f', 5, false]);
    assert.ok(Math.abs(file.modifiedAt - Date.now()) < 60_000, 'modifiedAt is a time in ms');
    const dir = await driver.stat('/d');
    assert.equal([dir.path, dir.isDirectory], ['/d', true]);
  });

  test('list gives the direct children as full paths, sorted in byte order', async ({ driver }) => {
    for (const path of ['/r/b', '/r/a/x', '/r/a/y', '/r/B', '/r/_z', '/r/c.json']) await driver.put(path, Buffer.from(path));
    assert.equal(await driver.list('/r'), ['/r/B', '/r/_z', '/r/a', '/r/b', '/r/c.json']);
    assert.equal(await driver.list('/r/a'), ['/r/a/x', '/r/a/y']);
  });

  test('a missing path is PathNotFoundError for every primitive that needs one', async ({ driver }) => {
    await driver.put('/here/file', Buffer.from('x'));
    for (const [what, call] of [
      ['get', () => driver.get('/nothing')],
      ['stat', () => driver.stat('/nothing')],
      ['list', () => driver.list('/nothing')],
      ['list a file', () => driver.list('/here/file')],
      ['get below a file', () => driver.get('/here/file/below')],
      ['reader', () => driver.reader('/nothing')],
      ['writer for append', () => driver.writer('/nothing', true)],
      ['move', () => driver.move('/nothing', '/here/other')],
      ['delete', () => driver.delete('/nothing')],
    ] as const) {
      const error = await rejectsWith(call(), PathNotFoundError, what);
      assert.is(error.kind, 'not-found', what);
    }
    await rejectsWith(driver.stat('/here/other'), PathNotFoundError, 'a failed move creates nothing');
  });

  test('a reader starts at its offset; at the end it is empty; past the end is InvalidOffsetError', async ({ driver }) => {
    await driver.put('/f', Buffer.from('0123456789'));
    assert.is((await readAll(await driver.reader('/f'))).toString(), '0123456789');
    assert.is((await readAll(await driver.reader('/f', 4))).toString(), '456789');
    assert.is((await readAll(await driver.reader('/f', 10))).length, 0);
    await rejectsWith(driver.reader('/f', 11), InvalidOffsetError, 'offset 11');
  });

  test('a writer appends; closed, its bytes stay; a writer for append resumes after them; commit keeps all', async ({ driver }) => {
    const first = await driver.writer('/up/data', false);
    assert.is(first.size, 0);
    await first.write(Buffer.from('hello '));
    await first.write(Buffer.from('world'));
    assert.is(first.size, 11);
    await first.close();
    assert.is((await driver.stat('/up/data')).size, 11);
    await rejectsWith(first.write(Buffer.from('late')), Error, 'a write after close');
    const resumed = await driver.writer('/up/data', true);
    assert.is(resumed.size, 11);
    await resumed.write(Buffer.from(', again'));
    assert.is(resumed.size, 18);
    await resumed.commit();
    assert.is(await text(driver, '/up/data'), 'hello world, again');
    assert.is((await readAll(await driver.reader('/up/data', 13))).toString(), 'again');
  });

  test('a writer that does not append starts the file anew', async ({ driver }) => {
    await driver.put('/f', Buffer.from('old content'));
    const writer = await driver.writer('/f', false);
    assert.is(writer.size, 0);
    await writer.write(Buffer.from('new'));
    await writer.commit();
    assert.is(await text(driver, '/f'), 'new');
  });

  test('a cancelled writer removes its file, appended or new', async ({ driver }) => {
    const fresh = await driver.writer('/w/new', false);
    await fresh.write(Buffer.from('abc'));
    await fresh.cancel();
    await rejectsWith(driver.stat('/w/new'), PathNotFoundError, 'cancelled new file');
    await driver.put('/w/old', Buffer.from('abc'));
    const append = await driver.writer('/w/old', true);
    await append.write(Buffer.from('def'));
    await append.cancel();
    await rejectsWith(driver.get('/w/old'), PathNotFoundError, 'cancelled appended file');
  });

  test('move puts the file at its new path (replacing one there) and removes the old', async ({ driver }) => {
    await driver.put('/src/f', Buffer.from('moved'));
    await driver.put('/dst/g', Buffer.from('replaced'));
    await driver.move('/src/f', '/dst/g');
    assert.is(await text(driver, '/dst/g'), 'moved');
    await rejectsWith(driver.get('/src/f'), PathNotFoundError, 'the old path');
    await driver.put('/src/h', Buffer.from('h'));
    await driver.move('/src/h', '/new/parent/h');
    assert.is(await text(driver, '/new/parent/h'), 'h');
  });

  test('delete removes a file, or a directory with all below it; siblings stay', async ({ driver }) => {
    for (const path of ['/t/keep', '/t/gone/a', '/t/gone/deep/b', '/t/file']) await driver.put(path, Buffer.from('x'));
    await driver.delete('/t/gone');
    await rejectsWith(driver.get('/t/gone/deep/b'), PathNotFoundError, 'below the deleted directory');
    await rejectsWith(driver.list('/t/gone'), PathNotFoundError, 'the deleted directory');
    await driver.delete('/t/file');
    assert.equal(await driver.list('/t'), ['/t/keep']);
  });

  test('malformed paths are InvalidPathError before anything is touched', async ({ driver }) => {
    for (const path of ['', 'relative', '/', '/a/', '//a', '/a//b', '/a/../b', '/..', '/.', '/.hidden', '/a b', '/a\\b', '/ä']) {
      for (const [what, call] of [
        ['get', () => driver.get(path)],
        ['put', () => driver.put(path, Buffer.from('x'))],
        ['stat', () => driver.stat(path)],
        ['list', () => driver.list(path)],
        ['reader', () => driver.reader(path)],
        ['writer', () => driver.writer(path, false)],
        ['delete', () => driver.delete(path)],
        ['move from', () => driver.move(path, '/ok')],
        ['move to', () => driver.move('/ok', path)],
      ] as const) {
        if (what === 'move from' || what === 'move to') await driver.put('/ok', Buffer.from('x'));
        const error = await rejectsWith(call(), InvalidPathError, `${what} ${JSON.stringify(path)}`);
        assert.is(error.kind, 'invalid');
      }
    }
    assert.is(await text(driver, '/ok'), 'x', 'a refused move leaves the file');
  });

  test.run();
}
