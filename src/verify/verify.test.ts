import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { listVerificationRuns } from '../db/verification-runs.ts';
import { openRepository, type Repository } from '../repository/repository.ts';
import type { MasterKeyring } from '../repository/master-keys.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';
import { testKeyring } from '../repository/test-support.ts';
import type { SimCompany } from '../simulator/model.ts';
import { FaultyObjectStore } from '../storage/faulty-store.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { smallCompany, vouchersByYear, writeCompanySnapshot } from './snapshot-fixture.test-support.ts';
import { runSampledVerification, verify, type Finding } from './verify.ts';

const TENANT = 'acme';

interface Fixture {
  dir: string;
  store: FsObjectStore;
  ring: MasterKeyring;
  repo: Repository;
  company: SimCompany;
  first: SnapshotInfo;
  second: SnapshotInfo;
}

/** Two snapshots of the simulator's small company (the second with one customer changed), small packs. */
async function fixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'nox-verify-'));
  const store = new FsObjectStore({ root: dir, fsync: false });
  const ring = testKeyring();
  const repo = await openRepository({ store, tenantId: TENANT, masterKeys: ring, create: true, packTargetBytes: 32 * 1024 });
  const company = smallCompany();
  const totals = { totals: { vouchersByYear: vouchersByYear(company), customers: company.customers.size } };
  const first = await writeCompanySnapshot(repo, company, { run: totals, invoicePdfs: true });
  const changed = [...company.customers.values()][0]!;
  changed.data = { ...changed.data, Name: 'Ändrad Kund AB' };
  const second = await writeCompanySnapshot(repo, company, { run: totals, invoicePdfs: true });
  return { dir, store, ring, repo, company, first, second };
}

async function reopen(f: Fixture, store: ObjectStore = f.store): Promise<Repository> {
  return openRepository({ store, tenantId: TENANT, masterKeys: f.ring });
}

const errorsOf = (findings: readonly Finding[]): Finding[] => findings.filter((x) => x.severity === 'error');

async function entryId(repo: Repository, snapshot: string, dataset: string, key: string): Promise<string> {
  for await (const e of repo.listEntries(snapshot, dataset)) if (e.key === key) return e.id;
  throw new Error(`no ${dataset} ${key}`);
}

async function packOf(repo: Repository, blobId: string): Promise<{ object: string; offset: number; length: number }> {
  const loc = (await repo.refreshIndex()).get(blobId)![0]!;
  return { object: repo.vault.layout.abs(loc.pack), offset: loc.offset, length: loc.length };
}

describe('verify', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabases()[0]!.open();
  });
  after(() => db.cleanup());

  it('finds a clean backup clean: structure, every pack read, books balanced and voucher counts equal per financial year', async () => {
    const f = await fixture();
    try {
      const report = await verify(f.repo, db.db, TENANT, { readData: 100 });
      assert.deepEqual(errorsOf(report.findings), []);
      assert.equal(report.ok, true);
      assert.equal(report.structure!.snapshots, 2);
      assert.equal(report.data!.packsRead, report.data!.packs);
      assert.equal(report.snapshot!.id, f.second.id);
      const expected = vouchersByYear(f.company);
      assert.equal(report.books.length, f.company.financialYears.length);
      for (const year of report.books) {
        assert.equal(year.vouchersInSie, expected[year.financialYear] ?? 0, `year ${year.financialYear}`);
        assert.equal(year.vouchersInSnapshot, year.vouchersInSie);
        assert.equal(year.vouchersAtBackup, year.vouchersInSie);
        assert.equal(year.unbalancedVouchers, 0);
        assert.equal(year.balanceMismatches, 0);
        assert.equal(year.resultMismatches, 0);
      }
      const runs = await listVerificationRuns(db.db, TENANT, { withReports: true });
      assert.equal(runs[0]!.id, report.id);
      assert.equal(runs[0]!.ok, true);
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('names a flipped bit in a pack on disk: the pack, the blob, and the customer in both snapshots that use it, and keeps checking the rest', async () => {
    const f = await fixture();
    try {
      const customerKey = [...f.company.customers.keys()][1]!;
      const blob = await entryId(f.repo, f.second.id, 'customers', customerKey);
      const loc = await packOf(f.repo, blob);
      const path = join(f.dir, loc.object);
      const bytes = await readFile(path);
      bytes[loc.offset + Math.floor(loc.length / 2)]! ^= 0x10;
      await writeFile(path, bytes);

      const report = await verify(await reopen(f), db.db, TENANT, { readData: 100 });
      assert.equal(report.ok, false);
      const finding = report.findings.find((x) => x.object === loc.object);
      assert.ok(finding, JSON.stringify(report.findings, null, 2));
      assert.equal(finding.code, 'REPO_CORRUPT_BLOB');
      assert.equal(finding.blobId, blob);
      const hits = finding.affects!.filter((a) => a.dataset === 'customers' && a.key === customerKey);
      assert.deepEqual(hits.map((h) => h.snapshot).sort(), [f.first.id, f.second.id].sort());
      assert.match(finding.message, new RegExp(`customers ${customerKey}`));
      // The other checks still ran.
      assert.equal(report.books.length, f.company.financialYears.length);
      assert.equal(report.data!.packsRead, report.data!.packs);
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('detects a bit flipped on the way from the store (FaultyObjectStore) in a sampled read that covers the pack', async () => {
    const f = await fixture();
    try {
      const key = [...f.company.invoices.keys()][0]!;
      const loc = await packOf(f.repo, await entryId(f.repo, f.second.id, 'invoices', key));
      const faulty = new FaultyObjectStore(f.store);
      faulty.inject({ kind: 'bit-flip', op: 'get', key: loc.object, bit: (loc.offset + 40) * 8 + 3 });
      const report = await verify(await reopen(f, faulty), undefined, TENANT, { readData: 100 });
      const finding = report.findings.find((x) => x.object === loc.object);
      assert.ok(finding);
      assert.ok(finding.affects!.some((a) => a.dataset === 'invoices' && a.key === key));
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('names a deleted attachment pack and the invoice PDF whose bytes it held, without reading any data', async () => {
    const f = await fixture();
    try {
      const number = [...f.company.invoices.keys()][2]!;
      const descriptor = await f.repo.readAttachmentDescriptor(await entryId(f.repo, f.second.id, 'invoicepdfs', number));
      const loc = await packOf(f.repo, descriptor.chunks[0]!);
      await unlink(join(f.dir, loc.object));

      const report = await verify(await reopen(f), db.db, TENANT, {});
      assert.equal(report.ok, false);
      const finding = report.findings.find((x) => x.object === loc.object);
      assert.ok(finding, JSON.stringify(report.findings, null, 2));
      assert.equal(finding.code, 'REPO_MISSING_OBJECT');
      const hits = finding.affects!.filter((a) => a.dataset === 'invoicepdfs' && a.key === number);
      assert.equal(hits.length, 2);
      assert.equal(hits[0]!.via, 'chunk');
      // One finding for the pack, not one per blob in it.
      assert.equal(report.findings.filter((x) => x.object === loc.object).length, 1);
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('names a deleted record pack and every data set and key it held', async () => {
    const f = await fixture();
    try {
      const key = [...f.company.suppliers.keys()][0]!;
      const loc = await packOf(f.repo, await entryId(f.repo, f.second.id, 'suppliers', key));
      await unlink(join(f.dir, loc.object));
      const report = await verify(await reopen(f), undefined, TENANT, { readData: 100 });
      const finding = report.findings.find((x) => x.object === loc.object)!;
      assert.equal(finding.code, 'REPO_MISSING_OBJECT');
      assert.ok(finding.affects!.some((a) => a.dataset === 'suppliers' && a.key === key && a.snapshot === f.second.id));
      assert.ok(finding.affectedCount! >= 2);
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('names a truncated manifest by its snapshot and still checks the other snapshot in full', async () => {
    const f = await fixture();
    try {
      const object = f.repo.vault.layout.snapshotKey(f.second.id);
      await truncate(join(f.dir, object), 40);
      const report = await verify(await reopen(f), db.db, TENANT, { readData: 100 });
      assert.equal(report.ok, false);
      const finding = report.findings.find((x) => x.object === object)!;
      assert.equal(finding.code, 'REPO_CORRUPT_OBJECT');
      assert.equal(finding.snapshot, f.second.id);
      // The books of the remaining (first) snapshot were checked.
      assert.equal(report.snapshot!.id, f.first.id);
      assert.equal(report.books.length, f.company.financialYears.length);
      assert.equal(errorsOf(report.findings).length, 1);
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('reports a wrong master key as REPO_WRONG_KEY on the key file instead of crashing', async () => {
    const f = await fixture();
    try {
      const wrong = testKeyring(f.ring.current.id);
      const report = await verify(() => openRepository({ store: f.store, tenantId: TENANT, masterKeys: wrong }), db.db, TENANT, { readData: 10 });
      assert.equal(report.ok, false);
      assert.equal(report.findings.length, 1);
      assert.equal(report.findings[0]!.code, 'REPO_WRONG_KEY');
      assert.equal(report.findings[0]!.object, `keys/${TENANT}.json`);
      assert.equal(report.structure, null);
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('reports a lost key file as REPO_NO_KEYS and never creates new keys (runSampledVerification)', async () => {
    const f = await fixture();
    try {
      const keyFile = join(f.dir, 'keys', `${TENANT}.json`);
      const saved = await readFile(keyFile);
      await unlink(keyFile);
      const report = await runSampledVerification({ db: db.db, store: f.store, keyring: f.ring }, TENANT);
      assert.equal(report.ok, false);
      assert.equal(report.findings[0]!.code, 'REPO_NO_KEYS');
      assert.equal(report.trigger, 'schedule');
      await assert.rejects(readFile(keyFile), { code: 'ENOENT' });
      // With the key file back, the nightly run is clean and read a 10 % slot.
      await writeFile(keyFile, saved);
      const again = await runSampledVerification({ db: db.db, store: f.store, keyring: f.ring }, TENANT);
      assert.equal(again.ok, true, JSON.stringify(again.findings));
      assert.equal(again.data!.slots, 10);
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('rotates sampled reads: ten 10 % runs read every pack exactly once', async () => {
    const f = await fixture();
    const sampleDb = await testDatabases()[0]!.open();
    try {
      let read = 0;
      const slots = new Set<number>();
      let packs = 0;
      for (let i = 0; i < 10; i++) {
        const report = await verify(f.repo, sampleDb.db, TENANT, { readData: 10 });
        read += report.data!.packsRead;
        packs = report.data!.packs;
        slots.add(report.data!.slot);
      }
      assert.deepEqual([...slots].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.ok(packs > 10, `only ${packs} packs`);
      assert.equal(read, packs);
      assert.equal((await listVerificationRuns(sampleDb.db, TENANT)).length, 10);
    } finally {
      await sampleDb.cleanup();
      await rm(f.dir, { recursive: true, force: true });
    }
  });

  it('reports vouchers missing from the snapshot against the SIE file and against Fortnox\'s count, and unbalanced books per year', async () => {
    const f = await fixture();
    try {
      // A third snapshot that lost one voucher of the newest year, and a year whose SIE file does not balance.
      const yearId = f.company.financialYears.at(-1)!.data.Id;
      const year = typeof yearId === 'number' ? String(yearId) : '';
      const w = await f.repo.beginSnapshot({ parent: f.second.id, runMeta: { totals: { vouchersByYear: vouchersByYear(f.company) } } });
      for (const ds of Object.keys(f.second.datasets)) if (ds !== 'vouchers' && ds !== 'sie') w.reuseDataSet(ds);
      w.carryForward('vouchers');
      w.carryForward('sie');
      let lost = '';
      for await (const e of f.repo.listEntries(f.second.id, 'vouchers')) if (e.key.startsWith(`${year}/`)) lost = e.key;
      await w.deleteRecord('vouchers', lost);
      const sie = [
        '#FLAGGA 0', '#FORMAT PC8', '#SIETYP 4', '#FNAMN "Test"', '#RAR 0 20990101 20991231', '#KONTO 1930 "Bank"', '#KONTO 3001 "Försäljning"',
        '#IB 0 1930 100.00', '#UB 0 1930 150.00', '#RES 0 3001 -45.00',
        '#VER A 1 20990105 "Obalanserad"', '{', '#TRANS 1930 {} 50.00', '#TRANS 3001 {} -40.00', '}', '',
      ].join('\r\n');
      await w.putAttachment('sie', '99/4', Buffer.from(sie, 'latin1'));
      const third = await w.commit();

      const report = await verify(f.repo, undefined, TENANT, { snapshot: third.id });
      const counts = report.findings.filter((x) => x.code === 'BOOKS_VOUCHER_COUNT' && x.financialYear === year);
      assert.equal(counts.length, 2, JSON.stringify(counts));
      assert.ok(counts.every((c) => c.severity === 'error' && c.snapshot === third.id && c.key === `${year}/4`));
      assert.ok(counts.some((c) => /the SIE 4 file from the same backup/.test(c.message)));
      assert.ok(counts.some((c) => /Fortnox had/.test(c.message)));
      const y99 = report.books.find((b) => b.financialYear === '99')!;
      assert.equal(y99.unbalancedVouchers, 1);
      assert.equal(y99.balanceMismatches, 0);
      assert.equal(y99.resultMismatches, 1);
      const unbalanced = report.findings.find((x) => x.code === 'BOOKS_UNBALANCED_VOUCHER')!;
      assert.equal(unbalanced.severity, 'warning');
      assert.match(unbalanced.message, /voucher A 1 \(2099-01-05\) does not balance: its rows sum to 10\.00/);
      assert.ok(report.findings.some((x) => x.code === 'BOOKS_RES_MISMATCH' && /account 3001/.test(x.message)));
      assert.equal(report.ok, false);
    } finally {
      await rm(f.dir, { recursive: true, force: true });
    }
  });
});
