/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- answers are parsed JSON read field by field */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, control, startFixtureSimulator, serviceToken } from './client.test-support.ts';
import type { RunningSimulator } from './server.ts';

let sim: RunningSimulator;
let fx: ReturnType<typeof api>;

before(async () => {
  sim = await startFixtureSimulator({ rateLimit: 100_000 });
  fx = api(sim, await serviceToken(sim));
});
after(() => sim.close());

const LISTS = [
  ['/3/customers', 'Customers'], ['/3/suppliers', 'Suppliers'], ['/3/articles', 'Articles'], ['/3/projects', 'Projects'],
  ['/3/costcenters', 'CostCenters'], ['/3/invoices', 'Invoices'], ['/3/supplierinvoices', 'SupplierInvoices'],
  ['/3/supplierinvoicefileconnections', 'SupplierInvoiceFileConnections'], ['/3/voucherfileconnections', 'VoucherFileConnections'],
  ['/3/financialyears', 'FinancialYears'], ['/3/accounts?financialyear=3', 'Accounts'], ['/3/voucherseries', 'VoucherSeriesCollection'],
  ['/3/vouchers?financialyear=3', 'Vouchers'], ['/3/vouchers/sublist/A?financialyear=3', 'Vouchers'],
] as const;

test('every list pages correctly: pages add up to @TotalResources and a page past the end is a 400', async () => {
  for (const [path, key] of LISTS) {
    const sep = path.includes('?') ? '&' : '?';
    const all = await fx.get(path);
    assert.equal(all.status, 200, `${path}: ${all.text}`);
    assert.deepEqual(Object.keys(all.json), ['MetaInformation', key]);
    const total = all.json.MetaInformation['@TotalResources'] as number;
    assert.ok(total > 0, path);
    const seen: string[] = [];
    for (let page = 1; page <= Math.ceil(total / 2); page++) {
      const a = await fx.get(`${path}${sep}limit=2&page=${page}`);
      assert.equal(a.json.MetaInformation['@CurrentPage'], page);
      assert.equal(a.json.MetaInformation['@TotalPages'], Math.ceil(total / 2));
      for (const item of a.json[key] as { '@url': string }[]) seen.push(item['@url']);
    }
    assert.equal(seen.length, total, path);
    assert.equal(new Set(seen).size, total, `${path}: no duplicates across pages`);
    const past = await fx.get(`${path}${sep}limit=2&page=${Math.ceil(total / 2) + 1}`);
    assert.equal(past.status, 400, path);
    assert.deepEqual(past.json, { ErrorInformation: { error: 1, message: 'Angiven sida hittades ej (24).', code: 2000588 } });
  }
});

test('offset skips records, and an offset past the end is an empty 200', async () => {
  const a = await fx.get('/3/customers?offset=1&limit=2');
  assert.equal(a.json.MetaInformation['@TotalResources'], 3);
  assert.equal(a.json.Customers[0].CustomerNumber, '2');
  const past = await fx.get('/3/projects?offset=10000');
  assert.equal(past.status, 200);
  assert.deepEqual(past.json, { MetaInformation: { '@TotalResources': 0, '@TotalPages': 0, '@CurrentPage': 1 }, Projects: [] });
});

test('lists show Fortnox\'s subset of fields with its quirks, details the full record', async () => {
  const list = await fx.get('/3/customers');
  assert.deepEqual(Object.keys(list.json.Customers[0]), ['@url', 'Address1', 'Address2', 'City', 'CustomerNumber', 'Email', 'Name', 'OrganisationNumber', 'Phone', 'ZipCode']);
  assert.equal(list.json.Customers[0].Address2, '', 'null shows as "" in lists, as recorded');
  const one = await fx.get('/3/customers/1');
  assert.equal(one.json.Customer.Address2, null);
  assert.ok(Object.keys(one.json.Customer).length > 60);
  const articles = await fx.get('/3/articles');
  assert.equal(articles.json.Articles[0].QuantityInStock, '0', 'article list numbers are strings, as recorded');
});

test('@url is absolute on the requested host; vouchers and accounts carry the financial year', async () => {
  const v = await fx.get('/3/vouchers?financialyear=2');
  assert.equal(v.json.Vouchers[0]['@url'], `${sim.apiUrl}/3/vouchers/A/1?financialyear=2`);
  const a = await fx.get('/3/accounts?financialyear=2&limit=1');
  assert.equal(a.json.Accounts[0]['@url'], `${sim.apiUrl}/3/accounts/1510?financialyear=2`);
  const d = await fx.get('/3/vouchers/A/1?financialyear=2');
  assert.equal(d.json.Voucher.VoucherRows.length, 2);
});

test('raw JSON escapes slashes as \\/ and non-ASCII as \\u00e4 like Fortnox', async () => {
  const a = await fx.get('/3/customers/1');
  assert.match(a.text, /"@url":"http:\\\/\\\/127\.0\.0\.1:\d+\\\/3\\\/customers\\\/1"/);
  assert.match(a.text, /\\u00c5sa \\u00d6berg/);
  assert.equal(a.headers.get('server'), 'Fortnox');
});

test('sortby and sortorder order the list; an unknown sortby is a 400', async () => {
  const byName = await fx.get('/3/customers?sortby=name');
  assert.deepEqual(byName.json.Customers.map((c: { Name: string }) => c.Name), ['Bäckströms Bygg', 'Zeta Data AB', 'Ängens Gård', 'Åsa Öberg Konsult AB'].sort(new Intl.Collator('sv').compare));
  const desc = await fx.get('/3/articles?sortby=articlenumber&sortorder=descending');
  assert.deepEqual(desc.json.Articles.map((a: { ArticleNumber: string }) => a.ArticleNumber), ['101', '2', '1'], 'numbers sort as numbers');
  assert.equal((await fx.get('/3/customers?sortby=favourite')).status, 400);
});

test('filters select records and an invalid filter gets the recorded error', async () => {
  assert.equal((await fx.get('/3/customers?filter=inactive')).json.MetaInformation['@TotalResources'], 1);
  assert.equal((await fx.get('/3/invoices?filter=fullypaid')).json.Invoices[0].DocumentNumber, '1');
  assert.equal((await fx.get('/3/invoices?filter=unbooked')).json.Invoices[0].DocumentNumber, '3');
  const bad = await fx.get('/3/invoices?filter=doesntexist');
  assert.equal(bad.status, 400);
  assert.equal(bad.text, '{"ErrorInformation":{"error":1,"message":"Ett ogiltigt filter har anv\\u00e4nts.","code":2000587}}');
});

test('search parameters match case-insensitive substrings and exact numbers', async () => {
  assert.equal((await fx.get('/3/customers?name=%C3%A4ngens')).json.MetaInformation['@TotalResources'], 1);
  assert.equal((await fx.get('/3/customers?city=lund')).json.Customers[0].CustomerNumber, '2');
  assert.equal((await fx.get('/3/customers?customernumber=1')).json.MetaInformation['@TotalResources'], 1);
  assert.equal((await fx.get('/3/invoices?yourreference=gandalf')).json.Invoices[0].DocumentNumber, '2');
  assert.equal((await fx.get('/3/invoices?fromdate=2026-02-15&todate=2026-03-15')).json.MetaInformation['@TotalResources'], 1);
});

test('lastmodified returns records changed since a Swedish local time, inclusive', async () => {
  const all = (await fx.get('/3/customers')).json.MetaInformation['@TotalResources'] as number;
  assert.equal((await fx.get('/3/customers?lastmodified=2000-01-01')).json.MetaInformation['@TotalResources'], all);
  assert.equal((await fx.get('/3/customers?lastmodified=2100-01-01%2000:00')).json.MetaInformation['@TotalResources'], 0);
  await fx.put('/3/customers/2', { Customer: { Comments: 'ändrad' } });
  const { stockholm } = (await control(sim, 'GET', 'clock')).json as { stockholm: string };
  const since = await fx.get(`/3/customers?lastmodified=${encodeURIComponent(stockholm.slice(0, 16))}`);
  assert.deepEqual(since.json.Customers.map((c: { CustomerNumber: string }) => c.CustomerNumber), ['2']);
  assert.equal((await fx.get('/3/customers?lastmodified=yesterday')).status, 400);
});

test('a missing record is a 404 with the capitalized casing and the resource\'s Swedish message', async () => {
  const cases: [string, string, number][] = [
    ['/3/customers/123456789', 'Kan inte hitta kunden.', 2000433], ['/3/articles/123456789', 'Kan inte hitta artikeln.', 2000428],
    ['/3/invoices/123456789', 'Kan inte hitta fakturan.', 2000434], ['/3/projects/999', 'Kan inte hitta projektet.', 2001161],
    ['/3/accounts/1234?financialyear=3', 'Kan inte hitta kontot.', 2000423],
  ];
  for (const [path, message, code] of cases) {
    const a = await fx.get(path);
    assert.equal(a.status, 404, path);
    assert.deepEqual(a.json, { ErrorInformation: { Error: 1, Message: message, Code: code } });
  }
});

test('a trailing slash works like no slash', async () => {
  assert.deepEqual((await fx.get('/3/customers/')).json.MetaInformation, (await fx.get('/3/customers')).json.MetaInformation);
});

test('files come by Id and by ArchiveFileId, folders by path and by id', async () => {
  const conn = (await fx.get('/3/supplierinvoicefileconnections')).json.SupplierInvoiceFileConnections[0] as { FileId: string };
  const byId = await fx.get(`/3/archive/${conn.FileId}`);
  assert.equal(byId.status, 200);
  assert.equal(byId.raw.subarray(0, 5).toString('latin1'), '%PDF-');
  const folder = await fx.get(`/3/archive?path=${encodeURIComponent('Kopplade filer/2026/03')}`);
  const row = folder.json.Folder.Files[0] as { Id: string; ArchiveFileId: string; Name: string };
  assert.equal(row.Id, conn.FileId);
  assert.equal(row.Name, 'elräkning mars.pdf');
  const byFileId = await fx.get(`/3/archive?fileid=${row.ArchiveFileId}`);
  assert.deepEqual(byFileId.raw, byId.raw);
  const inbox = await fx.get('/3/inbox/inbox_s');
  assert.equal(inbox.json.Folder.Files.length, 1);
  assert.equal((await fx.get(`/3/inbox/${inbox.json.Folder.Files[0].Id as string}`)).status, 200);
  assert.equal((await fx.get('/3/archive/not-a-file')).status, 404);
});

test('preview gives the PDF and leaves the invoice unsent; print sends it and is recorded', async () => {
  const preview = await fx.get('/3/invoices/3/preview');
  assert.equal(preview.headers.get('content-type'), 'application/pdf');
  assert.equal((await fx.get('/3/invoices/3')).json.Invoice.Sent, false);
  assert.deepEqual((await control(sim, 'GET', 'counters')).json.sideEffects[sim.tenants[0]!.tenantId].printed, []);
  const print = await fx.get('/3/invoices/3/print');
  assert.equal(print.raw.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.equal((await fx.get('/3/invoices/3')).json.Invoice.Sent, true);
  await fx.get('/3/invoices/2/email');
  const effects = (await control(sim, 'GET', 'counters')).json.sideEffects[sim.tenants[0]!.tenantId];
  assert.deepEqual(effects.printed, ['3']);
  assert.deepEqual(effects.emailed, ['2']);
});

test('SIE files come as bytes per financial year', async () => {
  const a = await fx.get('/3/sie/4?financialyear=3');
  assert.equal(a.status, 200);
  assert.match(a.raw.subarray(0, 20).toString('latin1'), /^#FLAGGA 0/);
  assert.equal((await fx.get('/3/sie/9?financialyear=3')).status, 400);
  assert.equal((await fx.get('/3/sie/4?financialyear=99')).status, 400);
});

test('request counters are kept per endpoint template', async () => {
  await control(sim, 'POST', 'counters/reset');
  await fx.get('/3/customers/1');
  await fx.get('/3/customers/2');
  const c = (await control(sim, 'GET', `counters?tenantId=${sim.tenants[0]!.tenantId}`)).json;
  assert.equal(c.requests['GET /3/customers/{id}'], 2);
  assert.equal(c.total, 2);
});
