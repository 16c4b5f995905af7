import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openRepository, type Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';
import { testKeyring } from '../repository/test-support.ts';
import type { SimCompany } from '../simulator/model.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { smallCompany, writeCompanySnapshot } from '../verify/snapshot-fixture.test-support.ts';
import { csvCell, neutraliseFormula } from './csv.ts';
import { exportSnapshot, measureExport, type ExportManifest } from './export.ts';
import { safeFileName } from './names.ts';
import { ZipReader } from './zip-reader.ts';

const TENANT = 'acme';
const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
const hasPython = spawnSync('python3', ['-c', 'import zipfile']).status === 0;

const NASTY_NAMES = ['../../etc/passwd', 'CON.pdf', 'Kvitto åäö ÅÄÖ.pdf', 'Kvitto åäö ÅÄÖ.pdf', 'a/b\\c:d*?.jpg', '..', '  .hidden.pdf  '];
const FORMULAS = ['=HYPERLINK("http://evil.example","klicka")', '+46 8 123 45 67', '-2+3', '@SUM(A1:A2)', '\tTab AB', '\rCR AB'];

async function exportToFile(repo: Repository, snap: SnapshotInfo, path: string, datasets?: string[]): Promise<ExportManifest> {
  await exportSnapshot(repo, TENANT, snap.id, createWriteStream(path), { datasets });
  const zip = await ZipReader.open(path);
  try {
    return JSON.parse((await zip.read('manifest.json')).toString('utf8')) as ExportManifest;
  } finally {
    await zip.close();
  }
}

function csvRows(text: string): string[][] {
  // Good enough for the test data: no quoted line breaks in the fields looked at.
  return text.replace(/^\ufeff/, '').split('\r\n').filter((l) => l !== '').map((l) => l.split(';'));
}

describe('exportSnapshot', () => {
  let dir: string;
  let repo: Repository;
  let company: SimCompany;
  let snap: SnapshotInfo;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nox-export-'));
    repo = await openRepository({ store: new FsObjectStore({ root: join(dir, 'repo'), fsync: false }), tenantId: TENANT, masterKeys: testKeyring(), create: true });
    company = smallCompany();
    snap = await writeCompanySnapshot(repo, company, {
      edit: (c) => {
        const files = [...c.files.values()].filter((f) => c.supplierInvoiceFileConnections.has(f.id) || c.voucherFileConnections.has(f.id));
        NASTY_NAMES.forEach((name, i) => (files[i]!.name = name));
        const customers = [...c.customers.values()];
        FORMULAS.forEach((name, i) => (customers[i]!.data = { ...customers[i]!.data, Name: name }));
      },
    });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes a ZIP that unzip and Python open, whose every file matches the SHA-256 and size in manifest.json', async () => {
    const path = join(dir, 'all.zip');
    const manifest = await exportToFile(repo, snap, path);
    if (hasUnzip) execFileSync('unzip', ['-t', '-qq', path]);
    if (hasPython) execFileSync('python3', ['-c', 'import sys, zipfile; assert zipfile.ZipFile(sys.argv[1]).testzip() is None', path]);
    const zip = await ZipReader.open(path);
    try {
      assert.deepEqual(zip.entries.map((e) => e.name), [...manifest.files.map((f) => f.path), 'manifest.json']);
      for (const f of manifest.files) {
        const bytes = await zip.read(f.path);
        assert.equal(bytes.length, f.size, f.path);
        assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, f.path);
      }
      assert.equal(manifest.snapshot.id, snap.id);
      assert.equal(manifest.tenant, TENANT);
      assert.equal(manifest.datasets.customers!.records, company.customers.size);
      assert.equal(manifest.company.name, company.info.CompanyName);
      const readme = (await zip.read('README.txt')).toString('utf8');
      assert.match(readme, /Ögonblicksbild/);
      assert.match(readme, /SHA-256/);
      const names = zip.entries.map((e) => e.name);
      for (const ds of ['customers', 'vouchers', 'invoices', 'supplierinvoices', 'accounts', 'files']) {
        assert.ok(names.includes(`data/${ds}.json`) && names.includes(`csv/${ds}.csv`), ds);
      }
      for (const ds of ['vouchers', 'invoices', 'supplierinvoices']) assert.ok(names.includes(`csv/${ds}_rader.csv`), ds);
      assert.equal(names.filter((n) => n.startsWith('fakturor/')).length, company.invoices.size);
      assert.ok(names.includes(`fakturor/faktura_${[...company.invoices.keys()][0]}.pdf`));
      assert.equal(names.filter((n) => n.startsWith('sie/')).length, company.financialYears.length * 4);
      assert.ok(names.includes('sie/2025_20250501-20260430_typ4.se'), names.filter((n) => n.startsWith('sie/')).join());
    } finally {
      await zip.close();
    }
  });

  it('puts every record into data/<dataset>.json exactly as stored, and the SIE files and attachments byte for byte', async () => {
    const path = join(dir, 'exact.zip');
    await exportToFile(repo, snap, path);
    const zip = await ZipReader.open(path);
    try {
      for (const ds of Object.keys(snap.datasets)) {
        if (['sie', 'filecontents', 'invoicepdfs'].includes(ds)) continue;
        const stored: Buffer[] = [];
        for await (const { bytes } of repo.listRecordBytes(snap.id, ds)) stored.push(bytes);
        const json = await zip.read(`data/${ds}.json`);
        assert.deepEqual(JSON.parse(json.toString('utf8')), stored.map((b) => JSON.parse(b.toString('utf8')) as unknown), ds);
        assert.equal(json.toString('utf8'), `[\n${stored.map((b) => b.toString('utf8')).join(',\n')}\n]\n`, ds);
      }
      const yearId = company.financialYears.at(-1)!.data.Id;
      const sieKey = `${typeof yearId === 'number' ? yearId : ''}/4`;
      const stored: Buffer[] = [];
      for await (const c of await repo.readAttachment(snap.id, 'sie', sieKey)) stored.push(c as Buffer);
      assert.ok((await zip.read('sie/2025_20250501-20260430_typ4.se')).equals(Buffer.concat(stored)));
    } finally {
      await zip.close();
    }
  });

  it('neutralises CSV cells that Excel could run as formulas, and writes Swedish-Excel CSV (BOM, ;, CRLF, decimal comma)', async () => {
    for (const f of FORMULAS) assert.equal(neutraliseFormula(f)[0], "'");
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('a;b'), '"a;b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell(-1234.5), '-1234,5');
    assert.equal(csvCell('Ödegärdet AB'), 'Ödegärdet AB');

    const path = join(dir, 'csv.zip');
    await exportToFile(repo, snap, path, ['customers', 'vouchers']);
    const zip = await ZipReader.open(path);
    try {
      const raw = await zip.read('csv/customers.csv');
      assert.ok(raw.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'UTF-8 BOM');
      const text = raw.toString('utf8');
      assert.ok(text.endsWith('\r\n') && !/[^\r]\n/.test(text), 'CRLF line ends');
      const rows = csvRows(text);
      const nameCol = rows[0]!.indexOf('Name');
      const names = new Set(rows.slice(1).map((r) => r[nameCol]));
      assert.ok(names.has(`'=HYPERLINK(""http://evil.example"",""klicka"")"`.replace(/^'/, '"\'')), [...names].join(' | '));
      for (const cell of ["'+46 8 123 45 67", "'-2+3", "'@SUM(A1:A2)"]) assert.ok(names.has(cell), cell);
      // No cell of any CSV starts with a formula character outside quotes, nor inside them.
      for (const r of rows.slice(1)) for (const c of r) assert.doesNotMatch(c.replace(/^"/, ''), /^[=+@\t\r]/);

      const voucherRows = csvRows((await zip.read('csv/vouchers_rader.csv')).toString('utf8'));
      assert.deepEqual(voucherRows[0]!.slice(0, 3), ['Nyckel', 'Rad', 'Account']);
      const debit = voucherRows[0]!.indexOf('Debit');
      assert.ok(voucherRows.slice(1).some((r) => /^\d+,\d+$/.test(r[debit]!)), 'amounts with a decimal comma');
      assert.match(voucherRows[1]![0]!, /^\d+\/[A-Z]+\/\d+$/);
    } finally {
      await zip.close();
    }
  });

  it('names attachments safely: no path traversal, reserved names or forbidden characters; Swedish letters kept; collisions numbered', async () => {
    assert.equal(safeFileName('../../etc/passwd'), '_.._etc_passwd');
    assert.equal(safeFileName('CON.pdf'), 'CON_.pdf');
    assert.equal(safeFileName('..'), 'fil');
    assert.equal(safeFileName('Kvitto åäö.pdf'), 'Kvitto åäö.pdf');
    assert.equal(safeFileName('a/b\\c:d*?.jpg'), 'a_b_c_d__.jpg');
    assert.ok(Buffer.byteLength(safeFileName(`${'å'.repeat(300)}.pdf`)) <= 150);

    const path = join(dir, 'names.zip');
    await exportToFile(repo, snap, path, ['supplierInvoices']);
    const zip = await ZipReader.open(path);
    try {
      const files = zip.entries.map((e) => e.name).filter((n) => n.startsWith('filer/'));
      for (const n of files) {
        assert.equal(n.split('/').length, 2, n);
        assert.doesNotMatch(n.slice('filer/'.length), /^\.|[\\:*?"<>|]|^(con|nul|prn|aux)(\.|$)/i);
      }
      assert.ok(files.includes('filer/Kvitto åäö ÅÄÖ.pdf'));
      assert.ok(files.includes('filer/Kvitto åäö ÅÄÖ (2).pdf'));
      assert.ok(files.includes('filer/CON_.pdf'));
      assert.ok(files.includes('filer/hidden.pdf'));
    } finally {
      await zip.close();
    }
  });

  it('exports only the data sets asked for (--datasets), by snapshot name or by the terms\' group', async () => {
    const path = join(dir, 'subset.zip');
    const manifest = await exportToFile(repo, snap, path, ['customers', 'sie']);
    const zip = await ZipReader.open(path);
    try {
      const names = zip.entries.map((e) => e.name);
      assert.deepEqual(new Set(names.map((n) => n.split('/')[0])), new Set(['README.txt', 'data', 'csv', 'sie', 'manifest.json']));
      assert.deepEqual(names.filter((n) => n.startsWith('data/')), ['data/customers.json']);
      assert.deepEqual(Object.keys(manifest.datasets).sort(), ['customers', 'sie']);
    } finally {
      await zip.close();
    }
    await assert.rejects(exportToFile(repo, snap, join(dir, 'bad.zip'), ['kunder']), { code: 'EXPORT_UNKNOWN_DATASET' });
  });
});

describe('exportSnapshot on a large snapshot', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nox-export-big-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps memory flat: heap growth stays far below the size of what is exported', async (t) => {
    const repo = await openRepository({ store: new FsObjectStore({ root: dir, fsync: false }), tenantId: TENANT, masterKeys: testKeyring(), create: true, verifyUploads: false });
    const w = await repo.beginSnapshot();
    const filler = 'Lorem ipsum dolor sit amet, åäö ÅÄÖ; "citat" '.repeat(16);
    for (let i = 0; i < 20_000; i++) {
      await w.putRecord('customers', String(i), { CustomerNumber: String(i), Name: `Kund ${i}`, Comments: `${i} ${filler}`, Balance: i * 1.25, Rows: [{ A: i }, { A: -i }] });
    }
    const files = 40;
    for (let i = 0; i < files; i++) {
      const id = `f${i}`;
      await w.putRecord('files', id, { Id: id, ArchiveFileId: null, Name: `Kvitto ${i}.jpg`, Path: null, ContentType: 'image/jpeg', Size: 2 << 20, Sha256: '', ConnectedTo: [] });
      await w.putAttachment('filecontents', id, randomBytes(2 << 20));
    }
    const snap = await w.commit();

    // Live heap, not garbage waiting for collection: sample after a full collection.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const m = await measureExport(repo, snap.id, { gc });
    t.diagnostic(`export: ${m.files} files, ${(m.bytesIn / 1e6).toFixed(1)} MB in, ${(m.bytesOut / 1e6).toFixed(1)} MB ZIP, ${m.mbPerSecond.toFixed(1)} MB/s, heap growth ${(m.heapGrowthBytes / 1e6).toFixed(1)} MB`);
    assert.ok(m.bytesIn > 100e6, `exported ${m.bytesIn} bytes`);
    assert.ok(m.heapGrowthBytes < 48e6, `heap grew by ${m.heapGrowthBytes} bytes while exporting ${m.bytesIn}`);
  });
});
