import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { linkCompany } from '../accounts/organisations.ts';
import { backupTenant } from '../jobs/index.ts';
import { addSimulatorTenant } from '../tenants/connect.ts';
import { createTestOrg, startTestWeb, type TestOrg, type TestWeb, type WebClient } from './web.test-support.ts';

interface BankChange { supplierNumber: string; name: string; before: Record<string, string>; after: Record<string, string> }
interface SnapshotsJson { snapshots: { snapshotId: string; records: number; changes: { added: number; changed: number; removed: number } | null }[]; nextBefore: number | null }
interface TableJson { rows: { key: string; values: (string | number | null)[] }[]; nextAfter: string | null; columns: string[]; count: number; search: { scanned: number } | null }
interface RecordJson {
  record: Record<string, unknown>;
  files: { dataset: string; key: string; name: string; stored: boolean }[];
  versions: { from: { snapshotId: string }; to: { snapshotId: string }; current: boolean }[];
}
interface DiffJson { changes: { path: string; from?: unknown; to?: unknown }[] }

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function connectAndBackUp(t: TestWeb, orgId: string, fortnoxTenantId: string): Promise<string> {
  const { tenant } = await addSimulatorTenant(t.web.app, t.web.simulator!.url, { fortnoxTenantId });
  await linkCompany(t.db, orgId, tenant.id);
  await backupTenant(t.web.app, tenant.id);
  return tenant.id;
}

async function download(client: WebClient, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(new URL(path, client.base), { headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

for (const dialect of ['sqlite', 'postgres'] as const) describe(`backup browser (${dialect})`, () => {
  let t: TestWeb;
  let org: TestOrg;
  let other: TestOrg;
  let alice: WebClient;
  let companyId: string;
  let otherCompanyId: string;
  let bank: BankChange;
  let base: string;
  let otherSnapshot: string;

  before(async () => {
    t = await startTestWeb({ dialect });
    const sim = t.web.simulator!;
    org = await createTestOrg(t, { kind: 'company', name: 'Bläddra AB', companies: [], members: { alice: 'user' } });
    other = await createTestOrg(t, { kind: 'company', name: 'Annan AB', companies: [], members: { eve: 'user' } });
    alice = org.members.alice!.client;
    const [first, second] = sim.tenants;
    companyId = await connectAndBackUp(t, org.orgId, String(first!.tenantId));
    otherCompanyId = await connectAndBackUp(t, other.orgId, String(second!.tenantId));
    const res = await fetch(`${sim.url}/__sim/business-days`, { method: 'POST', body: JSON.stringify({ days: 1, tenantId: first!.tenantId }), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    const day = (await res.json()) as { summaries: { summary: { bankDetailChanges?: BankChange[] } }[] };
    const changes = day.summaries.flatMap((d) => d.summary.bankDetailChanges ?? []);
    assert.ok(changes.length > 0, 'the simulated day changes a supplier\'s bank details (seeded)');
    bank = changes[0]!;
    await backupTenant(t.web.app, companyId);
    base = `/companies/${companyId}`;
    const eve = other.members.eve!.client;
    otherSnapshot = (await eve.get(`/api/v1/companies/${otherCompanyId}/snapshots`)).json<SnapshotsJson>().snapshots[0]!.snapshotId;
  });

  after(async () => {
    await t.close();
  });

  test('the snapshots page lists both backups, newest first, with the changes of the newer one', async () => {
    const api = (await alice.get(`/api/v1${base}/snapshots`)).json<SnapshotsJson>();
    assert.equal(api.snapshots.length, 2);
    const [newer, older] = api.snapshots;
    assert.ok(newer!.changes !== null && newer!.changes.changed > 0);
    assert.equal(older!.changes, null);
    const page = await alice.get(`${base}/snapshots`);
    assert.equal(page.status, 200);
    for (const s of api.snapshots) assert.ok(page.text.includes(`/browse?snapshot=${s.snapshotId}`));
    assert.ok(page.text.includes(`${base}/snapshots/${newer!.snapshotId}/changes`));

    const changes = await alice.get(`${base}/snapshots/${newer!.snapshotId}/changes?dataset=suppliers`);
    assert.equal(changes.status, 200);
    assert.ok(changes.text.includes(`${base}/records/suppliers/${bank.supplierNumber}/diff?from=${older!.snapshotId}&amp;to=${newer!.snapshotId}`));
    const changesApi = (await alice.get(`/api/v1${base}/snapshots/${newer!.snapshotId}/changes?dataset=suppliers`)).json<{ changes: { key: string; kind: string }[] }>();
    assert.ok(changesApi.changes.some((c) => c.key === bank.supplierNumber && c.kind === 'changed'));
  });

  test('the browse page lists the data sets with Swedish names and counts', async () => {
    const page = await alice.get(`${base}/browse`);
    assert.equal(page.status, 200);
    for (const name of ['Kunder', 'Leverantörer', 'Artiklar', 'Verifikationer', 'Kundfakturor', 'Leverantörsfakturor', 'SIE-filer']) assert.ok(page.text.includes(name), name);
  });

  test('a data set\'s table is paged by key forwards and back', async () => {
    const first = (await alice.get(`/api/v1${base}/browse/accounts`)).json<TableJson>();
    assert.equal(first.rows.length, 50);
    assert.ok(first.nextAfter !== null);
    const second = (await alice.get(`/api/v1${base}/browse/accounts?after=${encodeURIComponent(first.nextAfter)}`)).json<TableJson>();
    assert.equal(second.rows.length, 50);
    assert.ok(second.rows[0]!.key > first.rows.at(-1)!.key, 'keyset: the next page starts after the last key');

    const page1 = await alice.get(`${base}/browse/accounts`);
    const next = /<a rel="next" href="([^"]+)"/.exec(page1.text)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(next !== undefined);
    const page2 = await alice.get(next);
    assert.ok(page2.text.includes(`>${second.rows[0]!.key}</a>`));
    const prev = /<a rel="prev" href="([^"]+)"/.exec(page2.text)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(prev !== undefined);
    const back = await alice.get(prev);
    assert.ok(back.text.includes(`>${first.rows[0]!.key}</a>`));
  });

  test('the suppliers table is searchable by name in the shown columns and by key, and says what it searched', async () => {
    const word = bank.name.split(' ')[0]!;
    const byText = (await alice.get(`/api/v1${base}/browse/suppliers?q=${encodeURIComponent(word.toLowerCase())}`)).json<TableJson>();
    assert.ok(byText.rows.some((r) => r.key === bank.supplierNumber));
    assert.ok(byText.rows.every((r) => r.values.some((v) => String(v).toLowerCase().includes(word.toLowerCase())) || r.key.includes(word)));
    assert.ok(byText.search !== null && byText.search.scanned > 0);
    const page = await alice.get(`${base}/browse/suppliers?q=${encodeURIComponent(word)}`);
    assert.ok(page.text.includes('Sökningen letar efter'));
    assert.ok(page.text.includes(bank.name));

    const byKey = (await alice.get(`/api/v1${base}/browse/suppliers?in=key&q=${encodeURIComponent(bank.supplierNumber)}`)).json<TableJson>();
    assert.ok(byKey.rows.length > 0 && byKey.rows.every((r) => r.key.includes(bank.supplierNumber)));
    const none = (await alice.get(`/api/v1${base}/browse/suppliers?q=zzzz-finns-inte`)).json<TableJson>();
    assert.equal(none.rows.length, 0);
  });

  test('a supplier whose bank details changed has two versions, and the diff shows the changed bank field', async () => {
    const rec = (await alice.get(`/api/v1${base}/records/suppliers/${bank.supplierNumber}`)).json<RecordJson>();
    assert.equal(rec.versions.length, 2);
    assert.equal(rec.record.IBAN, bank.after.IBAN);
    const page = await alice.get(`${base}/records/suppliers/${bank.supplierNumber}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('Historik'));

    const diff = (await alice.get(`/api/v1${base}/records/suppliers/${bank.supplierNumber}/diff`)).json<DiffJson>();
    const changed = Object.keys(bank.before).filter((k) => bank.before[k] !== bank.after[k]);
    assert.ok(changed.length > 0);
    for (const field of changed) {
      const c = diff.changes.find((x) => x.path === field);
      assert.ok(c !== undefined, field);
      assert.equal(c.from, bank.before[field]);
      assert.equal(c.to, bank.after[field]);
    }
    const diffPage = await alice.get(`${base}/records/suppliers/${bank.supplierNumber}/diff`);
    const field = changed[0]!;
    assert.match(diffPage.text, new RegExp(`<code>${field}</code></th><td class="diff-removed">${bank.before[field]}</td><td class="diff-added">${bank.after[field]}</td>`));
  });

  test('a voucher page shows its rows with balanced debit and credit', async () => {
    const key = (await alice.get(`/api/v1${base}/browse/vouchers`)).json<TableJson>().rows[0]!.key;
    const rec = (await alice.get(`/api/v1${base}/records/vouchers/${encodeURIComponent(key)}`)).json<RecordJson>();
    const rows = rec.record.VoucherRows as { Debit: number; Credit: number }[];
    assert.ok(rows.length >= 2);
    const page = await alice.get(`${base}/records/vouchers/${encodeURIComponent(key)}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('Konteringsrader'));
    const debit = /data-sum="debit">([^<]+)</.exec(page.text)?.[1];
    const credit = /data-sum="credit">([^<]+)</.exec(page.text)?.[1];
    assert.ok(debit !== undefined && debit === credit);
    assert.ok(page.text.includes('Balanserar'));
  });

  test('an invoice PDF and a connected attachment download as the stored bytes with a safe file name', async () => {
    const invoice = (await alice.get(`/api/v1${base}/browse/invoicepdfs`)).json<TableJson>().rows[0]!.key;
    const rec = (await alice.get(`/api/v1${base}/records/invoices/${invoice}`)).json<RecordJson>();
    const pdfLink = rec.files.find((f) => f.dataset === 'invoicepdfs');
    assert.ok(pdfLink?.stored === true);
    const pdf = await download(alice, `${base}/files/invoicepdfs/${invoice}`);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.equal(pdf.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(pdf.headers.get('content-disposition'), `attachment; filename="faktura_${invoice}.pdf"; filename*=UTF-8''faktura_${invoice}.pdf`);
    const repo = await t.web.app.repositoryFor(companyId);
    const snapshot = (await alice.get(`/api/v1${base}/snapshots`)).json<SnapshotsJson>().snapshots[0]!.snapshotId;
    const stored: Buffer[] = [];
    for await (const chunk of await repo.readAttachment(snapshot, 'invoicepdfs', invoice)) stored.push(chunk as Buffer);
    assert.ok(pdf.bytes.equals(Buffer.concat(stored)));

    // A voucher with a connected file: its page links the file, whose bytes hash to what the backup recorded.
    const connection = (await alice.get(`/api/v1${base}/browse/voucherfileconnections`)).json<TableJson>().rows[0]!;
    const fileRecord = (await alice.get(`/api/v1${base}/records/files/${connection.key}`)).json<RecordJson>().record as { Name: string; Sha256: string; ContentType: string; ConnectedTo: { type: string; key: string }[] };
    const voucherKey = fileRecord.ConnectedTo.find((c) => c.type === 'voucher')!.key;
    const voucher = (await alice.get(`/api/v1${base}/records/vouchers/${encodeURIComponent(voucherKey)}`)).json<RecordJson>();
    assert.ok(voucher.files.some((f) => f.dataset === 'filecontents' && f.key === connection.key && f.stored));
    const voucherPage = await alice.get(`${base}/records/vouchers/${encodeURIComponent(voucherKey)}`);
    assert.ok(voucherPage.text.includes(`${base}/files/filecontents/${connection.key}?snapshot=`));
    const file = await download(alice, `${base}/files/filecontents/${connection.key}`);
    assert.equal(file.status, 200);
    assert.equal(sha256(file.bytes), fileRecord.Sha256);
    assert.equal(file.headers.get('content-type'), fileRecord.ContentType);
    if (fileRecord.ContentType === 'image/jpeg') assert.deepEqual([...file.bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    else if (fileRecord.ContentType === 'application/pdf') assert.equal(file.bytes.subarray(0, 4).toString('latin1'), '%PDF');
    assert.match(file.headers.get('content-disposition')!, /^attachment; filename="[^"]+"; filename\*=UTF-8''/);
    assert.ok(file.headers.get('content-disposition')!.includes(encodeURIComponent(fileRecord.Name)));

    const sie = (await alice.get(`/api/v1${base}/browse/sie`)).json<TableJson>().rows[0]!.key;
    const sieFile = await download(alice, `${base}/files/sie/${encodeURIComponent(sie)}`);
    assert.equal(sieFile.status, 200);
    assert.match(sieFile.headers.get('content-disposition')!, /filename="[^"]+_typ\d\.se"/);
    assert.ok(sieFile.bytes.subarray(0, 6).toString('latin1') === '#FLAGG');
  });

  test('another organisation\'s company, a foreign or unknown snapshot, and an unknown data set all answer 404', async () => {
    const key = bank.supplierNumber;
    const foreign = `/companies/${otherCompanyId}`;
    const paths = (b: string): string[] => [
      `${b}/snapshots`,
      `${b}/browse`,
      `${b}/browse/suppliers`,
      `${b}/records/suppliers/${key}`,
      `${b}/records/suppliers/${key}/diff`,
      `${b}/files/invoicepdfs/1`,
    ];
    for (const p of [...paths(foreign), ...paths(`/api/v1${foreign}`)]) assert.equal((await alice.get(p)).status, 404, p);
    const eve = other.members.eve!.client;
    for (const p of [...paths(base), ...paths(`/api/v1${base}`)]) assert.equal((await eve.get(p)).status, 404, `eve ${p}`);

    for (const prefix of [base, `/api/v1${base}`]) {
      for (const p of [
        `${prefix}/snapshots/${otherSnapshot}/changes`,
        `${prefix}/snapshots/${'0'.repeat(64)}/changes`,
        `${prefix}/browse?snapshot=${otherSnapshot}`,
        `${prefix}/browse/suppliers?snapshot=${otherSnapshot}`,
        `${prefix}/records/suppliers/${key}?snapshot=${otherSnapshot}`,
        `${prefix}/records/suppliers/${key}/diff?from=${otherSnapshot}`,
        `${prefix}/files/invoicepdfs/1?snapshot=${otherSnapshot}`,
        `${prefix}/browse/nosuchset`,
        `${prefix}/records/nosuchset/1`,
        `${prefix}/records/suppliers/no-such-supplier`,
        `${prefix}/files/suppliers/${key}`,
      ]) {
        assert.equal((await alice.get(p)).status, 404, p);
      }
    }
  });

  test('the JSON API describes itself in the OpenAPI document and matches the page', async () => {
    const doc = (await alice.get('/api/openapi.json')).json<{ paths: Record<string, unknown> }>();
    for (const p of ['/api/v1/companies/{companyId}/snapshots', '/api/v1/companies/{companyId}/browse/{dataset}', '/api/v1/companies/{companyId}/records/{dataset}/{key}/diff', '/api/v1/companies/{companyId}/files/{dataset}/{key}']) {
      assert.ok(p in doc.paths, p);
    }
    const api = (await alice.get(`/api/v1${base}/browse/customers`)).json<TableJson>();
    const page = await alice.get(`${base}/browse/customers`);
    const keys = [...page.text.matchAll(/<th scope="row"><a href="[^"]*\/records\/customers\/([^"?]+)\?/g)].map((x) => decodeURIComponent(x[1]!));
    assert.deepEqual(keys, api.rows.map((r) => r.key));
  });

  test('record views and downloads are in the audit log', async () => {
    const rows = await t.db.selectFrom('audit_log').select(['action', 'target', 'user_email', 'org_id']).where('tenant_id', '=', companyId).execute();
    assert.ok(rows.some((r) => r.action === 'record.view' && r.target === `suppliers:${bank.supplierNumber}` && r.user_email === org.members.alice!.email && r.org_id === org.orgId));
    assert.ok(rows.some((r) => r.action === 'file.download' && r.target?.startsWith('invoicepdfs:') === true));
    assert.ok(rows.some((r) => r.action === 'file.download' && r.target?.startsWith('filecontents:') === true));
  });
});
