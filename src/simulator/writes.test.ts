/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- answers are parsed JSON read field by field */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { api, control, request, startFixtureSimulator, serviceToken } from './client.test-support.ts';
import type { RunningSimulator } from './server.ts';

let sim: RunningSimulator;
let fx: ReturnType<typeof api>;
let tenantId: number;

before(async () => {
  sim = await startFixtureSimulator({ rateLimit: 100_000 });
  tenantId = sim.tenants[0]!.tenantId;
  fx = api(sim, await serviceToken(sim));
});
after(() => sim.close());

const writes = async (): Promise<number> => (await control(sim, 'GET', 'counters')).json.sideEffects[tenantId].writes as number;

const RECORDED = new URL('../../../shared/fortnox/recorded/', import.meta.url);
function recorded(file: string): { request: string; status: number; body: Record<string, Record<string, unknown>> } {
  const y = parse(readFileSync(new URL(file, RECORDED), 'utf8')) as { http_interactions: { request: { body: { string: string } }; response: { status: { code: number }; body: { string: string } } }[] };
  const i = y.http_interactions[0]!;
  return { request: i.request.body.string, status: i.response.status.code, body: JSON.parse(i.response.body.string) as Record<string, Record<string, unknown>> };
}

test('replayed recorded saves get the recorded status and the recorded key sets', async () => {
  for (const [file, path] of [['customers/save_new.yml', '/3/customers'], ['customers/save_new_with_country_code_SE.yml', '/3/customers'], ['articles/save_new.yml', '/3/articles'], ['invoices/save_new.yml', '/3/invoices'], ['invoices/save_with_nested_model.yml', '/3/invoices']] as const) {
    const r = recorded(file);
    const a = await fx.post(path, r.request);
    assert.equal(a.status, r.status, `${file}: ${a.text}`);
    const key = Object.keys(r.body)[0]!;
    assert.deepEqual(Object.keys(a.json[key]).sort(), Object.keys(r.body[key]!).sort(), file);
    if (file.includes('country_code_SE')) assert.equal(a.json.Customer.Country, 'Sverige');
    if (file.includes('nested')) assert.deepEqual(Object.keys(a.json.Invoice.InvoiceRows[0]).sort(), Object.keys((r.body.Invoice!.InvoiceRows as Record<string, unknown>[])[0]!).sort());
  }
});

test('a created customer gets the next number, counts as a write and shows up in the list', async () => {
  const before = await writes();
  const a = await fx.post('/3/customers', { Customer: { Name: 'Ny Kund Åb' } });
  assert.equal(a.status, 201);
  assert.equal(a.json.Customer.CustomerNumber, String(Number(a.json.Customer.CustomerNumber)));
  assert.equal(await writes(), before + 1);
  const found = await fx.get('/3/customers?name=ny%20kund');
  assert.equal(found.json.Customers[0].CustomerNumber, a.json.Customer.CustomerNumber);
  const put = await fx.put(`/3/customers/${a.json.Customer.CustomerNumber as string}`, { Customer: { City: 'Umeå' } });
  assert.equal(put.status, 200);
  assert.equal(put.json.Customer.City, 'Umeå');
  assert.equal(put.json.Customer.Name, 'Ny Kund Åb');
});

test('invalid writes get Fortnox-style 400s and change nothing', async () => {
  const before = await writes();
  const count = (await fx.get('/3/customers')).json.MetaInformation['@TotalResources'] as number;
  const cases: [unknown, number][] = [
    ['{"Customer":{"Name":', 2002115],
    [{ Customer: { Name: 'X', Favourite: true } }, 2001399],
    [{ Customer: { Name: 'X', Active: 'maybe' } }, 2000134],
    [{ Customer: { Name: 'X', InvoiceDiscount: 'lots' } }, 2000108],
    [{ Customer: { CustomerNumber: '1', Name: 'Dubblett' } }, 2000637],
    [{ Customer: { City: 'Utan namn' } }, 2000729],
    [{ Kund: { Name: 'X' } }, 2001392],
  ];
  for (const [body, code] of cases) {
    const a = await fx.post('/3/customers', body);
    assert.equal(a.status, 400, JSON.stringify(body));
    assert.equal(a.json.ErrorInformation.code, code, `${JSON.stringify(body)}: ${a.text}`);
    assert.equal(a.json.ErrorInformation.error, 1);
  }
  assert.equal((await fx.put('/3/customers/999999', { Customer: { Name: 'X' } })).status, 404);
  assert.equal(await writes(), before);
  assert.equal((await fx.get('/3/customers')).json.MetaInformation['@TotalResources'], count);
});

test('an invoice computes rows, VAT and a rounded total from its rows', async () => {
  const a = await fx.post('/3/invoices', { Invoice: { CustomerNumber: '2', InvoiceDate: '2026-05-04', InvoiceRows: [{ ArticleNumber: '1', DeliveredQuantity: 3 }, { Description: 'Frakt', Price: 99.9, DeliveredQuantity: '1', VAT: 25 }] } });
  assert.equal(a.status, 201, a.text);
  const inv = a.json.Invoice;
  assert.equal(inv.CustomerName, 'Bäckströms Bygg');
  assert.equal(inv.InvoiceRows[0].Total, 1950);
  assert.equal(inv.InvoiceRows[0].DeliveredQuantity, '3');
  assert.equal(inv.Net, 2049.9);
  assert.equal(inv.TotalVAT, 512.48);
  assert.equal(inv.Total, 2562);
  assert.equal(inv.RoundOff, -0.38);
  assert.equal(inv.DueDate, '2026-06-03');
  assert.equal(inv.Sent, false);
  const noCustomer = await fx.post('/3/invoices', { Invoice: { CustomerNumber: '999' } });
  assert.equal(noCustomer.status, 400);
});

test('vouchers get the next number in their series and year, must balance and cannot be changed', async () => {
  const voucher = (debit: number, credit: number, date = '2026-06-01') => ({
    Voucher: { VoucherSeries: 'A', TransactionDate: date, Description: 'Återläst', VoucherRows: [{ Account: 5010, Debit: debit }, { Account: 1930, Credit: credit }] },
  });
  const first = await fx.post('/3/vouchers?financialyear=3', voucher(500, 500));
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.Voucher.VoucherNumber, 4);
  assert.equal(first.json.Voucher.Year, 3);
  assert.equal(first.json.Voucher['@url'], `${sim.apiUrl}/3/vouchers/A/4?financialyear=3`);
  const second = await fx.post('/3/vouchers', voucher(10, 10, '2025-02-02'));
  assert.equal(second.json.Voucher.VoucherNumber, 4, 'each financial year numbers its own series');
  assert.equal(second.json.Voucher.Year, 2);
  const before = await writes();
  assert.equal((await fx.post('/3/vouchers?financialyear=3', voucher(500, 400))).status, 400, 'unbalanced');
  assert.equal((await fx.post('/3/vouchers?financialyear=3', voucher(5, 5, '2025-06-01'))).status, 400, 'date outside the year');
  const badAccount = await fx.post('/3/vouchers?financialyear=3', { Voucher: { VoucherSeries: 'A', TransactionDate: '2026-06-01', VoucherRows: [{ Account: 9999, Debit: 1 }, { Account: 1930, Credit: 1 }] } });
  assert.equal(badAccount.json.ErrorInformation.code, 2001304);
  assert.equal(await writes(), before);
  assert.equal((await fx.get('/3/voucherseries/A?financialyear=3')).json.VoucherSeries.NextVoucherNumber, 5);
  assert.equal((await fx.put('/3/vouchers/A/4?financialyear=3', voucher(1, 1))).status, 400);
  assert.equal((await fx.call('DELETE', '/3/vouchers/A/4?financialyear=3')).status, 400);
});

test('accounts are created and updated per financial year', async () => {
  const a = await fx.post('/3/accounts?financialyear=2', { Account: { Number: 6570, Description: 'Bankkostnader' } });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.Account.Year, 2);
  assert.equal((await fx.get('/3/accounts/6570?financialyear=3')).status, 404);
  assert.equal((await fx.post('/3/accounts?financialyear=2', { Account: { Number: 6570, Description: 'Igen' } })).json.ErrorInformation.code, 2000637);
  const u = await fx.put('/3/accounts/6570?financialyear=2', { Account: { VATCode: 'MP1' } });
  assert.equal(u.json.Account.VATCode, 'MP1');
});

test('a multipart upload keeps a raw UTF-8 file name, and connecting an inbox file moves it to the archive', async () => {
  const boundary = 'XyZ123';
  const content = Buffer.from('%PDF-1.4 faktura\n');
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="åäö.pdf"\r\nContent-Type: application/pdf\r\n\r\n`, 'utf8'),
    content, Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const up = await request(`${sim.apiUrl}/3/inbox?folderId=inbox_s`, {
    method: 'POST', headers: { Authorization: `Bearer ${await serviceToken(sim)}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body,
  });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.File.Name, 'åäö.pdf');
  assert.equal(up.json.File.Size, content.length);
  assert.deepEqual((await fx.get(`/3/inbox/${up.json.File.Id as string}`)).raw, content);

  const si = await fx.post('/3/supplierinvoices', { SupplierInvoice: { SupplierNumber: '2', InvoiceDate: '2026-07-10', Total: '500', SupplierInvoiceRows: [{ Account: 2440, Credit: 500 }, { Account: 6110, Debit: 500 }] } });
  assert.equal(si.status, 201, si.text);
  const conn = await fx.post('/3/supplierinvoicefileconnections', { SupplierInvoiceFileConnection: { FileId: up.json.File.Id, SupplierInvoiceNumber: si.json.SupplierInvoice.GivenNumber } });
  assert.equal(conn.status, 201, conn.text);
  assert.equal(conn.json.SupplierInvoiceFileConnection.Name, 'åäö.pdf');
  const moved = await fx.get(`/3/archive?path=${encodeURIComponent('Kopplade filer/2026/07')}`);
  assert.equal(moved.json.Folder.Files[0].Name, 'åäö.pdf');
  assert.equal((await fx.get(`/3/archive/${up.json.File.Id as string}`)).status, 200);
  const again = await fx.post('/3/supplierinvoicefileconnections', { SupplierInvoiceFileConnection: { FileId: up.json.File.Id, SupplierInvoiceNumber: '1' } });
  assert.equal(again.status, 400);
});

test('an archive upload goes to the given path', async () => {
  const boundary = 'b0undary';
  const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="avtal 2.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-x\r\n--${boundary}--\r\n`);
  const up = await request(`${sim.apiUrl}/3/archive?path=${encodeURIComponent('Återställt/2026')}`, {
    method: 'POST', headers: { Authorization: `Bearer ${await serviceToken(sim)}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body,
  });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.File.Path, 'Återställt/2026');
  const folder = await fx.get(`/3/archive?path=${encodeURIComponent('Återställt/2026')}`);
  assert.equal(folder.json.Folder.Files[0].Name, 'avtal 2.pdf');
});
