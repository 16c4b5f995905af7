import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { DatabaseError } from './errors.ts';
import type { Db } from './open-database.ts';
import { compareRecordKeys } from './record-keys.ts';
import { diffSnapshots, listRecordsAt, recordHistory } from './record-versions.ts';
import { clearTenantIndex, deleteSnapshotFromIndex, indexSnapshot, type RecordEntry } from './snapshot-index.ts';
import { getSnapshot, listSnapshots } from './snapshots.ts';
import { createTenant } from './tenants.ts';
import { testDatabases, type TestDatabase } from './test-databases.test-support.ts';

type Listing = Record<string, Record<string, string>>;

const id = (seq: number) => `5eed${seq.toString(16).padStart(4, '0')}`;

/** Indexes snapshot `seq` of `tenant` whose trees are `listing`; data sets named in `incomplete` are not complete. */
function index(db: Db, tenant: string, seq: number, listing: Listing, incomplete: string[] = []) {
  const datasets = Object.keys(listing).map((dataset) => ({
    dataset,
    complete: !incomplete.includes(dataset),
    count: Object.keys(listing[dataset]!).length,
  }));
  return indexSnapshot(
    db,
    tenant,
    { snapshotId: id(seq), seq, createdAt: new Date(Date.UTC(2025, 0, seq)), manifestKey: `snapshots/${id(seq)}`, formatVersion: 1, datasets },
    entries(listing),
  );
}

function* entries(listing: Listing): Generator<RecordEntry> {
  for (const [dataset, records] of Object.entries(listing)) {
    for (const key of Object.keys(records).sort(compareRecordKeys)) yield { dataset, key, blobId: records[key]! };
  }
}

/** Every record of a data set at a snapshot, in the order listed, read two at a time. */
async function listAll(db: Db, tenant: string, seq: number, dataset: string, search?: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  let after: string | undefined;
  do {
    const page = await listRecordsAt(db, tenant, id(seq), dataset, { after, limit: 2, search });
    for (const r of page.records) out.push([r.key, r.blobId]);
    after = page.nextAfter;
  } while (after !== undefined);
  return out;
}

async function all(db: Db, tenant: string, seq: number, dataset: string, search?: string): Promise<Record<string, string>> {
  return Object.fromEntries(await listAll(db, tenant, seq, dataset, search));
}

async function versionRows(db: Db, tenant: string): Promise<number> {
  const r = await db.selectFrom('record_versions').select(sql<number>`count(*)`.as('n')).where('tenant_id', '=', tenant).executeTakeFirstOrThrow();
  return r.n;
}

for (const target of testDatabases()) {
  describe(target.name, () => {
    let t: TestDatabase;
    let db: Db;
    let tenant: string;
    before(async () => {
      t = await target.open();
      db = t.db;
    });
    after(() => t.cleanup());
    beforeEach(async () => {
      tenant = (await createTenant(db, { name: 'Exempel AB', orgNumber: '556677-8899' })).id;
    });

    it('lists a snapshot\'s records in key order, a page at a time', async () => {
      const customers = { '10': 'b10', '2': 'b2', '1': 'b1', '3': 'b3', '20': 'b20' };
      const result = await index(db, tenant, 1, { customers, suppliers: { x: 'bx' } });
      assert.deepEqual(result.datasets.map((d) => [d.dataset, d.added]), [['customers', 5], ['suppliers', 1]]);
      const page = await listRecordsAt(db, tenant, id(1), 'customers', { limit: 2 });
      assert.deepEqual(page.records, [{ key: '1', blobId: 'b1', sinceSeq: 1 }, { key: '10', blobId: 'b10', sinceSeq: 1 }]);
      assert.equal(page.nextAfter, '10');
      const last = await listRecordsAt(db, tenant, id(1), 'customers', { after: '20', limit: 2 });
      assert.deepEqual(last, { records: [{ key: '3', blobId: 'b3', sinceSeq: 1 }], nextAfter: undefined });
      assert.deepEqual(await all(db, tenant, 1, 'customers'), customers);
      const s = await getSnapshot(db, tenant, id(1));
      assert.equal(s?.seq, 1);
      assert.equal(s?.manifestKey, `snapshots/${id(1)}`);
      assert.deepEqual(s?.datasets, [{ dataset: 'customers', complete: true, count: 5 }, { dataset: 'suppliers', complete: true, count: 1 }]);
    });

    it('stores a version per change, not a row per record per snapshot', async () => {
      await index(db, tenant, 1, { customers: { a: '1', b: '1', c: '1' } });
      for (let seq = 2; seq <= 10; seq++) await index(db, tenant, seq, { customers: { a: '1', b: '1', c: '1' } });
      assert.equal(await versionRows(db, tenant), 3);
      const r = await index(db, tenant, 11, { customers: { a: '1', b: '2', d: '1' } });
      assert.deepEqual(r.datasets[0], { dataset: 'customers', added: 1, changed: 1, removed: 1, unchanged: 1, carried: 0 });
      assert.equal(await versionRows(db, tenant), 5);
      assert.deepEqual(await all(db, tenant, 10, 'customers'), { a: '1', b: '1', c: '1' });
      assert.deepEqual(await all(db, tenant, 11, 'customers'), { a: '1', b: '2', d: '1' });
      const c = await db.selectFrom('record_versions').select(['first_seq', 'last_seq']).where('tenant_id', '=', tenant).where('record_key', '=', 'c').execute();
      assert.deepEqual(c, [{ first_seq: 1, last_seq: 10 }]);
    });

    it('does not take records an incomplete data set did not reach as deleted', async () => {
      await index(db, tenant, 1, { customers: { a: '1', b: '1', c: '1' }, suppliers: { s: '1' } });
      // The backup ran out of time after reaching a and c (c changed); b was not reached.
      const r = await index(db, tenant, 2, { customers: { a: '1', c: '2' }, suppliers: {} }, ['customers', 'suppliers']);
      assert.deepEqual(r.datasets.find((d) => d.dataset === 'customers'), { dataset: 'customers', added: 0, changed: 1, removed: 0, unchanged: 1, carried: 1 });
      assert.deepEqual(await all(db, tenant, 2, 'customers'), { a: '1', b: '1', c: '2' });
      assert.deepEqual(await all(db, tenant, 2, 'suppliers'), { s: '1' });
      assert.deepEqual((await getSnapshot(db, tenant, id(2)))?.datasets.map((d) => d.complete), [false, false]);
      // The next complete backup settles it: b and s are gone from snapshot 3 on.
      await index(db, tenant, 3, { customers: { a: '1', c: '2' }, suppliers: {} });
      assert.deepEqual(await all(db, tenant, 3, 'customers'), { a: '1', c: '2' });
      assert.deepEqual(await all(db, tenant, 3, 'suppliers'), {});
      assert.deepEqual((await recordHistory(db, tenant, 'customers', 'b')).map((v) => [v.firstSeq, v.lastSeq]), [[1, 2]]);
    });

    it('leaves data sets a snapshot does not mention as they are', async () => {
      await index(db, tenant, 1, { customers: { a: '1' }, articles: { x: '1' } });
      await index(db, tenant, 2, { customers: { a: '2' } });
      assert.deepEqual(await all(db, tenant, 2, 'articles'), { x: '1' });
      assert.deepEqual(await all(db, tenant, 2, 'customers'), { a: '2' });
    });

    it('refuses a listing out of order, of an undeclared data set, or with the wrong count, and indexes nothing', async () => {
      await index(db, tenant, 1, { customers: { a: '1' } });
      const snapshot = (datasets: { dataset: string; complete: boolean; count: number }[]) => ({
        snapshotId: id(2), seq: 2, createdAt: '2025-01-02T00:00:00Z', manifestKey: 'm', formatVersion: 1, datasets,
      });
      const cases: [ReturnType<typeof snapshot>, RecordEntry[], RegExp][] = [
        [snapshot([{ dataset: 'customers', complete: true, count: 2 }]), [{ dataset: 'customers', key: 'b', blobId: '1' }, { dataset: 'customers', key: 'a', blobId: '1' }], /not sorted/],
        [snapshot([{ dataset: 'customers', complete: true, count: 2 }]), [{ dataset: 'customers', key: 'a', blobId: '1' }, { dataset: 'customers', key: 'a', blobId: '2' }], /not sorted/],
        [snapshot([{ dataset: 'customers', complete: true, count: 1 }]), [{ dataset: 'orders', key: 'a', blobId: '1' }], /not among/],
        [snapshot([{ dataset: 'customers', complete: true, count: 1 }, { dataset: 'x', complete: true, count: 1 }]),
          [{ dataset: 'customers', key: 'a', blobId: '2' }, { dataset: 'x', key: 'a', blobId: '1' }, { dataset: 'customers', key: 'b', blobId: '1' }], /not all together/],
        [snapshot([{ dataset: 'customers', complete: true, count: 5 }]), [{ dataset: 'customers', key: 'b', blobId: '1' }], /declares 5 records but the listing has 1/],
      ];
      for (const [s, listing, message] of cases) {
        await assert.rejects(indexSnapshot(db, tenant, s, listing, { batchSize: 1 }), (err: unknown) => {
          assert.ok(err instanceof DatabaseError);
          assert.equal(err.code, 'DB_INDEX_INVALID_LISTING');
          assert.match(err.message, message);
          return true;
        });
      }
      assert.deepEqual((await listSnapshots(db, tenant)).map((s) => s.seq), [1]);
      assert.deepEqual(await all(db, tenant, 1, 'customers'), { a: '1' });
      assert.equal(await versionRows(db, tenant), 1);
    });

    it('indexes snapshots in order only, and takes a repeated snapshot as already indexed', async () => {
      await index(db, tenant, 5, { customers: { a: '1' } });
      assert.deepEqual(await index(db, tenant, 5, { customers: { a: '1' } }), { alreadyIndexed: true, datasets: [] });
      await assert.rejects(index(db, tenant, 4, { customers: { a: '1' } }), (err: unknown) => err instanceof DatabaseError && err.code === 'DB_INDEX_OUT_OF_ORDER');
      await assert.rejects(
        indexSnapshot(db, tenant, { snapshotId: id(5), seq: 6, createdAt: new Date(), manifestKey: 'm', formatVersion: 1, datasets: [] }, []),
        (err: unknown) => err instanceof DatabaseError && err.code === 'DB_SNAPSHOT_CONFLICT',
      );
      await assert.rejects(
        indexSnapshot(db, tenant, { snapshotId: 'Not hex', seq: 0, createdAt: 'never', manifestKey: '', formatVersion: 1, datasets: [] }, []),
        (err: unknown) => err instanceof DatabaseError && err.code === 'DB_INDEX_INVALID_SNAPSHOT' && /snapshotId.*seq.*createdAt.*manifestKey/.test(err.message),
      );
      await assert.rejects(index(db, 'no-such-tenant', 1, {}), (err: unknown) => err instanceof DatabaseError && err.code === 'DB_TENANT_NOT_FOUND');
    });

    it('never shows one tenant another tenant\'s snapshots or records, even with the same ids and keys', async () => {
      const other = (await createTenant(db, { name: 'Annan AB' })).id;
      await index(db, tenant, 1, { customers: { a: 'mine-1', b: 'mine-1' } });
      await index(db, other, 1, { customers: { a: 'theirs-1', c: 'theirs-1' } });
      await index(db, other, 2, { customers: { a: 'theirs-2', c: 'theirs-1', d: 'theirs-1' } });
      await index(db, tenant, 2, { customers: { a: 'mine-2' } });

      assert.deepEqual(await all(db, tenant, 1, 'customers'), { a: 'mine-1', b: 'mine-1' });
      assert.deepEqual(await all(db, tenant, 2, 'customers'), { a: 'mine-2' });
      assert.deepEqual(await all(db, other, 2, 'customers'), { a: 'theirs-2', c: 'theirs-1', d: 'theirs-1' });
      assert.deepEqual((await recordHistory(db, tenant, 'customers', 'a')).map((v) => v.blobId), ['mine-1', 'mine-2']);
      assert.deepEqual(await recordHistory(db, tenant, 'customers', 'd'), []);
      const diff = await diffSnapshots(db, tenant, id(1), id(2));
      assert.deepEqual(diff.added, []);
      assert.deepEqual(diff.changed, [{ dataset: 'customers', key: 'a', fromBlobId: 'mine-1', toBlobId: 'mine-2' }]);
      assert.deepEqual(diff.removed, [{ dataset: 'customers', key: 'b', blobId: 'mine-1' }]);
      assert.equal((await listSnapshots(db, tenant)).length, 2);

      // Deleting and clearing one tenant's index leaves the other's alone.
      await deleteSnapshotFromIndex(db, tenant, id(2));
      await clearTenantIndex(db, tenant);
      assert.deepEqual(await listSnapshots(db, tenant), []);
      assert.deepEqual(await all(db, other, 1, 'customers'), { a: 'theirs-1', c: 'theirs-1' });
      assert.deepEqual(await all(db, other, 2, 'customers'), { a: 'theirs-2', c: 'theirs-1', d: 'theirs-1' });
      await assert.rejects(listRecordsAt(db, tenant, id(1), 'customers', { limit: 10 }), (err: unknown) => err instanceof DatabaseError && err.code === 'DB_SNAPSHOT_NOT_FOUND');
    });

    it('tells a record\'s history: each version with the snapshots where it first and last appeared', async () => {
      await index(db, tenant, 1, { customers: { a: 'v1' } });
      await index(db, tenant, 2, { customers: { a: 'v1' } });
      await index(db, tenant, 3, { customers: { a: 'v2' } });
      await index(db, tenant, 4, { customers: {} });
      await index(db, tenant, 5, { customers: { a: 'v2' } });
      await index(db, tenant, 6, { customers: { a: 'v2' } });
      const h = await recordHistory(db, tenant, 'customers', 'a');
      assert.deepEqual(
        h.map((v) => [v.blobId, v.firstSeq, v.lastSeq, v.firstSnapshot.snapshotId, v.lastSnapshot.snapshotId]),
        [
          ['v1', 1, 2, id(1), id(2)],
          ['v2', 3, 3, id(3), id(3)],
          ['v2', 5, null, id(5), id(6)],
        ],
      );
      assert.equal(h[0]!.firstSnapshot.createdAt, '2025-01-01T00:00:00.000Z');
    });

    it('diffs two snapshots either way, for one data set or all', async () => {
      await index(db, tenant, 1, { customers: { a: '1', b: '1', c: '1' }, suppliers: { s: '1' } });
      await index(db, tenant, 2, { customers: { a: '2', c: '1', d: '1' }, suppliers: { s: '1' } });
      await index(db, tenant, 3, { customers: { a: '2', c: '1', d: '1', b: '1' }, suppliers: { s: '2', t: '1' } });
      const d13 = await diffSnapshots(db, tenant, id(1), id(3));
      assert.deepEqual(d13.added, [{ dataset: 'customers', key: 'd', blobId: '1' }, { dataset: 'suppliers', key: 't', blobId: '1' }]);
      assert.deepEqual(d13.changed, [
        { dataset: 'customers', key: 'a', fromBlobId: '1', toBlobId: '2' },
        { dataset: 'suppliers', key: 's', fromBlobId: '1', toBlobId: '2' },
      ]);
      // b was deleted in 2 and came back unchanged in 3: no difference between 1 and 3.
      assert.deepEqual(d13.removed, []);
      const d31 = await diffSnapshots(db, tenant, id(3), id(1), 'customers');
      assert.deepEqual(d31.added, []);
      assert.deepEqual(d31.changed, [{ dataset: 'customers', key: 'a', fromBlobId: '2', toBlobId: '1' }]);
      assert.deepEqual(d31.removed, [{ dataset: 'customers', key: 'd', blobId: '1' }]);
      assert.deepEqual([d31.from.seq, d31.to.seq], [3, 1]);
      const d22 = await diffSnapshots(db, tenant, id(2), id(2));
      assert.deepEqual([d22.added, d22.changed, d22.removed], [[], [], []]);
    });

    it('forgets a snapshot: its versions go, and forgetting the latest makes the one before current again', async () => {
      await index(db, tenant, 1, { customers: { a: '1', b: '1' } });
      await index(db, tenant, 2, { customers: { a: '2', b: '1', c: '1' } });
      await index(db, tenant, 3, { customers: { a: '3' } });
      assert.equal(await deleteSnapshotFromIndex(db, tenant, id(2)), true);
      assert.equal(await deleteSnapshotFromIndex(db, tenant, id(2)), false);
      assert.deepEqual(await all(db, tenant, 1, 'customers'), { a: '1', b: '1' });
      assert.deepEqual(await all(db, tenant, 3, 'customers'), { a: '3' });
      assert.deepEqual((await recordHistory(db, tenant, 'customers', 'a')).map((v) => v.blobId), ['1', '3']);
      assert.deepEqual(await recordHistory(db, tenant, 'customers', 'c'), []);
      const d = await diffSnapshots(db, tenant, id(1), id(3));
      assert.deepEqual([d.added, d.changed.map((c) => c.key), d.removed.map((r) => r.key)], [[], ['a'], ['b']]);

      assert.equal(await deleteSnapshotFromIndex(db, tenant, id(3)), true);
      assert.equal(await versionRows(db, tenant), 2);
      const h = await recordHistory(db, tenant, 'customers', 'b');
      assert.deepEqual(h.map((v) => [v.firstSeq, v.lastSeq, v.lastSnapshot.seq]), [[1, null, 1]]);
      // The next snapshot is compared with snapshot 1, the latest one left.
      const r = await index(db, tenant, 4, { customers: { a: '1', b: '4' } });
      assert.deepEqual(r.datasets[0], { dataset: 'customers', added: 0, changed: 1, removed: 0, unchanged: 1, carried: 0 });

      assert.equal(await deleteSnapshotFromIndex(db, tenant, id(1)), true);
      assert.deepEqual(await all(db, tenant, 4, 'customers'), { a: '1', b: '4' });
      assert.deepEqual((await recordHistory(db, tenant, 'customers', 'a')).map((v) => [v.firstSnapshot.seq, v.lastSnapshot.seq]), [[4, 4]]);
      assert.equal(await deleteSnapshotFromIndex(db, tenant, id(4)), true);
      assert.equal(await versionRows(db, tenant), 0);
    });

    it('rebuilds to the same answers after the tenant\'s index is cleared', async () => {
      const history: Listing[] = [
        { customers: { a: '1', b: '1' } },
        { customers: { a: '2', b: '1', c: '1' } },
        { customers: { b: '1', c: '2' } },
      ];
      for (const [i, l] of history.entries()) await index(db, tenant, i + 1, l);
      const before = await db.selectFrom('record_versions').select(['dataset', 'record_key', 'first_seq', 'last_seq', 'blob_id']).where('tenant_id', '=', tenant).orderBy('record_key').orderBy('first_seq').execute();
      await clearTenantIndex(db, tenant);
      assert.equal(await versionRows(db, tenant), 0);
      for (const [i, l] of history.entries()) await index(db, tenant, i + 1, l);
      const rebuilt = await db.selectFrom('record_versions').select(['dataset', 'record_key', 'first_seq', 'last_seq', 'blob_id']).where('tenant_id', '=', tenant).orderBy('record_key').orderBy('first_seq').execute();
      assert.deepEqual(rebuilt, before);
    });

    it('searches keys ignoring ASCII case, taking % and _ literally', async () => {
      await index(db, tenant, 1, { articles: { 'ABC-1': '1', 'abc_2': '1', 'x%y': '1', 'xay': '1', 'Kaffe': '1' } });
      assert.deepEqual((await listAll(db, tenant, 1, 'articles', 'abc')).map(([k]) => k), ['ABC-1', 'abc_2']);
      assert.deepEqual((await listAll(db, tenant, 1, 'articles', '_')).map(([k]) => k), ['abc_2']);
      assert.deepEqual((await listAll(db, tenant, 1, 'articles', '%')).map(([k]) => k), ['x%y']);
      assert.deepEqual((await listAll(db, tenant, 1, 'articles', 'KAFF')).map(([k]) => k), ['Kaffe']);
    });

    it('orders keys the same way on both databases, non-ASCII ones included', async () => {
      const keys = ['Z', 'a', 'Å', 'ä', 'Ö', 'ö', '10', '9', '\u{1F600}', '\uFF21', 'b-1', 'b 1', 'B'];
      await index(db, tenant, 1, { customers: Object.fromEntries(keys.map((k) => [k, 'x'])) });
      assert.deepEqual((await listAll(db, tenant, 1, 'customers')).map(([k]) => k), [...keys].sort(compareRecordKeys));
    });

    it('indexes in one transaction with the caller\'s work when given a transaction', async () => {
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await index(trx, tenant, 1, { customers: { a: '1' } });
          throw new Error('the caller failed afterwards');
        }),
        /caller failed/,
      );
      assert.deepEqual(await listSnapshots(db, tenant), []);
      assert.equal(await versionRows(db, tenant), 0);
    });
  });
}

it('compares record keys by code point', () => {
  assert.ok(compareRecordKeys('a', 'b') < 0);
  assert.ok(compareRecordKeys('ab', 'a') > 0);
  assert.equal(compareRecordKeys('å', 'å'), 0);
  // JavaScript's own order puts U+FF21 after U+1F600 (a surrogate pair); code point order does not.
  assert.ok('\u{1F600}' < '\uFF21');
  assert.ok(compareRecordKeys('\u{1F600}', '\uFF21') > 0);
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  const sample = ['\u{1F600}', '\uFF21', 'å', 'a', 'Z', '', '\u0000', '\uD7FF', '\uE000'];
  const byBytes = [...sample].sort((x, y) => Buffer.compare(bytes(x), bytes(y)));
  assert.deepEqual([...sample].sort(compareRecordKeys), byBytes);
});
