import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { isRepoError } from './errors.ts';
import { openRepository, type Repository, type RepositoryOptions } from './repository.ts';
import { repositoryStores, testKeyring, type TestStore } from './test-support.ts';
import type { SnapshotInfo } from './manifest.ts';

type Model = Map<string, Map<string, JsonValue>>;

/** Every record of a snapshot as the canonical text stored. */
async function readAll(repo: Repository, snap: SnapshotInfo): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const ds of Object.keys(snap.datasets)) {
    const records = new Map<string, string>();
    for await (const { key, bytes } of repo.listRecordBytes(snap.id, ds)) records.set(key, bytes.toString('utf8'));
    out.set(ds, records);
  }
  return out;
}

const canonicalOf = new WeakMap<object, string>();
function canonicalCached(v: JsonValue): string {
  if (typeof v !== 'object' || v === null) return canonicalJson(v);
  let c = canonicalOf.get(v);
  if (c === undefined) canonicalOf.set(v, (c = canonicalJson(v)));
  return c;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

async function storedBytes(t: TestStore, prefix = 'tenants/'): Promise<{ bytes: number; objects: number }> {
  let bytes = 0;
  let objects = 0;
  for await (const info of t.store.list(prefix)) {
    bytes += info.size;
    objects += 1;
  }
  return { bytes, objects };
}

/** A small deterministic generator, so every run writes the same history. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

for (const factory of await repositoryStores()) {
  describe(`repository on ${factory.name}`, () => {
    after(() => factory.cleanup());
    const open = async (t: TestStore, extra: Partial<RepositoryOptions> = {}) => {
      const masterKeys = testKeyring();
      const repo = await openRepository({ store: t.store, tenantId: 'acme', masterKeys, create: true, ...extra });
      return { repo, masterKeys };
    };

    test('a snapshot reads back exactly, from a fresh process with only the store and the master key', async () => {
      const t = await factory.make();
      try {
        const { repo, masterKeys } = await open(t);
        const w = await repo.beginSnapshot({ runMeta: { runId: 'r1', api: '3' } });
        await w.putRecord('customers', '10', { CustomerNumber: '10', Name: 'Åkesson AB', Balance: 0, Zip: '0', Nested: { b: [1, 'x', null, true], a: -1.5 } });
        await w.putRecordJson('vouchers', 'A-1', '{ "Amount": 100.50, "Ref": "007", "Big": 12345678901234567890 }');
        const pdf = Buffer.from('%PDF-1.4 fake invoice ' + 'x'.repeat(3000));
        await w.putAttachment('files', 'inv-1.pdf', Readable.from([pdf.subarray(0, 1000), pdf.subarray(1000)]));
        w.markIncomplete('vouchers', 'rate limited at page 3');
        const snap = await w.commit();

        const fresh = await openRepository({ store: t.store, tenantId: 'acme', masterKeys });
        const [listed] = await fresh.listSnapshots();
        assert.equal(listed!.id, snap.id);
        assert.deepEqual(listed!.run, { runId: 'r1', api: '3' });
        assert.equal(listed!.datasets.vouchers!.complete, false);
        assert.equal(listed!.datasets.vouchers!.incompleteReason, 'rate limited at page 3');
        assert.equal(listed!.datasets.customers!.complete, true);
        assert.equal(listed!.version, 1);
        assert.deepEqual(await fresh.readRecord(snap.id, 'customers', '10'), {
          CustomerNumber: '10', Name: 'Åkesson AB', Balance: 0, Zip: '0', Nested: { b: [1, 'x', null, true], a: -1.5 },
        });
        assert.equal((await fresh.readRecordBytes(snap.id, 'vouchers', 'A-1')).toString(), '{"Amount":100.50,"Big":12345678901234567890,"Ref":"007"}');
        assert.deepEqual(await bytesOf(await fresh.readAttachment(snap.id, 'files', 'inv-1.pdf')), pdf);
        await assert.rejects(fresh.readRecord(snap.id, 'customers', 'nope'), (e) => isRepoError(e, 'REPO_RECORD_NOT_FOUND'));
        await assert.rejects(fresh.readSnapshot('0'.repeat(64)), (e) => isRepoError(e, 'REPO_SNAPSHOT_NOT_FOUND'));
      } finally {
        await t.close();
      }
    });

    test('a thousand snapshots of changing data all read back exactly', { timeout: 600_000 }, async () => {
      const t = await factory.make();
      try {
        const count = factory.name === 's3' ? 150 : 1000;
        const { repo, masterKeys } = await open(t, { treeFanout: 16 });
        const random = rng(42);
        const current: Model = new Map<string, Map<string, JsonValue>>([
          ['customers', new Map<string, JsonValue>()],
          ['invoices', new Map<string, JsonValue>()],
          ['articles', new Map<string, JsonValue>()],
        ]);
        for (let i = 0; i < 300; i++) {
          current.get('customers')!.set(`C${i}`, { CustomerNumber: String(i), Name: `Kund ${i}`, Balance: i % 7 === 0 ? '0' : 0 });
          current.get('invoices')!.set(String(1000 + i), { DocumentNumber: String(1000 + i), Total: i * 10.5, Rows: [{ Article: 'A1', Qty: 1 }] });
          if (i < 100) current.get('articles')!.set(`A${i}`, { ArticleNumber: `A${i}`, Price: i });
        }
        const expected: { snap: SnapshotInfo; model: Model }[] = [];
        const started = performance.now();
        let parent: SnapshotInfo | undefined;
        let nextInvoice = 2000;
        for (let s = 0; s < count; s++) {
          const w = await repo.beginSnapshot({ parent: parent?.id, runMeta: { n: s } });
          // customers: incremental (carry forward, a few changes and a delete now and then)
          const customers = current.get('customers')!;
          if (parent === undefined) {
            for (const [k, v] of customers) await w.putRecord('customers', k, v);
          } else {
            w.carryForward('customers');
            for (let c = 0; c < 3; c++) {
              const k = `C${Math.floor(random() * 300)}`;
              const v = { CustomerNumber: k.slice(1), Name: `Kund ${k} v${s}`, Balance: random() < 0.5 ? '0' : 0 };
              customers.set(k, v);
              await w.putRecord('customers', k, v);
            }
            if (s % 10 === 0) {
              const victim = [...customers.keys()][Math.floor(random() * customers.size)]!;
              customers.delete(victim);
              await w.deleteRecord('customers', victim);
            }
          }
          // invoices: a full sweep every run (unchanged ones deduplicate), one new invoice per run
          const invoices = current.get('invoices')!;
          invoices.set(String(nextInvoice), { DocumentNumber: String(nextInvoice), Total: nextInvoice / 4, Rows: [] });
          nextInvoice += 1;
          const changed = [...invoices.keys()][Math.floor(random() * invoices.size)]!;
          invoices.set(changed, { ...(invoices.get(changed) as Record<string, JsonValue>), Booked: s });
          for (const k of [...invoices.keys()].sort(() => random() - 0.5)) await w.putRecord('invoices', k, invoices.get(k)!);
          // articles: reused unchanged, rewritten every 100 runs
          if (parent === undefined || s % 100 === 0) {
            const articles = current.get('articles')!;
            if (s > 0) articles.set(`A${s % 100}`, { ArticleNumber: `A${s % 100}`, Price: s });
            for (const [k, v] of articles) await w.putRecord('articles', k, v);
          } else w.reuseDataSet('articles');
          const snap = await w.commit();
          if (parent !== undefined && s % 100 !== 0) assert.equal(snap.datasets.articles!.tree, parent.datasets.articles!.tree);
          expected.push({ snap, model: new Map([...current].map(([ds, m]) => [ds, new Map(m)])) });
          parent = snap;
        }
        const writeMs = performance.now() - started;
        const size = await storedBytes(t);
        console.log(`# ${factory.name}: ${count} snapshots written in ${Math.round(writeMs)} ms, ${size.objects} objects, ${size.bytes} bytes, ${Math.round(size.bytes / count)} bytes per snapshot`);

        const reader = await openRepository({ store: t.store, tenantId: 'acme', masterKeys });
        const listed = await reader.listSnapshots();
        assert.deepEqual(listed.map((s) => s.id), expected.map((e) => e.snap.id));
        for (const { snap, model } of expected) {
          const back = await readAll(reader, snap);
          for (const [ds, records] of model) {
            assert.equal(snap.datasets[ds]!.count, records.size);
            const got = back.get(ds)!;
            assert.equal(got.size, records.size, `${ds} in snapshot ${JSON.stringify(snap.run.n)}`);
            for (const [k, v] of records) {
              if (got.get(k) !== canonicalCached(v)) assert.equal(got.get(k), canonicalCached(v), `${ds}/${k} in snapshot ${JSON.stringify(snap.run.n)}`);
            }
          }
        }
        console.log(`# ${factory.name}: every version read back in ${Math.round(performance.now() - started - writeMs)} ms`);
        const report = await reader.checkStructure();
        assert.deepEqual(report.problems, []);
      } finally {
        await t.close();
      }
    });

    test('an unchanged data set stores nothing new and a small change stores about as many blobs as changed', async () => {
      const t = await factory.make();
      try {
        const { repo } = await open(t);
        const records = Array.from({ length: 2000 }, (_, i) => ({ Id: i, Name: `Leverantör ${i}`, BG: `${1000 + i}-${i}` }));
        const w1 = await repo.beginSnapshot();
        for (const r of records) await w1.putRecord('suppliers', String(r.Id), r);
        const s1 = await w1.commit();
        const blobsAfterFirst = repo.index.size;

        const w2 = await repo.beginSnapshot({ parent: s1.id });
        for (const r of records) await w2.putRecord('suppliers', String(r.Id), r);
        const s2 = await w2.commit();
        assert.equal(s2.datasets.suppliers!.tree, s1.datasets.suppliers!.tree);
        assert.equal(repo.index.size, blobsAfterFirst);

        records[5] = { ...records[5]!, BG: '9999-1' };
        records[1500] = { ...records[1500]!, Name: 'Ny' };
        const w3 = await repo.beginSnapshot({ parent: s2.id });
        w3.carryForward('suppliers');
        await w3.putRecord('suppliers', '5', records[5]);
        await w3.putRecord('suppliers', '1500', records[1500]);
        await w3.commit();
        const added = repo.index.size - blobsAfterFirst;
        // two records, plus the changed leaves and the path to the root of a 2,000-entry tree
        assert.ok(added >= 2 && added <= 8, `added ${added} blobs`);
      } finally {
        await t.close();
      }
    });

    test('a large data set given in random order is spilled to disk in sorted runs and reads back in key order', async () => {
      const t = await factory.make();
      try {
        const { repo } = await open(t, { spillThreshold: 500, packTargetBytes: 64 * 1024, indexEveryPacks: 4 });
        const keys = Array.from({ length: 5000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
        const random = rng(7);
        const shuffled = [...keys].sort(() => random() - 0.5);
        const w = await repo.beginSnapshot();
        for (const k of shuffled) await w.putRecord('vouchers', k, { k });
        const snap = await w.commit();
        const seen: string[] = [];
        for await (const e of repo.listEntries(snap.id, 'vouchers')) seen.push(e.key);
        assert.deepEqual(seen, keys);
        assert.deepEqual(await repo.readRecord(snap.id, 'vouchers', 'k04321'), { k: 'k04321' });
      } finally {
        await t.close();
      }
    });

    test('a key given twice in one snapshot keeps its last value; bad input is refused', async () => {
      const t = await factory.make();
      try {
        const { repo } = await open(t);
        const w = await repo.beginSnapshot();
        await w.putRecord('customers', '1', { a: 1 });
        await w.putRecord('customers', '1', { a: 2 });
        const snap = await w.commit();
        assert.deepEqual(await repo.readRecord(snap.id, 'customers', '1'), { a: 2 });
        assert.equal(snap.datasets.customers!.count, 1);
        await assert.rejects(w.putRecord('customers', '2', {}), (e) => isRepoError(e, 'REPO_WRITER_CLOSED'));
        const w2 = await repo.beginSnapshot();
        await assert.rejects(w2.putRecord('customers', '1', { n: Number.NaN }), (e) => isRepoError(e, 'REPO_BAD_INPUT'));
        await assert.rejects(w2.putRecord('bad name', '1', {}), (e) => isRepoError(e, 'REPO_BAD_INPUT'));
        assert.equal((await w2.commit()).datasets.customers, undefined);
      } finally {
        await t.close();
      }
    });

    test('attachments are chunked, deduplicated by content, and stream back exactly', async () => {
      const t = await factory.make();
      try {
        const { repo } = await open(t, { attachmentChunkBytes: 64 * 1024 });
        const big = Buffer.alloc(300 * 1024);
        for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 10)) & 0xff;
        const w = await repo.beginSnapshot();
        const a = await w.putAttachment('files', 'big.sie', big);
        const b = await w.putAttachment('files', 'copy.sie', Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]));
        await w.putAttachment('files', 'empty', Buffer.alloc(0));
        const snap = await w.commit();
        assert.equal(a.id, b.id);
        assert.equal(a.size, big.length);
        const chunkObjects = await storedBytes(t, 'tenants/acme/attachments/');
        assert.equal(chunkObjects.objects, 6); // 300 KiB in 64 KiB chunks is five, stored once for both copies; the empty file is one empty chunk
        assert.deepEqual(await bytesOf(await repo.readAttachment(snap.id, 'files', 'copy.sie')), big);
        assert.equal((await bytesOf(await repo.readAttachment(snap.id, 'files', 'empty'))).length, 0);
      } finally {
        await t.close();
      }
    });
  });
}
