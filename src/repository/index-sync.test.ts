import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffSnapshots, listRecordsAt, recordHistory } from '../db/record-versions.ts';
import { listSnapshots as listIndexed } from '../db/snapshots.ts';
import { createTenant } from '../db/tenants.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import type { Db } from '../db/open-database.ts';
import { indexCommittedSnapshot, rebuildTenantIndex } from './index-sync.ts';
import { openRepository } from './repository.ts';
import { makeMemoryStore, testKeyring } from './test-support.ts';

/** Everything the index says about a tenant, in a comparable form. */
async function dump(db: Db, tenant: string): Promise<unknown> {
  const snaps = (await listIndexed(db, tenant, { limit: 1000 })).reverse();
  const out = [];
  for (const s of snaps) {
    const records: [string, string][] = [];
    for (const d of s.datasets) {
      let afterKey: string | undefined;
      do {
        const page = await listRecordsAt(db, tenant, s.snapshotId, d.dataset, { after: afterKey, limit: 100 });
        for (const r of page.records) records.push([`${d.dataset}/${r.key}`, r.blobId]);
        afterKey = page.nextAfter;
      } while (afterKey !== undefined);
    }
    out.push({ id: s.snapshotId, datasets: s.datasets, records });
  }
  return { out, history: await recordHistory(db, tenant, 'customers', 'C1') };
}

for (const target of testDatabases()) {
  describe(`index sync on ${target.name}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.open();
    });
    after(() => t.cleanup());

    test('delete the database, rebuild the index from the repository, compare', async () => {
      await createTenant(t.db, { id: 'acme', name: 'Acme AB' });
      const { store } = await makeMemoryStore();
      const masterKeys = testKeyring();
      const repo = await openRepository({ store, tenantId: 'acme', masterKeys, create: true, treeFanout: 4 });
      let parent;
      for (let s = 0; s < 12; s++) {
        const w = await repo.beginSnapshot({ parent: parent?.id, runMeta: { runId: `run-${s}` } });
        if (parent === undefined) for (let i = 0; i < 40; i++) await w.putRecord('customers', `C${i}`, { i });
        else {
          w.carryForward('customers');
          await w.putRecord('customers', `C${s % 5}`, { i: s % 5, s });
          if (s % 4 === 0) await w.deleteRecord('customers', `C${30 + s}`);
        }
        await w.putRecord('articles', 'A1', { price: s < 6 ? 1 : 2 });
        if (s === 7) w.markIncomplete('articles', 'test');
        parent = await w.commit();
        const first = await indexCommittedSnapshot(t.db, repo, parent);
        assert.equal(first.alreadyIndexed, false);
        assert.equal((await indexCommittedSnapshot(t.db, repo, parent)).alreadyIndexed, true);
      }
      const snaps = await repo.listSnapshots();
      const diff = await diffSnapshots(t.db, 'acme', snaps[0]!.id, snaps[11]!.id, 'customers');
      assert.ok(diff !== undefined);
      const before = await dump(t.db, 'acme');

      // Rebuild in place (the tenant's index cleared) and into a brand-new database.
      assert.equal(await rebuildTenantIndex(t.db, repo), 12);
      assert.deepEqual(await dump(t.db, 'acme'), before);
      const fresh = await target.open();
      try {
        await createTenant(fresh.db, { id: 'acme', name: 'Acme AB' });
        // Only the store and the master key: a new process rebuilding a lost database.
        const reopened = await openRepository({ store, tenantId: 'acme', masterKeys });
        assert.equal(await rebuildTenantIndex(fresh.db, reopened), 12);
        assert.deepEqual(await dump(fresh.db, 'acme'), before);
      } finally {
        await fresh.cleanup();
      }
    });
  });
}
