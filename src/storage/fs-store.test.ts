import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FaultyObjectStore } from './faulty-store.ts';
import { FsObjectStore } from './fs-store.ts';
import { describeObjectStoreContract, listKeys } from './object-store.contract.ts';
import { StorageError } from './object-store.ts';
import { fsTestStores } from './test-stores.test-support.ts';

const fs = fsTestStores();
describeObjectStoreContract('filesystem', fs.make, { cleanup: fs.cleanup });

describe('filesystem store', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const tempRoot = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'nox-fs-'));
    dirs.push(d);
    return d;
  };
  const allNames = async (root: string): Promise<string[]> => (await readdir(root, { recursive: true })).map(String).sort();

  test('keeps each object as a plain file at its key’s path under the root', async () => {
    const root = await tempRoot();
    const store = new FsObjectStore({ root: join(root, 'repo') });
    await store.put('packs/ab/0001', Buffer.from('pack bytes'));
    assert.equal(await readFile(join(root, 'repo', 'packs', 'ab', '0001'), 'utf8'), 'pack bytes');
    assert.equal(store.description, `fs:${join(root, 'repo')}`);
  });

  test('never writes outside its root, whatever the key', async () => {
    const root = await tempRoot();
    const store = new FsObjectStore({ root: join(root, 'repo') });
    for (const key of ['../escape', 'a/../../escape', '/etc/escape']) {
      await assert.rejects(store.put(key, Buffer.from('x')), { code: 'STORAGE_BAD_KEY' });
    }
    assert.deepEqual(await allNames(root), []);
  });

  test('leaves no temp file behind after a put that failed or lost an ifAbsent race', async () => {
    const root = await tempRoot();
    const store = new FsObjectStore({ root });
    const faulty = new FaultyObjectStore(store);
    faulty.inject({ op: 'put', key: 'packs/crashed', kind: 'crash-during' });
    await assert.rejects(faulty.put('packs/crashed', Buffer.alloc(100_000)));
    await Promise.allSettled([store.put('locks/l', Buffer.from('a'), { ifAbsent: true }), store.put('locks/l', Buffer.from('b'), { ifAbsent: true })]);
    assert.deepEqual(await allNames(root), ['locks', 'locks/l', 'packs']);
  });

  test('a full disk is reported with what to do about it, and leaves no partial file', async () => {
    const root = await tempRoot();
    const store = new FsObjectStore({ root });
    const faulty = new FaultyObjectStore(store);
    faulty.inject({ op: 'put', kind: 'full' });
    await assert.rejects(faulty.put('packs/p', Buffer.alloc(1_000_000)), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.equal(err.code, 'STORAGE_FULL');
      assert.match(err.message, /full or over quota; nothing was stored\. Free space there or point NOX_STORAGE_PATH at a larger disk/);
      return true;
    });
    assert.deepEqual(await allNames(root), ['packs']);
  });

  test('temp files of a killed writer are invisible, and only stale ones are swept', async () => {
    const root = await tempRoot();
    const store = new FsObjectStore({ root });
    await store.put('packs/whole', Buffer.from('whole'));
    // What a put killed between write and rename leaves: a temp file beside the target.
    await writeFile(join(root, 'packs', '.tmp~dead0001'), 'half a pa');
    await writeFile(join(root, 'packs', '.tmp~live0002'), 'being writ');
    const old = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await utimes(join(root, 'packs', '.tmp~dead0001'), old, old);
    assert.deepEqual(await listKeys(store, ''), ['packs/whole']);
    assert.equal(await store.removeStaleTempFiles(), 1);
    assert.deepEqual(await allNames(root), ['packs', 'packs/.tmp~live0002', 'packs/whole']);
    assert.equal(await store.removeStaleTempFiles({ olderThanMs: 0, now: new Date(Date.now() + 1000) }), 1);
    assert.deepEqual(await allNames(root), ['packs', 'packs/whole']);
  });

  test('list skips files no key could name, such as ones a person dropped in', async () => {
    const root = await tempRoot();
    const store = new FsObjectStore({ root });
    await store.put('index/i1', Buffer.from('i'));
    await writeFile(join(root, 'index', 'notes äö.txt'), 'x');
    await mkdir(join(root, 'lost+found'));
    await writeFile(join(root, 'lost+found', 'f'), 'x');
    assert.deepEqual(await listKeys(store, ''), ['index/i1']);
  });

  test('a key cannot also be the folder of other keys', async () => {
    const root = await tempRoot();
    const store = new FsObjectStore({ root });
    await store.put('a', Buffer.from('file'));
    await assert.rejects(store.put('a/b', Buffer.from('below')), /a key cannot also be the folder of other keys/);
    await store.put('c/d', Buffer.from('below'));
    await assert.rejects(store.put('c', Buffer.from('file')), /a key cannot also be the folder of other keys/);
    await store.delete('c');
    assert.equal((await store.get('c/d')).toString(), 'below');
  });

  test('a directory it may not write to gives STORAGE_PERMISSION naming the directory', async (t) => {
    let root: string;
    if (process.getuid?.() === 0) {
      // root ignores file modes; sysfs refuses new entries even to root.
      if (!existsSync('/sys/kernel')) return t.skip('running as root without /sys');
      root = '/sys/kernel/nox-test-repository';
    } else {
      const parent = await tempRoot();
      root = join(parent, 'repo');
      await mkdir(root);
      await chmod(root, 0o555);
    }
    const store = new FsObjectStore({ root });
    await assert.rejects(store.put('packs/p', Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.equal(err.code, 'STORAGE_PERMISSION');
      assert.match(err.message, new RegExp(`read and write access to ${root}`));
      return true;
    });
    if (process.getuid?.() !== 0) await chmod(root, 0o755);
  });
});
