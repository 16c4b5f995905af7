/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any, @typescript-eslint/no-base-to-string -- simulator answers and Fortnox JSON are read field by field in assertions */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buffer as readAll } from 'node:stream/consumers';
import { getBackupRun } from '../db/backup-runs.ts';
import { diffSnapshots } from '../db/record-versions.ts';
import { listSnapshots } from '../db/snapshots.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { CATALOGUE, type DataSetName, type JsonObject } from '../fortnox/index.ts';
import type { SimCompany } from '../simulator/model.ts';
import { contentsOf, startBackupFixture, type BackupFixture } from './backup.test-support.ts';
import { withoutUrl } from './change-detection.ts';
import { lowerBoundRequests, sweepRequests, type CompanyContents } from './lower-bound.ts';
import { keys, RECORD_DATASETS } from './layout.ts';
import { runBackup, type BackupResult } from './run-backup.ts';
import { voucherDifferences } from './voucher-from-sie.ts';

/** Data sets whose every stored entry costs a request of its own (details and downloads). */
const PER_ENTRY = ['accounts', 'voucherseries', 'customers', 'suppliers', 'articles', 'projects', 'invoices', 'supplierinvoices', 'invoicepdfs', 'filecontents', 'sie'];

async function entries(f: BackupFixture, snapshotId: string, dataset: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for await (const e of f.repo.listEntries(snapshotId, dataset)) m.set(e.key, e.id);
  return m;
}

async function changedEntries(f: BackupFixture, a: string, b: string, datasets: readonly string[]): Promise<number> {
  let n = 0;
  for (const d of datasets) {
    const before = await entries(f, a, d);
    for (const [k, id] of await entries(f, b, d)) if (before.get(k) !== id) n++;
  }
  return n;
}

/** Requests to Fortnox's API (`/3/`), not to the token endpoint. */
function apiRequests(counters: any): number {
  return Object.entries(counters.requests as Record<string, number>).filter(([k]) => k.includes(' /3/')).reduce((s, [, n]) => s + n, 0);
}

function company(f: BackupFixture): SimCompany {
  return f.sim.simulator.companies.get(Number(f.fortnoxTenant))!;
}

for (const target of testDatabases()) {
  describe(`backup run on ${target.name}`, () => {
    let t: TestDatabase;
    let f: BackupFixture;
    let full: BackupResult;
    let incremental: BackupResult;
    let day: any;
    let contentsAtFull: CompanyContents;

    before(async () => {
      t = await target.open();
      f = await startBackupFixture(t);
      contentsAtFull = contentsOf(company(f));
      full = await runBackup(f.deps, { trigger: 'manual', refreshFraction: 0 });
    });
    after(async () => {
      await f.close();
      await t.cleanup();
    });

    it('takes a full backup of every data set, complete, recorded in the database and indexed', async () => {
      assert.equal(full.status, 'succeeded', JSON.stringify(full.datasets.filter((d) => d.status !== 'complete')));
      assert.ok(full.snapshotId !== null);
      const snap = await f.repo.readSnapshot(full.snapshotId);
      for (const d of [...RECORD_DATASETS, 'filecontents', 'invoicepdfs', 'sie']) {
        assert.equal(snap.datasets[d]?.complete, true, `${d} complete`);
      }
      const run = await getBackupRun(t.db, f.tenantId, full.runId);
      assert.equal(run?.status, 'succeeded');
      assert.equal(run?.snapshotId, full.snapshotId);
      assert.equal(run?.requests, full.requests);
      assert.ok((run?.datasets.length ?? 0) >= 18);
      const indexed = await listSnapshots(t.db, f.tenantId);
      assert.equal(indexed[0]?.snapshotId, full.snapshotId);
      assert.deepEqual(full.warnings, []);
    });

    it('stores every record equal to a fresh detail from Fortnox, files, PDFs and SIE files byte for byte', async () => {
      const snapshot = full.snapshotId!;
      const r = f.reader;
      const detailSets: [DataSetName, (i: JsonObject) => string][] = [
        ['customers', (i) => String(i.CustomerNumber)], ['suppliers', (i) => String(i.SupplierNumber)], ['articles', (i) => String(i.ArticleNumber)],
        ['projects', (i) => String(i.ProjectNumber)], ['invoices', (i) => String(i.DocumentNumber)], ['supplierinvoices', (i) => String(i.GivenNumber)],
        ['costcenters', (i) => String(i.Code)], ['supplierinvoicefileconnections', (i) => String(i.FileId)], ['voucherfileconnections', (i) => String(i.FileId)],
      ];
      for (const [name, keyOf] of detailSets) {
        const stored = new Map<string, unknown>();
        for await (const { key, record } of f.repo.listRecords(snapshot, name)) stored.set(key, record);
        let n = 0;
        for await (const item of r.items(name)) {
          const detail = CATALOGUE[name].listItemsComplete ? item : await r.detail(name, item);
          assert.deepEqual(stored.get(keyOf(item)), withoutUrl(detail), `${name} ${keyOf(item)}`);
          n++;
        }
        assert.equal(stored.size, n, `${name}: as many records as Fortnox lists`);
      }
      assert.deepEqual(await f.repo.readRecord(snapshot, 'companyinformation', 'company'), withoutUrl(await r.companyInformation()));
      for await (const year of r.items('financialyears')) {
        const y = Number(year.Id);
        for await (const a of r.items('accounts', { financialYear: y })) {
          assert.deepEqual(await f.repo.readRecord(snapshot, 'accounts', keys.account(y, String(a.Number))), withoutUrl(await r.detail('accounts', a)));
        }
        for await (const s of r.items('voucherseries', { financialYear: y })) {
          assert.deepEqual(await f.repo.readRecord(snapshot, 'voucherseries', keys.voucherseries(y, String(s.Code))), withoutUrl(await r.detail('voucherseries', s)));
        }
        for await (const v of r.items('vouchers', { financialYear: y })) {
          const ours = (await f.repo.readRecord(snapshot, 'vouchers', keys.voucher(y, String(v.VoucherSeries), String(v.VoucherNumber)))) as JsonObject;
          assert.deepEqual(voucherDifferences(ours, withoutUrl(await r.detail('vouchers', v))), [], `voucher ${y}/${String(v.VoucherSeries)}/${String(v.VoucherNumber)}`);
        }
        for (const type of [1, 2, 3, 4] as const) {
          const bytes = await readAll(await f.repo.readAttachment(snapshot, 'sie', keys.sie(y, type)));
          assert.ok(bytes.equals((await r.sie(type, y)).body), `SIE ${type} of year ${y}`);
        }
      }
      for await (const { key, record } of f.repo.listRecords(snapshot, 'files')) {
        const bytes = await readAll(await f.repo.readAttachment(snapshot, 'filecontents', key));
        assert.ok(bytes.equals((await r.archiveFile(key)).body), `file ${key}`);
        assert.equal((record as JsonObject).Size, bytes.length);
      }
      for await (const e of f.repo.listEntries(snapshot, 'invoicepdfs')) {
        const bytes = await readAll(await f.repo.readAttachment(snapshot, 'invoicepdfs', e.key));
        assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      }
    });

    it('uses at most 1.05 × the lower bound of requests for a full backup', () => {
      const bound = lowerBoundRequests(contentsAtFull);
      console.log(`full backup (${target.name}): ${full.requests} requests, lower bound ${bound} (${(full.requests / bound).toFixed(3)} ×)`);
      assert.ok(full.requests >= bound, `${full.requests} < the lower bound ${bound}: the bound is wrong`);
      assert.ok(full.requests <= 1.05 * bound, `${full.requests} > 1.05 × ${bound}`);
    });

    it('takes an incremental backup after a business day within 1.2 × (sweeps + changed records), without downloading a file twice', async () => {
      day = (await f.control('POST', 'business-days', { days: 1 })).summaries[0].summary;
      // The nightly run comes after the day's activity (the simulator stamps a day's changes up to 9 h after its start).
      await f.control('POST', 'clock/advance', { hours: 12 });
      const counters0 = await f.control('GET', 'counters');
      // The default rolling refresh included: the bound holds for the run as the scheduler runs it.
      incremental = await runBackup(f.deps, { trigger: 'schedule' });
      assert.equal(incremental.status, 'succeeded');
      const counters1 = await f.control('GET', 'counters');
      assert.equal(apiRequests(counters1) - apiRequests(counters0), incremental.requests, 'the simulator saw what the run counted');
      const changed = await changedEntries(f, full.snapshotId!, incremental.snapshotId!, PER_ENTRY);
      const sweeps = sweepRequests(contentsOf(company(f)));
      console.log(`incremental (${target.name}): ${incremental.requests} requests; sweeps ${sweeps} + changed ${changed} = ${sweeps + changed} (${(incremental.requests / (sweeps + changed)).toFixed(3)} ×)`);
      assert.ok(incremental.requests <= 1.2 * (sweeps + changed), `${incremental.requests} > 1.2 × (${sweeps} + ${changed})`);
      // Every file downloaded once: the new run fetched only files the full backup had not seen.
      const fileGets = (c: any): number => Object.entries(c.requests as Record<string, number>).filter(([k]) => k.startsWith('GET /3/archive/')).reduce((s, [, n]) => s + n, 0);
      const newFiles = (await entries(f, incremental.snapshotId!, 'filecontents')).size - (await entries(f, full.snapshotId!, 'filecontents')).size;
      assert.equal(fileGets(counters1) - fileGets(counters0), newFiles);
    });

    it('reflects every creation, update and deletion of the business day, deleted records staying in the older snapshot', async () => {
      const a = full.snapshotId!;
      const b = incremental.snapshotId!;
      const sets: [string, string][] = [['customers', 'customers'], ['suppliers', 'suppliers'], ['articles', 'articles'], ['projects', 'projects'], ['invoices', 'invoices'], ['supplierInvoices', 'supplierinvoices'], ['supplierInvoiceFileConnections', 'supplierinvoicefileconnections'], ['voucherFileConnections', 'voucherfileconnections'], ['costCenters', 'costcenters']];
      let seen = 0;
      for (const [sim, ours] of sets) {
        const before = await entries(f, a, ours);
        const after = await entries(f, b, ours);
        const stored = company(f)[sim as 'customers'];
        for (const key of day[sim].created) {
          assert.ok(after.has(key) && !before.has(key), `${ours} ${key} created`);
          assert.deepEqual(await f.repo.readRecord(b, ours, key), withoutUrl(await f.reader.detail(ours as DataSetName, key)));
          seen++;
        }
        for (const key of day[sim].updated) {
          assert.notEqual(after.get(key), before.get(key), `${ours} ${key} updated`);
          assert.ok(stored.has(key));
          seen++;
        }
        for (const key of day[sim].deleted) {
          assert.ok(before.has(key) && !after.has(key), `${ours} ${key} deleted`);
          assert.ok((await f.repo.readRecord(a, ours, key)) !== null, 'the last version stays in the older snapshot');
          seen++;
        }
      }
      for (const key of day.vouchers.created as string[]) {
        const [y, series, n] = key.split(':');
        assert.ok((await entries(f, b, 'vouchers')).has(keys.voucher(y!, series!, n!)), `voucher ${key}`);
        seen++;
      }
      assert.ok(seen > 0, 'the business day changed something');
      // The database index records the same: removals as removals, so history can show them.
      const diff = await diffSnapshots(t.db, f.tenantId, a, b);
      for (const key of day.customers.deleted as string[]) assert.ok(diff.removed.some((r) => r.dataset === 'customers' && r.key === key), `customer ${key} removed in the index`);
      for (const key of day.customers.created as string[]) assert.ok(diff.added.some((r) => r.dataset === 'customers' && r.key === key), `customer ${key} added in the index`);
    });

    it('shows a supplier whose bank details changed in the snapshot diff', async () => {
      let change = day.bankDetailChanges[0];
      let from = full.snapshotId!;
      let latest = incremental;
      for (let i = 0; change === undefined && i < 10; i++) {
        const next = (await f.control('POST', 'business-days', { days: 1 })).summaries[0].summary;
        await f.control('POST', 'clock/advance', { hours: 12 });
        from = latest.snapshotId!;
        latest = await runBackup(f.deps, { refreshFraction: 0 });
        change = next.bankDetailChanges[0];
      }
      assert.ok(change !== undefined, 'a bank-detail change happened within 10 days');
      const key = String(change.supplierNumber);
      const before = (await f.repo.readRecord(from, 'suppliers', key)) as JsonObject;
      const now = (await f.repo.readRecord(latest.snapshotId!, 'suppliers', key)) as JsonObject;
      const fields = ['BG', 'PG', 'IBAN', 'BIC', 'Bank'].filter((k) => before[k] !== now[k]);
      assert.ok(fields.length > 0, 'bank fields differ between the snapshots');
      for (const k of fields) assert.equal(now[k], change.after[k]);
      const diff = await diffSnapshots(t.db, f.tenantId, from, latest.snapshotId!, 'suppliers');
      assert.ok(diff.changed.some((c) => c.key === key), 'the snapshot diff names the supplier as changed');
    });

    it('never calls a side-effecting endpoint: no print, e-mail, e-print or e-invoice, no write, no Sent changed', async () => {
      const counters = await f.control('GET', 'counters');
      const effects = counters.sideEffects[f.fortnoxTenant];
      assert.deepEqual(effects, { printed: [], emailed: [], eprinted: [], einvoiced: [], writes: 0 });
      for (const route of Object.keys(counters.requests as object).filter((r) => r.includes(' /3/'))) assert.match(route, /^GET (?!.*(print|email|einvoice))/i);
      for (const [number, inv] of company(f).invoices) {
        const stored = (await f.repo.readRecord(full.snapshotId!, 'invoices', number).catch(() => null)) as JsonObject | null;
        if (stored !== null) assert.equal(inv.data.Sent, stored.Sent, `invoice ${number} Sent unchanged`);
      }
    });
  });
}
