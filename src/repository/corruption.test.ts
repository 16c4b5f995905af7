import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultyObjectStore } from '../storage/faulty-store.ts';
import { isRepoError, type RepoErrorCode } from './errors.ts';
import { openRepository, type Repository } from './repository.ts';
import { repositoryStores, testKeyring, type TestStore } from './test-support.ts';
import type { MasterKeyring } from './master-keys.ts';
import type { SnapshotInfo } from './manifest.ts';

async function seeded(t: TestStore): Promise<{ ring: MasterKeyring; snap: SnapshotInfo; packs: string[]; recordPack: string; recordId: string }> {
  const ring = testKeyring();
  const repo = await openRepository({ store: t.store, tenantId: 'acme', masterKeys: ring, create: true });
  const w = await repo.beginSnapshot();
  for (let i = 0; i < 20; i++) await w.putRecord('customers', String(i), { CustomerNumber: String(i), Name: `Kund ${i}` });
  await w.putAttachment('files', 'a.pdf', Buffer.from('%PDF ' + 'y'.repeat(500)));
  const snap = await w.commit();
  const recordId = (await collect(repo.listEntries(snap.id, 'customers'))).find((e) => e.key === '7')!.id;
  const recordPack = repo.vault.layout.abs(repo.index.get(recordId)![0]!.pack);
  const packs: string[] = [];
  for await (const info of t.store.list('tenants/acme/packs/')) packs.push(info.key);
  return { ring, snap, packs, recordPack, recordId };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function readEverything(repo: Repository, snap: SnapshotInfo): Promise<void> {
  for (const ds of Object.keys(snap.datasets)) {
    for await (const e of repo.listEntries(snap.id, ds)) {
      if (e.kind === 'r') await repo.readRecord(snap.id, ds, e.key);
      else for await (const _ of await repo.readAttachment(snap.id, ds, e.key));
    }
  }
}

const named = (code: RepoErrorCode, object?: string, blobId?: string) => (e: unknown) => {
  assert.ok(isRepoError(e, code), `expected ${code}, got ${String(e)}`);
  if (object !== undefined) assert.equal(e.details?.object, object);
  if (blobId !== undefined) assert.equal(e.details?.blobId, blobId);
  return true;
};

for (const factory of await repositoryStores()) {
  describe(`corruption is detected and named on ${factory.name}`, () => {
    after(() => factory.cleanup());
    test('a flipped bit in a stored record is REPO_CORRUPT_BLOB naming the pack and the blob id, on read and in verification', async () => {
      const t = await factory.make();
      try {
        const { ring, snap, recordPack, recordId } = await seeded(t);
        const faulty = new FaultyObjectStore(t.store);
        const repo = await openRepository({ store: faulty, tenantId: 'acme', masterKeys: ring });
        await repo.refreshIndex();
        const loc = repo.index.get(recordId)![0]!;
        // Flip a bit inside that record's sealed bytes, as read by range and as read whole.
        faulty.inject({ op: 'getRange', key: recordPack, kind: 'bit-flip', bit: 8 * 20 });
        await assert.rejects(repo.readRecord(snap.id, 'customers', '7'), named('REPO_CORRUPT_BLOB', recordPack, recordId));
        faulty.clear();
        faulty.inject({ op: 'get', key: recordPack, kind: 'bit-flip', bit: 8 * (loc.offset + 20) });
        const report = await repo.checkData();
        assert.equal(report.ok, false);
        assert.ok(report.problems.some((p) => p.code === 'REPO_CORRUPT_BLOB' && p.object === recordPack && p.blobId === recordId), JSON.stringify(report.problems));
        assert.ok(report.problems.some((p) => p.code === 'REPO_CORRUPT_PACK' && p.object === recordPack), 'the pack hash no longer matches its name');
      } finally {
        await t.close();
      }
    });

    test('a truncated pack is REPO_CORRUPT_PACK naming the pack, on read and in verification', async () => {
      const t = await factory.make();
      try {
        const { ring, snap, recordPack } = await seeded(t);
        const bytes = await t.store.get(recordPack);
        await t.store.put(recordPack, bytes.subarray(0, Math.floor(bytes.length / 3)));
        const repo = await openRepository({ store: t.store, tenantId: 'acme', masterKeys: ring });
        await assert.rejects(readEverything(repo, snap), named('REPO_CORRUPT_PACK', recordPack));
        const report = await repo.checkData();
        assert.ok(report.problems.some((p) => p.code === 'REPO_CORRUPT_PACK' && p.object === recordPack), JSON.stringify(report.problems));
      } finally {
        await t.close();
      }
    });

    test('a missing pack is REPO_MISSING_OBJECT naming it, on read and in the structural check', async () => {
      const t = await factory.make();
      try {
        const { ring, snap, recordPack } = await seeded(t);
        const repo = await openRepository({ store: t.store, tenantId: 'acme', masterKeys: ring });
        assert.deepEqual((await repo.checkStructure()).problems, []);
        assert.equal((await repo.checkData()).ok, true);
        await t.store.delete(recordPack);
        const fresh = await openRepository({ store: t.store, tenantId: 'acme', masterKeys: ring });
        await assert.rejects(fresh.readRecord(snap.id, 'customers', '7'), named('REPO_MISSING_OBJECT', recordPack));
        const report = await fresh.checkStructure();
        assert.equal(report.ok, false);
        assert.ok(report.problems.some((p) => p.code === 'REPO_MISSING_OBJECT' && p.object === recordPack), JSON.stringify(report.problems));
      } finally {
        await t.close();
      }
    });

    test('a missing attachment, index file or manifest is named too, and the index can be rebuilt from the packs', async () => {
      const t = await factory.make();
      try {
        const { ring, snap } = await seeded(t);
        const indexFiles = await collect(t.store.list('tenants/acme/index/'));
        for (const f of indexFiles) await t.store.delete(f.key);
        const repo = await openRepository({ store: t.store, tenantId: 'acme', masterKeys: ring });
        const report = await repo.checkStructure();
        assert.ok(report.problems.some((p) => p.code === 'REPO_MISSING_BLOB'));
        await repo.rebuildIndex();
        assert.deepEqual((await repo.checkStructure()).problems, []);
        await readEverything(repo, snap);

        const [chunk] = await collect(t.store.list('tenants/acme/attachments/'));
        await t.store.delete(chunk!.key);
        const fresh = await openRepository({ store: t.store, tenantId: 'acme', masterKeys: ring });
        await assert.rejects(readEverything(fresh, snap), named('REPO_MISSING_OBJECT', chunk!.key));
        assert.ok((await fresh.checkStructure()).problems.some((p) => p.code === 'REPO_MISSING_OBJECT' && p.object === chunk!.key));
      } finally {
        await t.close();
      }
    });

    test('a manifest altered or moved between snapshot ids does not open', async () => {
      const t = await factory.make();
      try {
        const { ring, snap } = await seeded(t);
        const key = `tenants/acme/snapshots/${snap.id}`;
        const bytes = await t.store.get(key);
        const otherId = 'f'.repeat(64);
        await t.store.put(`tenants/acme/snapshots/${otherId}`, bytes);
        const repo = await openRepository({ store: t.store, tenantId: 'acme', masterKeys: ring });
        await assert.rejects(repo.readSnapshot(otherId), named('REPO_CORRUPT_OBJECT'));
        bytes[bytes.length - 1]! ^= 1;
        await t.store.put(key, bytes);
        await assert.rejects(repo.readSnapshot(snap.id), named('REPO_CORRUPT_OBJECT', key));
        assert.equal((await repo.checkStructure()).problems.length, 2);
      } finally {
        await t.close();
      }
    });
  });
}
