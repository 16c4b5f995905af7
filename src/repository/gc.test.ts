import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRepoError } from './errors.ts';
import { acquireLock } from './lock.ts';
import { openRepository, type Repository, type RepositoryOptions } from './repository.ts';
import { repositoryStores, testKeyring, type TestStore } from './test-support.ts';
import type { MasterKeyring } from './master-keys.ts';
import type { SnapshotInfo } from './manifest.ts';

const HOUR = 3_600_000;
const later = (h: number): Date => new Date(Date.now() + h * HOUR);

async function write(repo: Repository, tag: string, keys: number, parent?: SnapshotInfo): Promise<SnapshotInfo> {
  const w = await repo.beginSnapshot({ parent: parent?.id, runMeta: { tag } });
  for (let i = 0; i < keys; i++) await w.putRecord('customers', `C${i}`, { i, tag: i < 5 ? tag : 'stable' });
  await w.putAttachment('files', 'f', Buffer.from(`file ${tag}`));
  return w.commit();
}

async function assertReadable(store: TestStore['store'], masterKeys: MasterKeyring, snaps: SnapshotInfo[]): Promise<void> {
  const repo = await openRepository({ store, tenantId: 'acme', masterKeys });
  assert.deepEqual((await repo.listSnapshots()).map((s) => s.id).sort(), snaps.map((s) => s.id).sort());
  for (const snap of snaps) {
    const tag = snap.run.tag as string;
    for await (const { key, record } of repo.listRecords(snap.id, 'customers')) {
      const i = Number(key.slice(1));
      assert.deepEqual(record, { i, tag: i < 5 ? tag : 'stable' });
    }
    const parts: Buffer[] = [];
    for await (const c of await repo.readAttachment(snap.id, 'files', 'f')) parts.push(c as Buffer);
    assert.equal(Buffer.concat(parts).toString(), `file ${tag}`);
  }
  assert.deepEqual((await repo.checkStructure()).problems, []);
}

async function packCount(t: TestStore): Promise<number> {
  let n = 0;
  for await (const _ of t.store.list('tenants/acme/packs/')) n++;
  for await (const _ of t.store.list('tenants/acme/attachments/')) n++;
  return n;
}

for (const factory of await repositoryStores()) {
  describe(`garbage collection on ${factory.name}`, () => {
    after(() => factory.cleanup());
    const open = (t: TestStore, masterKeys: MasterKeyring, extra: Partial<RepositoryOptions> = {}) =>
      openRepository({ store: t.store, tenantId: 'acme', masterKeys, create: true, packTargetBytes: 1024, ...extra });

    test('removes a forgotten snapshot\'s data only after marking it and waiting a grace period, and keeps everything else', async () => {
      const t = await factory.make();
      try {
        const masterKeys = testKeyring();
        const repo = await open(t, masterKeys);
        const a = await write(repo, 'a', 40);
        const b = await write(repo, 'b', 40);
        const c = await write(repo, 'c', 40);
        await repo.forgetSnapshot(b.id);
        const packsBefore = await packCount(t);
        const first = await repo.collectGarbage({ now: later(2), graceMs: HOUR });
        assert.ok(first.condemned.length > 0);
        assert.deepEqual(first.deleted, []);
        const tooSoon = await repo.collectGarbage({ now: later(0.5), graceMs: HOUR });
        assert.deepEqual(tooSoon.deleted, [], 'a mark younger than the grace period deletes nothing');
        const second = await repo.collectGarbage({ now: later(4), graceMs: HOUR });
        assert.deepEqual([...second.deleted].sort(), [...first.condemned].sort());
        assert.equal(await packCount(t), packsBefore - second.deleted.length);
        await assertReadable(t.store, masterKeys, [a, c]);
        assert.equal(await t.store.head('tenants/acme/locks/gc.json'), undefined, 'the lock is released');
      } finally {
        await t.close();
      }
    });

    test('never removes objects younger than the grace period, such as the packs of a backup still running', async () => {
      const t = await factory.make();
      try {
        const masterKeys = testKeyring();
        const repo = await open(t, masterKeys);
        const a = await write(repo, 'a', 10);
        const w = await repo.beginSnapshot({ runMeta: { tag: 'running' } });
        for (let i = 0; i < 200; i++) await w.putRecord('customers', `C${i}`, { i, tag: i < 5 ? 'running' : 'stable' });
        const packsWhileRunning = await packCount(t);
        for (let i = 0; i < 3; i++) {
          const report = await repo.collectGarbage({ graceMs: HOUR });
          assert.deepEqual(report.condemned, []);
          assert.deepEqual(report.deleted, []);
        }
        assert.equal(await packCount(t), packsWhileRunning);
        await w.putAttachment('files', 'f', Buffer.from('file running'));
        const running = await w.commit();
        await assertReadable(t.store, masterKeys, [a, running]);
      } finally {
        await t.close();
      }
    });

    test('a collection interleaved with a snapshot write never removes what the snapshot references', async () => {
      const t = await factory.make();
      try {
        const masterKeys = testKeyring();
        const repo = await open(t, masterKeys);
        const a = await write(repo, 'a', 30);
        const old = await write(repo, 'old', 30);
        await repo.forgetSnapshot(old.id);
        // A second process writes a snapshot that reuses blobs only the forgotten snapshot had.
        const writerRepo = await open(t, masterKeys);
        const w = await writerRepo.beginSnapshot({ runMeta: { tag: 'old' } });
        for (let i = 0; i < 15; i++) await w.putRecord('customers', `C${i}`, { i, tag: i < 5 ? 'old' : 'stable' });
        // Meanwhile a collection (as if hours later) condemns every unreferenced pack — including the
        // forgotten snapshot's and the ones this write has produced so far.
        const mark = await repo.collectGarbage({ now: later(30), graceMs: HOUR });
        assert.ok(mark.condemned.length > 0);
        for (let i = 15; i < 30; i++) await w.putRecord('customers', `C${i}`, { i, tag: i < 5 ? 'old' : 'stable' });
        await w.putAttachment('files', 'f', Buffer.from('file old'));
        const committed = await w.commit();
        // The next collection, a grace period later, deletes the condemned packs; the new snapshot
        // has its own copies of what it needed.
        const sweep = await repo.collectGarbage({ now: later(60), graceMs: HOUR });
        assert.ok(sweep.deleted.length > 0);
        await assertReadable(t.store, masterKeys, [a, committed]);
        // And a later write after the sweep proceeds normally.
        const after = await write(await open(t, masterKeys), 'after', 30, committed);
        await assertReadable(t.store, masterKeys, [a, committed, after]);
      } finally {
        await t.close();
      }
    });

    test('a write that outlives the grace period and loses a pack to a collection refuses to commit', async () => {
      const t = await factory.make();
      try {
        const masterKeys = testKeyring();
        const repo = await open(t, masterKeys);
        const a = await write(repo, 'a', 20);
        const old = await write(repo, 'old', 20);
        await repo.forgetSnapshot(old.id);
        const writerRepo = await open(t, masterKeys, { gcGraceMs: 0 });
        const w = await writerRepo.beginSnapshot({ runMeta: { tag: 'old' } });
        for (let i = 0; i < 20; i++) await w.putRecord('customers', `C${i}`, { i, tag: i < 5 ? 'old' : 'stable' });
        await repo.collectGarbage({ now: later(30), graceMs: HOUR });
        await repo.collectGarbage({ now: later(60), graceMs: HOUR });
        await w.putAttachment('files', 'f', Buffer.from('file old'));
        await assert.rejects(w.commit(), (e) => isRepoError(e, 'REPO_MISSING_OBJECT'));
        await assertReadable(t.store, masterKeys, [a]);
      } finally {
        await t.close();
      }
    });

    test('only one collection runs at a time; a stale lock is broken', async () => {
      const t = await factory.make();
      try {
        const masterKeys = testKeyring();
        const repo = await open(t, masterKeys);
        await write(repo, 'a', 5);
        const held = await acquireLock(t.store, 'tenants/acme/locks/gc.json', { owner: 'other-worker', ttlMs: HOUR });
        await assert.rejects(repo.collectGarbage(), (e) => isRepoError(e, 'REPO_LOCKED') && /other-worker/.test(e.message));
        await held.release();
        await acquireLock(t.store, 'tenants/acme/locks/gc.json', { owner: 'crashed-worker', ttlMs: -1 });
        const report = await repo.collectGarbage();
        assert.equal(report.snapshots, 1);
      } finally {
        await t.close();
      }
    });
  });
}
