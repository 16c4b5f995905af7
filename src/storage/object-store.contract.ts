import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { readBody } from './body.ts';
import { FaultyObjectStore } from './faulty-store.ts';
import { NoxError } from '../errors.ts';
import { ObjectExistsError, ObjectNotFoundError, StorageError, type ObjectInfo, type ObjectStore } from './object-store.ts';

const MiB = 1024 * 1024;

export interface ContractOptions {
  /** Runs once after every test of the suite (e.g. stops a server, removes temp dirs). */
  readonly cleanup?: () => Promise<void>;
  /** Size of the large-object test; it should cross the adapter's multipart threshold. */
  readonly largeObjectBytes?: number;
  /** Objects in the many-objects list test; above 1,000 crosses an S3 list page. */
  readonly manyObjects?: number;
}

/**
 * The behaviour every ObjectStore adapter must show, as one suite each adapter's test file runs.
 * `makeStore` is called once per test and must return an empty store.
 */
export function describeObjectStoreContract(name: string, makeStore: () => Promise<ObjectStore>, options: ContractOptions = {}): void {
  void describe(`${name} object store contract`, () => {
    if (options.cleanup !== undefined) after(options.cleanup);

    void test('gets back exactly the bytes it put, from a Buffer or a stream, including an empty object', async () => {
      const store = await makeStore();
      const bytes = randomBytes(10_000);
      await store.put('a/b/one', bytes);
      await store.put('a/two', Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]));
      await store.put('empty', Buffer.alloc(0));
      assert.deepEqual(await store.get('a/b/one'), bytes);
      assert.deepEqual(await store.get('a/two'), bytes);
      assert.deepEqual(await store.get('empty'), Buffer.alloc(0));
    });

    void test('keeps what was stored even if the caller later changes its Buffer', async () => {
      const store = await makeStore();
      const bytes = Buffer.from('original');
      await store.put('k', bytes);
      bytes.write('CHANGED!');
      assert.equal((await store.get('k')).toString(), 'original');
    });

    void test('a plain put overwrites an existing object', async () => {
      const store = await makeStore();
      await store.put('lock', Buffer.from('first'));
      await store.put('lock', Buffer.from('second, longer'));
      assert.equal((await store.get('lock')).toString(), 'second, longer');
      assert.equal((await store.head('lock'))?.size, 14);
    });

    void test('an ifAbsent put of an existing key fails with ObjectExistsError and keeps the original', async () => {
      const store = await makeStore();
      await store.put('locks/exclusive', Buffer.from('mine'), { ifAbsent: true });
      await assert.rejects(store.put('locks/exclusive', Buffer.from('yours'), { ifAbsent: true }), (err: unknown) => {
        assert.ok(err instanceof ObjectExistsError);
        assert.equal(err.code, 'STORAGE_EXISTS');
        return true;
      });
      await assert.rejects(store.put('locks/exclusive', Readable.from([Buffer.from('streamed')]), { ifAbsent: true }), ObjectExistsError);
      assert.equal((await store.get('locks/exclusive')).toString(), 'mine');
    });

    void test('of two concurrent ifAbsent puts of one key exactly one wins, and its bytes are what is stored', async () => {
      const store = await makeStore();
      for (let round = 0; round < 10; round++) {
        const key = `locks/race-${round}`;
        const bodies = [Buffer.from(`writer A ${round}`), Buffer.from(`writer B ${round}`)];
        const results = await Promise.allSettled(bodies.map((b) => store.put(key, b, { ifAbsent: true })));
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        assert.equal(won.length, 1, `round ${round}: ${won.length} writers won`);
        const lost = results.find((r) => r.status === 'rejected');
        assert.ok(lost?.status === 'rejected' && lost.reason instanceof ObjectExistsError, String(lost?.status === 'rejected' ? lost.reason : ''));
        assert.deepEqual(await store.get(key), bodies[won[0]!]);
      }
    });

    void test('getRange returns exactly the bytes asked for, anywhere in the object', async () => {
      const store = await makeStore();
      const bytes = randomBytes(5000);
      await store.put('packs/p1', bytes);
      assert.deepEqual(await store.getRange('packs/p1', 0, 1), bytes.subarray(0, 1));
      assert.deepEqual(await store.getRange('packs/p1', 1234, 2000), bytes.subarray(1234, 3234));
      assert.deepEqual(await store.getRange('packs/p1', 4990, 10), bytes.subarray(4990));
      assert.deepEqual(await store.getRange('packs/p1', 0, 5000), bytes);
      assert.deepEqual(await store.getRange('packs/p1', 5000, 0), Buffer.alloc(0));
    });

    void test('getRange refuses a range past the end of the object rather than return fewer bytes', async () => {
      const store = await makeStore();
      await store.put('packs/short', randomBytes(100));
      for (const [offset, length] of [
        [90, 11],
        [100, 1],
        [500, 10],
      ] as const) {
        await assert.rejects(store.getRange('packs/short', offset, length), (err: unknown) => {
          assert.ok(err instanceof StorageError, String(err));
          assert.equal(err.code, 'STORAGE_RANGE');
          return true;
        });
      }
      await assert.rejects(store.getRange('packs/short', -1, 5), hasCode('STORAGE_BAD_RANGE'));
      await assert.rejects(store.getRange('packs/short', 0, 1.5), hasCode('STORAGE_BAD_RANGE'));
    });

    void test('getStream streams the whole object', async () => {
      const store = await makeStore();
      const bytes = randomBytes(300_000);
      await store.put('files/f', bytes);
      assert.deepEqual(await readBody(await store.getStream('files/f')), bytes);
    });

    void test('head gives size and modification time, and undefined for a missing key', async () => {
      const store = await makeStore();
      const before = Date.now();
      await store.put('snapshots/s1', Buffer.from('12345'));
      const info = await store.head('snapshots/s1');
      assert.equal(info?.key, 'snapshots/s1');
      assert.equal(info?.size, 5);
      assert.ok(info?.modified instanceof Date);
      // Clocks of remote stores differ from ours; only a grossly wrong time is a bug.
      assert.ok(Math.abs(info.modified.getTime() - before) < 10 * 60 * 1000);
      assert.equal(await store.head('snapshots/none'), undefined);
      assert.equal(await store.head('snapshots'), undefined);
    });

    void test('a missing key makes get, getStream and getRange throw ObjectNotFoundError', async () => {
      const store = await makeStore();
      await store.put('dir/present', Buffer.from('x'));
      for (const key of ['absent', 'dir/absent', 'dir/present/below', 'dir']) {
        await assert.rejects(store.get(key), isNotFound(key));
        await assert.rejects(store.getStream(key), isNotFound(key));
        await assert.rejects(store.getRange(key, 0, 1), isNotFound(key));
        await assert.rejects(store.getRange(key, 0, 0), isNotFound(key));
      }
    });

    void test('list yields every object under a prefix and nothing else', async () => {
      const store = await makeStore();
      const keys = ['index/1', 'index/2', 'packs/ab/x', 'packs/ab/y', 'packs/ac/z', 'packs/b', 'packsx', 'top'];
      for (const key of keys) await store.put(key, Buffer.from(key));
      assert.deepEqual(await listKeys(store, ''), keys);
      assert.deepEqual(await listKeys(store, 'packs/'), ['packs/ab/x', 'packs/ab/y', 'packs/ac/z', 'packs/b']);
      assert.deepEqual(await listKeys(store, 'packs'), ['packs/ab/x', 'packs/ab/y', 'packs/ac/z', 'packs/b', 'packsx']);
      assert.deepEqual(await listKeys(store, 'packs/a'), ['packs/ab/x', 'packs/ab/y', 'packs/ac/z']);
      assert.deepEqual(await listKeys(store, 'packs/ab/x'), ['packs/ab/x']);
      assert.deepEqual(await listKeys(store, 'nothing/'), []);
      const info = await first(store.list('top'));
      assert.equal(info?.size, 3);
      assert.ok(info?.modified instanceof Date);
    });

    void test(`list streams every one of many objects (past one S3 page of 1,000)`, async () => {
      const store = await makeStore();
      const count = options.manyObjects ?? 2500;
      const keys = Array.from({ length: count }, (_, i) => `blobs/${String(i % 7)}/${String(i).padStart(5, '0')}`);
      await inParallel(keys, 16, (key) => store.put(key, Buffer.from(key)));
      await store.put('other/x', Buffer.from('x'));
      const listed = await listKeys(store, 'blobs/');
      assert.equal(listed.length, count);
      assert.deepEqual(listed, [...keys].sort());
      // Stopping early must be possible without reading everything.
      let seen = 0;
      for await (const _ of store.list('blobs/')) if (++seen === 3) break;
      assert.equal(seen, 3);
    });

    void test('delete removes an object, and deleting a missing key is not an error', async () => {
      const store = await makeStore();
      await store.put('d/one', Buffer.from('1'));
      await store.put('d/two', Buffer.from('2'));
      await store.delete('d/one');
      await store.delete('d/one');
      await store.delete('never/was');
      assert.equal(await store.head('d/one'), undefined);
      await assert.rejects(store.get('d/one'), ObjectNotFoundError);
      assert.deepEqual(await listKeys(store, 'd/'), ['d/two']);
      await store.put('d/one', Buffer.from('again'), { ifAbsent: true });
      assert.equal((await store.get('d/one')).toString(), 'again');
    });

    void test('refuses invalid keys, path traversal included, and writes nothing', async () => {
      const store = await makeStore();
      const bad = ['', '../escape', 'a/../../escape', '..', 'a/..', '/absolute', 'a//b', 'a/', 'a/./b', '.', 'a\\b', 'å', 'a b', 'a~b', 'a\0b'];
      for (const key of bad) {
        await assert.rejects(store.put(key, Buffer.from('x')), hasCode('STORAGE_BAD_KEY'), `put ${JSON.stringify(key)}`);
        await assert.rejects(store.get(key), hasCode('STORAGE_BAD_KEY'), `get ${JSON.stringify(key)}`);
        await assert.rejects(store.getStream(key), hasCode('STORAGE_BAD_KEY'));
        await assert.rejects(store.getRange(key, 0, 1), hasCode('STORAGE_BAD_KEY'));
        await assert.rejects(store.head(key), hasCode('STORAGE_BAD_KEY'));
        await assert.rejects(store.delete(key), hasCode('STORAGE_BAD_KEY'));
      }
      for (const prefix of ['../', '/', 'a//', '..']) {
        await assert.rejects(listKeys(store, prefix), hasCode('STORAGE_BAD_KEY'), `list ${JSON.stringify(prefix)}`);
      }
      assert.deepEqual(await listKeys(store, ''), []);
    });

    void test('a large streamed object goes in and comes out intact', async () => {
      const store = await makeStore();
      const size = options.largeObjectBytes ?? 40 * MiB;
      const chunk = randomBytes(MiB);
      const expected = createHash('sha256');
      const chunks = Math.ceil(size / MiB);
      for (let i = 0; i < chunks; i++) expected.update(lastAware(chunk, i, size));
      await store.put(
        'large/object',
        Readable.from(
          (function* () {
            for (let i = 0; i < chunks; i++) yield lastAware(chunk, i, size);
          })(),
        ),
      );
      assert.equal((await store.head('large/object'))?.size, size);
      const actual = createHash('sha256');
      for await (const piece of await store.getStream('large/object')) actual.update(piece as Buffer);
      assert.equal(actual.digest('hex'), expected.digest('hex'));
      assert.deepEqual(await store.getRange('large/object', size - 10, 10), lastAware(chunk, chunks - 1, size).subarray(-10));
    });

    void test('a put whose body fails half-way leaves no object behind, and the key stays free', async () => {
      const inner = await makeStore();
      const faulty = new FaultyObjectStore(inner);
      faulty.inject({ op: 'put', kind: 'crash-during', times: 2 });
      await assert.rejects(faulty.put('packs/half', randomBytes(100_000)), hasCode('STORAGE_CRASHED'));
      await assert.rejects(faulty.put('locks/half', randomBytes(1000), { ifAbsent: true }), hasCode('STORAGE_CRASHED'));
      assert.equal(await inner.head('packs/half'), undefined);
      assert.deepEqual(await listKeys(inner, ''), []);
      await inner.put('locks/half', Buffer.from('whole'), { ifAbsent: true });
      assert.equal((await inner.get('locks/half')).toString(), 'whole');
      faulty.assertAllFaultsFired();
    });

    void test('a full disk fails the put with STORAGE_FULL and leaves no partial object', async () => {
      const inner = await makeStore();
      await inner.put('packs/old', Buffer.from('kept'));
      const faulty = new FaultyObjectStore(inner);
      faulty.inject({ op: 'put', key: /^packs\//, kind: 'full' });
      await assert.rejects(faulty.put('packs/new', randomBytes(200_000)), (err: unknown) => {
        assert.ok(err instanceof StorageError);
        assert.equal(err.code, 'STORAGE_FULL');
        return true;
      });
      await assert.rejects(faulty.put('packs/old', randomBytes(1000)), hasCode('STORAGE_FULL'));
      assert.deepEqual(await listKeys(inner, ''), ['packs/old']);
      assert.equal((await inner.get('packs/old')).toString(), 'kept');
    });
  });
}

/** Keys under a prefix, sorted, for comparisons. */
export async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys.sort();
}

async function first(items: AsyncIterable<ObjectInfo>): Promise<ObjectInfo | undefined> {
  for await (const item of items) return item;
  return undefined;
}

async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function lastAware(chunk: Buffer, i: number, size: number): Buffer {
  const remaining = size - i * chunk.length;
  return remaining >= chunk.length ? chunk : chunk.subarray(0, remaining);
}

function hasCode(code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof NoxError, `expected a NoxError with code ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

function isNotFound(key: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ObjectNotFoundError, `${key}: expected ObjectNotFoundError, got ${String(err)}`);
    assert.equal(err.code, 'STORAGE_NOT_FOUND');
    return true;
  };
}
