/**
 * The record-version index against a naive model: a realistic history written through `indexSnapshot`,
 * then every snapshot's listing, consecutive and random diffs and many records' histories compared with
 * what a map per snapshot says they must be.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql } from 'kysely';
import type { Db } from './open-database.ts';
import { compareRecordKeys } from './record-keys.ts';
import { diffSnapshots, listRecordsAt, listRecordsAtQuery, recordHistory } from './record-versions.ts';
import { deleteSnapshotFromIndex, indexSnapshot, type RecordEntry } from './snapshot-index.ts';
import { listSnapshots } from './snapshots.ts';
import { createTenant } from './tenants.ts';
import { testDatabases, type TestDatabase } from './test-databases.test-support.ts';

const SNAPSHOTS = 300;
const DATASETS = { customers: 2000, suppliers: 150 } as const;
type Dataset = keyof typeof DATASETS;
type View = Map<string, string>;

/** A small deterministic PRNG (mulberry32), so every run writes the same history. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Step {
  /** What each data set's tree holds in this snapshot. */
  listing: Record<Dataset, View>;
  incomplete: Dataset[];
  /** What the index must answer for this snapshot (the listing, plus carried-forward records when incomplete). */
  view: Record<Dataset, View>;
}

/**
 * About 1 % of records change per snapshot, a few are deleted, a few deleted ones come back (sometimes
 * with their old content), a few are new; every 40th snapshot stops after 70 % of the records.
 */
function writeHistory(): Step[] {
  const rnd = prng(20250301);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let blobs = 0;
  const blob = () => (blobs++).toString(16).padStart(12, '0');
  const truth = {} as Record<Dataset, View>;
  const deleted = {} as Record<Dataset, View>;
  const next = {} as Record<Dataset, number>;
  for (const [d, n] of Object.entries(DATASETS) as [Dataset, number][]) {
    truth[d] = new Map(Array.from({ length: n }, (_, i) => [d === 'customers' ? String(i + 1) : `LEV-${i + 1}`, blob()]));
    deleted[d] = new Map();
    next[d] = n + 1;
  }
  const steps: Step[] = [];
  for (let seq = 1; seq <= SNAPSHOTS; seq++) {
    if (seq > 1) {
      for (const [d, n] of Object.entries(DATASETS) as [Dataset, number][]) {
        const keys = [...truth[d].keys()];
        for (let i = 0; i < Math.max(1, Math.round(n * 0.01)); i++) truth[d].set(pick(keys), blob());
        for (let i = 0; i < Math.max(1, Math.round(n * 0.002)); i++) {
          const k = pick(keys);
          if (truth[d].has(k)) {
            deleted[d].set(k, truth[d].get(k)!);
            truth[d].delete(k);
          }
        }
        if (deleted[d].size > 0 && rnd() < 0.7) {
          const k = pick([...deleted[d].keys()]);
          truth[d].set(k, rnd() < 0.5 ? deleted[d].get(k)! : blob());
          deleted[d].delete(k);
        }
        if (rnd() < 0.5) truth[d].set(d === 'customers' ? String(next[d]++) : `LEV-${next[d]++}`, blob());
      }
    }
    const incomplete: Dataset[] = seq % 40 === 0 ? ['customers'] : [];
    const listing = {} as Record<Dataset, View>;
    const view = {} as Record<Dataset, View>;
    for (const d of Object.keys(DATASETS) as Dataset[]) {
      if (incomplete.includes(d)) {
        listing[d] = new Map([...truth[d]].filter(() => rnd() < 0.7));
        view[d] = new Map([...steps.at(-1)!.view[d], ...listing[d]]);
      } else {
        listing[d] = new Map(truth[d]);
        view[d] = listing[d];
      }
    }
    steps.push({ listing, incomplete, view });
  }
  return steps;
}

const id = (seq: number) => `c0ffee${seq.toString(16).padStart(4, '0')}`;

function* entries(listing: Record<Dataset, View>): Generator<RecordEntry> {
  for (const d of Object.keys(DATASETS) as Dataset[]) {
    for (const key of [...listing[d].keys()].sort(compareRecordKeys)) yield { dataset: d, key, blobId: listing[d].get(key)! };
  }
}

function sorted(view: View): [string, string][] {
  return [...view].sort(([a], [b]) => compareRecordKeys(a, b));
}

/** The versions of `key` the model implies over the seqs still indexed: [blob, first seq, last seq or null]. */
function modelHistory(steps: Step[], seqs: number[], d: Dataset, key: string): [string, number, number | null][] {
  const out: [string, number, number | null][] = [];
  let open: [string, number, number | null] | undefined;
  for (const seq of seqs) {
    const b = steps[seq - 1]!.view[d].get(key);
    if (open !== undefined && open[0] === b) {
      open[2] = seq;
      continue;
    }
    if (open !== undefined) out.push(open);
    open = b === undefined ? undefined : [b, seq, seq];
  }
  if (open !== undefined) out.push([open[0], open[1], null]);
  return out;
}

function modelDiff(a: Step, b: Step) {
  const added: { dataset: string; key: string; blobId: string }[] = [];
  const changed: { dataset: string; key: string; fromBlobId: string; toBlobId: string }[] = [];
  const removed: { dataset: string; key: string; blobId: string }[] = [];
  for (const d of Object.keys(DATASETS) as Dataset[]) {
    const keys = [...new Set([...a.view[d].keys(), ...b.view[d].keys()])].sort(compareRecordKeys);
    for (const key of keys) {
      const x = a.view[d].get(key);
      const y = b.view[d].get(key);
      if (x === undefined && y !== undefined) added.push({ dataset: d, key, blobId: y });
      else if (x !== undefined && y === undefined) removed.push({ dataset: d, key, blobId: x });
      else if (x !== y) changed.push({ dataset: d, key, fromBlobId: x!, toBlobId: y! });
    }
  }
  return { added, changed, removed };
}

async function listAll(db: Db, tenant: string, seq: number, d: Dataset): Promise<[string, string][]> {
  const out: [string, string][] = [];
  let after: string | undefined;
  do {
    const page = await listRecordsAt(db, tenant, id(seq), d, { after, limit: 1000 });
    for (const r of page.records) out.push([r.key, r.blobId]);
    after = page.nextAfter;
  } while (after !== undefined);
  return out;
}

async function countVersions(db: Db, tenant: string): Promise<number> {
  const r = await db.selectFrom('record_versions').select(sql<number>`count(*)`.as('n')).where('tenant_id', '=', tenant).executeTakeFirstOrThrow();
  return r.n;
}

const steps = writeHistory();

for (const target of testDatabases()) {
  describe(target.name, () => {
    let t: TestDatabase;
    let tenant: string;
    before(async () => {
      t = await target.open();
      tenant = (await createTenant(t.db, { name: 'Historik AB' })).id;
    });
    after(() => t.cleanup());

    it(`answers like the model for every one of ${SNAPSHOTS} snapshots of a ${DATASETS.customers}-record data set, in rows proportional to versions`, async (ctx) => {
      const started = performance.now();
      for (const [i, step] of steps.entries()) {
        const seq = i + 1;
        const datasets = (Object.keys(DATASETS) as Dataset[]).map((d) => ({ dataset: d, complete: !step.incomplete.includes(d), count: step.listing[d].size }));
        await indexSnapshot(
          t.db,
          tenant,
          { snapshotId: id(seq), seq, createdAt: new Date(Date.UTC(2025, 0, 1) + seq * 86_400_000), manifestKey: `snap/${id(seq)}`, formatVersion: 1, datasets },
          entries(step.listing),
        );
      }
      const indexed = performance.now();

      const seqs = steps.map((_, i) => i + 1);
      let expectedVersions = 0;
      const allKeys = (d: Dataset) => new Set(steps.flatMap((s) => [...s.view[d].keys()]));
      for (const d of Object.keys(DATASETS) as Dataset[]) for (const k of allKeys(d)) expectedVersions += modelHistory(steps, seqs, d, k).length;
      const rows = await countVersions(t.db, tenant);
      const recordSnapshots = steps.reduce((n, s) => n + s.view.customers.size + s.view.suppliers.size, 0);
      ctx.diagnostic(`${target.name}: indexed ${SNAPSHOTS} snapshots in ${Math.round(indexed - started)} ms; ${rows} version rows for ${recordSnapshots} record-snapshots`);
      assert.equal(rows, expectedVersions);
      assert.ok(rows * 50 < recordSnapshots, 'rows grow with versions, not with snapshots × records');

      for (const [i, step] of steps.entries()) {
        for (const d of Object.keys(DATASETS) as Dataset[]) assert.deepEqual(await listAll(t.db, tenant, i + 1, d), sorted(step.view[d]), `listing ${d} at ${i + 1}`);
        if (i > 0) {
          const diff = await diffSnapshots(t.db, tenant, id(i), id(i + 1));
          assert.deepEqual({ added: diff.added, changed: diff.changed, removed: diff.removed }, modelDiff(steps[i - 1]!, step), `diff ${i}→${i + 1}`);
        }
      }
      const rnd = prng(7);
      for (let n = 0; n < 40; n++) {
        const a = 1 + Math.floor(rnd() * SNAPSHOTS);
        const b = 1 + Math.floor(rnd() * SNAPSHOTS);
        const diff = await diffSnapshots(t.db, tenant, id(a), id(b), 'customers');
        const model = modelDiff(steps[a - 1]!, steps[b - 1]!);
        const only = <T extends { dataset: string }>(xs: T[]) => xs.filter((x) => x.dataset === 'customers');
        assert.deepEqual({ added: diff.added, changed: diff.changed, removed: diff.removed }, { added: only(model.added), changed: only(model.changed), removed: only(model.removed) }, `diff ${a}→${b}`);
      }
      const keys = [...allKeys('customers')];
      for (let n = 0; n < 300; n++) {
        const key = keys[Math.floor(rnd() * keys.length)]!;
        const h = await recordHistory(t.db, tenant, 'customers', key);
        assert.deepEqual(h.map((v) => [v.blobId, v.firstSeq, v.lastSeq]), modelHistory(steps, seqs, 'customers', key), `history of ${key}`);
        for (const v of h) assert.equal(v.lastSnapshot.seq, v.lastSeq ?? SNAPSHOTS);
      }
      ctx.diagnostic(`${target.name}: checked every listing and diff, 40 random diffs and 300 histories in ${Math.round(performance.now() - indexed)} ms`);
    });

    it('uses an index, not a scan of the table, to list a data set at a snapshot', async () => {
      const q = listRecordsAtQuery(t.db, tenant, 150, 'customers', { after: '1000', limit: 100 }).compile();
      if (t.dialect === 'sqlite') {
        // Deliberately without ANALYZE: an embedded database rarely has statistics.
        const plan = await t.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]));
        const details = plan.rows.map((r) => r.detail);
        assert.ok(details.some((d) => /^SEARCH record_versions USING (PRIMARY KEY|(COVERING )?INDEX)/.test(d)), details.join('\n'));
        assert.ok(!details.some((d) => /^SCAN record_versions/.test(d)), details.join('\n'));
        assert.ok(!details.some((d) => /TEMP B-TREE/.test(d)), `sorted by the index, not afterwards: ${details.join('\n')}`);
      } else {
        await sql`analyze record_versions`.execute(t.db);
        const plan = await t.db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]));
        const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
        assert.match(text, /Index (Only )?Scan using record_versions_pk on record_versions/);
        assert.doesNotMatch(text, /Seq Scan/);
        assert.doesNotMatch(text, /Sort/);
      }
    });

    it('still answers like the model after snapshots are forgotten, and indexes the next one against what remains', async () => {
      const forget = new Set([1, 2, 50, 51, 52, 120, 199, 200, SNAPSHOTS - 1, SNAPSHOTS]);
      for (const seq of forget) assert.equal(await deleteSnapshotFromIndex(t.db, tenant, id(seq)), true);
      const seqs = steps.map((_, i) => i + 1).filter((s) => !forget.has(s));
      assert.deepEqual((await listSnapshots(t.db, tenant, { limit: 1000 })).map((s) => s.seq).reverse(), seqs);
      // Every version still holds at least one indexed snapshot.
      const orphans = await t.db
        .selectFrom('record_versions as v')
        .select(sql<number>`count(*)`.as('n'))
        .where('v.tenant_id', '=', tenant)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('snapshots as s')
                .select('s.seq')
                .whereRef('s.tenant_id', '=', 'v.tenant_id')
                .whereRef('s.seq', '>=', 'v.first_seq')
                .where((e) => e.or([e('v.last_seq', 'is', null), e('s.seq', '<=', e.ref('v.last_seq'))])),
            ),
          ),
        )
        .executeTakeFirstOrThrow();
      assert.equal(orphans.n, 0);
      for (const seq of seqs.filter((s) => s % 10 === 3 || s === seqs.at(-1))) {
        assert.deepEqual(await listAll(t.db, tenant, seq, 'customers'), sorted(steps[seq - 1]!.view.customers));
      }
      const rnd = prng(11);
      const keys = [...new Set(steps.flatMap((s) => [...s.view.customers.keys()]))];
      for (let n = 0; n < 100; n++) {
        const key = keys[Math.floor(rnd() * keys.length)]!;
        const h = await recordHistory(t.db, tenant, 'customers', key);
        // Versions now span the forgotten seqs too; compare which indexed snapshots hold which content.
        const model = modelHistory(steps, seqs, 'customers', key).map(([b, f, l]) => [b, f, l ?? seqs.at(-1)]);
        assert.deepEqual(h.map((v) => [v.blobId, v.firstSnapshot.seq, v.lastSnapshot.seq]), model, `history of ${key}`);
      }

      // The next snapshot is compared with the latest one left (298), not with the forgotten 300.
      const last = steps[seqs.at(-1)! - 1]!;
      const nextView = new Map(last.view.customers);
      nextView.set('1', 'new-content');
      nextView.delete('2');
      const r = await indexSnapshot(
        t.db,
        tenant,
        { snapshotId: id(SNAPSHOTS + 1), seq: SNAPSHOTS + 1, createdAt: new Date(), manifestKey: 'm', formatVersion: 1, datasets: [{ dataset: 'customers', complete: true, count: nextView.size }] },
        sorted(nextView).map(([key, blobId]) => ({ dataset: 'customers', key, blobId })),
      );
      const changes = r.datasets[0]!;
      const expected = modelDiff({ ...last, view: { ...last.view } }, { ...last, view: { ...last.view, customers: nextView } });
      assert.deepEqual([changes.added, changes.changed, changes.removed], [expected.added.length, expected.changed.length, expected.removed.length]);
      assert.deepEqual(await listAll(t.db, tenant, SNAPSHOTS + 1, 'customers'), sorted(nextView));
    });
  });
}
