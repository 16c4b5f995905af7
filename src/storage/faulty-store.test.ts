import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { readBody } from './body.ts';
import { FaultyObjectStore } from './faulty-store.ts';
import { MemoryObjectStore } from './memory-store.ts';
import { ObjectNotFoundError, StorageError } from './object-store.ts';

function setup(): { inner: MemoryObjectStore; faulty: FaultyObjectStore } {
  const inner = new MemoryObjectStore();
  return { inner, faulty: new FaultyObjectStore(inner) };
}

const crashedError = (err: unknown): boolean => err instanceof StorageError && err.code === 'STORAGE_CRASHED';

test('a crash-before fault fails matching puts the given number of times and stores nothing', async () => {
  const { inner, faulty } = setup();
  const fault = faulty.inject({ op: 'put', key: /^packs\//, kind: 'crash-before', times: 1 });
  await assert.rejects(faulty.put('packs/a', Buffer.from('x')), crashedError);
  assert.equal(await inner.head('packs/a'), undefined);
  await faulty.put('index/a', Buffer.from('not matched'));
  await faulty.put('packs/a', Buffer.from('second try'));
  assert.equal((await inner.get('packs/a')).toString(), 'second try');
  assert.equal(fault.hits, 1);
  assert.deepEqual(faulty.counts, { put: 3, get: 0, getStream: 0, getRange: 0, head: 0, list: 0, delete: 0 });
  assert.deepEqual(
    faulty.log.map((c) => `${c.op} ${c.key}`),
    ['put packs/a', 'put index/a', 'put packs/a'],
  );
  faulty.assertAllFaultsFired();
});

test('a crash-after fault stores the object but tells the caller the put failed', async () => {
  const { inner, faulty } = setup();
  faulty.inject({ op: ['put', 'delete'], key: 'snapshots/s1', kind: 'crash-after' });
  await assert.rejects(faulty.put('snapshots/s1', Buffer.from('committed')), crashedError);
  assert.equal((await inner.get('snapshots/s1')).toString(), 'committed');
  await assert.rejects(faulty.delete('snapshots/s1'), crashedError);
  assert.equal(await inner.head('snapshots/s1'), undefined);
});

test('a truncate fault models a corrupt store: the put succeeds and a prefix is stored', async () => {
  const { inner, faulty } = setup();
  faulty.inject({ op: 'put', kind: 'truncate', times: 1 });
  faulty.inject({ op: 'put', kind: 'truncate', bytes: 3 });
  await faulty.put('packs/half', Readable.from([Buffer.from('0123456789')]));
  await faulty.put('packs/three', Buffer.from('0123456789'));
  assert.equal((await inner.get('packs/half')).toString(), '01234');
  assert.equal((await inner.get('packs/three')).toString(), '012');
});

test('a lose fault acknowledges a put and stores nothing', async () => {
  const { inner, faulty } = setup();
  faulty.inject({ op: 'put', key: 'blobs/lost', kind: 'lose' });
  await faulty.put('blobs/lost', Buffer.from('gone'));
  assert.equal(await inner.head('blobs/lost'), undefined);
});

test('a missing fault hides an object from every read, list included, and leaves others alone', async () => {
  const { inner, faulty } = setup();
  await inner.put('packs/a', Buffer.from('a'));
  await inner.put('packs/b', Buffer.from('b'));
  faulty.inject({ key: 'packs/a', kind: 'missing' });
  await assert.rejects(faulty.get('packs/a'), ObjectNotFoundError);
  await assert.rejects(faulty.getStream('packs/a'), ObjectNotFoundError);
  await assert.rejects(faulty.getRange('packs/a', 0, 1), ObjectNotFoundError);
  assert.equal(await faulty.head('packs/a'), undefined);
  const listed: string[] = [];
  for await (const info of faulty.list('packs/')) listed.push(info.key);
  assert.deepEqual(listed, ['packs/b']);
  assert.equal((await faulty.get('packs/b')).toString(), 'b');
});

test('a bit-flip fault returns the bytes with exactly one bit changed, from every kind of read', async () => {
  const { inner, faulty } = setup();
  const original = Buffer.from('the quick brown fox');
  await inner.put('packs/p', original);
  faulty.inject({ op: ['get', 'getStream', 'getRange'], key: /^packs\//, kind: 'bit-flip' });
  const differingBits = (a: Buffer, b: Buffer): number => {
    let bits = 0;
    for (let i = 0; i < a.length; i++) for (let x = (a[i] ?? 0) ^ (b[i] ?? 0); x > 0; x >>= 1) bits += x & 1;
    return bits;
  };
  assert.equal(differingBits(await faulty.get('packs/p'), original), 1);
  assert.equal(differingBits(await readBody(await faulty.getStream('packs/p')), original), 1);
  assert.equal(differingBits(await faulty.getRange('packs/p', 4, 5), original.subarray(4, 9)), 1);
  assert.deepEqual(await inner.get('packs/p'), original);
});

test('crashAfter lets the next N operations through and fails every one after, until recover', async () => {
  const { inner, faulty } = setup();
  faulty.crashAfter(2);
  await faulty.put('a', Buffer.from('1'));
  await faulty.put('b', Buffer.from('2'));
  await assert.rejects(faulty.put('c', Buffer.from('3')), crashedError);
  await assert.rejects(faulty.get('a'), crashedError);
  await assert.rejects(faulty.head('a'), crashedError);
  assert.equal(await inner.head('c'), undefined);
  faulty.recover();
  assert.equal((await faulty.get('a')).toString(), '1');
  assert.equal(faulty.total, 6);
});

test('a hang fault holds calls until it is released', async () => {
  const { inner, faulty } = setup();
  const fault = faulty.inject({ op: 'put', kind: 'hang' });
  let settled = false;
  const put = faulty.put('held', Buffer.from('x')).finally(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false);
  assert.equal(await inner.head('held'), undefined);
  fault.release();
  await put;
  assert.equal((await inner.get('held')).toString(), 'x');
  await faulty.put('after', Buffer.from('y'));
});

test('error faults throw the given error or a StorageError, after skipping the first matches', async () => {
  const { faulty } = setup();
  await faulty.put('k', Buffer.from('v'));
  faulty.inject({ op: 'get', kind: 'error', skip: 1, times: 1 });
  faulty.inject({ op: 'list', kind: 'error', error: new Error('listing broke') });
  faulty.inject({ op: 'head', kind: 'delay', ms: 1 });
  assert.equal((await faulty.get('k')).toString(), 'v');
  await assert.rejects(faulty.get('k'), (err: unknown) => err instanceof StorageError && err.code === 'STORAGE_FAILED');
  assert.equal((await faulty.get('k')).toString(), 'v');
  await assert.rejects(async () => {
    for await (const _ of faulty.list('')) assert.fail('listed despite the fault');
  }, /listing broke/);
  assert.equal((await faulty.head('k'))?.size, 1);
});

test('a full fault fails the put with STORAGE_FULL and leaves nothing in the wrapped store', async () => {
  const { inner, faulty } = setup();
  faulty.inject({ op: 'put', kind: 'full' });
  await assert.rejects(faulty.put('big', Buffer.alloc(1000)), (err: unknown) => err instanceof StorageError && err.code === 'STORAGE_FULL');
  assert.equal(await inner.head('big'), undefined);
});

test('names the faults that never fired, and refuses faults that cannot apply to an operation', () => {
  const { faulty } = setup();
  faulty.inject({ op: 'put', key: /^packs\//, kind: 'crash-before', times: 1 });
  assert.throws(() => faulty.assertAllFaultsFired(), /crash-before on put for \/\^packs\\\/\/: fired 0 of 1 times/);
  faulty.clear();
  faulty.assertAllFaultsFired();
  assert.throws(() => faulty.inject({ op: 'put', kind: 'bit-flip' }), TypeError);
  assert.throws(() => faulty.inject({ op: 'get', kind: 'truncate' }), TypeError);
});
