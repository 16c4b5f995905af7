import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { text } from './values.ts';
import { DEFAULT_START } from './clock.ts';
import { generateCompany, plannedFinancialYears } from './generate.ts';
import { invariantViolations } from './invariants.test-support.ts';
import type { SimCompany } from './model.ts';
import { articleTemplate, customerTemplate, invoiceRowTemplate, invoiceTemplate, supplierInvoiceTemplate, supplierTemplate } from './templates.ts';

const small = (index = 0, seed = 42): SimCompany => generateCompany({ seed, size: 'small', index, tenantId: 9000 + index, now: DEFAULT_START });

/** A fingerprint of everything a company holds, file bytes included. */
function fingerprint(c: SimCompany): string {
  const h = createHash('sha256');
  const replacer = (_k: string, v: unknown): unknown => (v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : typeof v === 'function' ? undefined : v);
  h.update(JSON.stringify({ ...c, files: undefined }, replacer));
  for (const f of c.files.values()) h.update(JSON.stringify({ ...f, content: undefined })).update(f.content());
  return h.digest('hex');
}

describe('generateCompany', () => {
  test('gives the same company for the same seed, index and time', () => {
    assert.equal(fingerprint(small()), fingerprint(small()));
  });

  test('gives a different company for another index or seed', () => {
    const [a, b, c] = [small(0), small(1), small(0, 43)];
    assert.notEqual(a.info.CompanyName, b.info.CompanyName);
    assert.notEqual(a.info.OrganizationNumber, b.info.OrganizationNumber);
    assert.notEqual(a.info.OrganizationNumber, c.info.OrganizationNumber);
    assert.notEqual(fingerprint(a), fingerprint(b));
    assert.equal(b.info.DatabaseNumber, 9001);
  });

  test('keeps every bookkeeping invariant and every number format valid', () => {
    assert.deepEqual(invariantViolations(small()), []);
  });

  test('has a calendar year, a short transition year and broken years, the last containing now', () => {
    const c = small();
    const years = c.financialYears.map((y) => [y.data.Id, y.data.FromDate, y.data.ToDate]);
    assert.deepEqual(years, [
      [1, '2024-01-01', '2024-12-31'], [2, '2025-01-01', '2025-04-30'], [3, '2025-05-01', '2026-04-30'], [4, '2026-05-01', '2027-04-30'],
    ]);
    assert.deepEqual(plannedFinancialYears('2027-03-01').at(-1), ['2026-05-01', '2027-04-30']);
    for (const y of c.financialYears) assert.ok([...c.vouchers.values()].some((v) => v.data.Year === y.data.Id), `year ${text(y.data.Id)} has vouchers`);
    const latest = [...c.vouchers.values()].map((v) => text(v.data.TransactionDate)).sort().at(-1) ?? '';
    assert.ok(latest >= '2026-10-01' && latest <= '2026-11-19', `the last voucher is of ${latest}`);
  });

  test('closes past years against 8999 and 2099 and carries the result to 2091', () => {
    const c = small();
    for (const id of [1, 2, 3]) {
      const closing = [...c.vouchers.values()].find((v) => v.data.Year === id && v.data.Description === 'Årets resultat');
      assert.ok(closing, `year ${id} is closed`);
      const rows = closing.data.VoucherRows as { Account: number }[];
      assert.deepEqual(rows.map((r) => r.Account).sort(), [2099, 8999]);
      assert.equal(c.accounts.get(id + 1)?.get('2099')?.data.BalanceBroughtForward, 0);
    }
  });

  test('writes records with every field of Fortnox\'s detail shape, in its order', () => {
    const c = small();
    const keys = (o: object): string[] => Object.keys(o);
    const customer = [...c.customers.values()].find((s) => s.data.Type === 'COMPANY')?.data;
    assert.deepEqual(keys(customer ?? {}), keys(customerTemplate()));
    assert.deepEqual(keys(c.suppliers.get('1')?.data ?? {}), keys(supplierTemplate()));
    assert.deepEqual(keys(c.articles.get('1001')?.data ?? {}), keys(articleTemplate()));
    const invoice = [...c.invoices.values()][0]?.data ?? {};
    assert.deepEqual(keys(invoice), keys(invoiceTemplate()));
    const row = (invoice.InvoiceRows as object[])[0] ?? {};
    assert.deepEqual(keys(row), [...keys(invoiceRowTemplate()), 'VATCode']);
    assert.deepEqual(keys([...c.supplierInvoices.values()][0]?.data ?? {}), keys(supplierInvoiceTemplate()));
    assert.equal(invoice.Credit, 'false');
    assert.equal(typeof invoice.Total, 'number');
    assert.equal(typeof [...c.supplierInvoices.values()][0]?.data.Total, 'string');
    assert.equal(c.info.DatabaseNumber, c.tenantId);
  });

  test('has paid, unpaid, credited and cancelled invoices', () => {
    const c = generateCompany({ seed: 7, size: 'medium', index: 0, tenantId: 1, now: DEFAULT_START });
    const invoices = [...c.invoices.values()].map((s) => s.data);
    assert.ok(invoices.some((d) => d.Balance === 0 && d.FinalPayDate !== null), 'paid');
    assert.ok(invoices.some((d) => Number(d.Balance) > 0 && d.Booked === true), 'unpaid');
    assert.ok(invoices.some((d) => d.Credit === 'true' && d.CreditInvoiceReference !== '0'), 'credit invoices');
    assert.ok(invoices.some((d) => d.Cancelled === true), 'cancelled');
    assert.deepEqual(invariantViolations(c), []);
  });

  test('gives every record a modification time in the past, not all the same', () => {
    const c = small();
    for (const map of [c.customers, c.suppliers, c.articles, c.projects, c.costCenters, c.invoices, c.supplierInvoices, c.vouchers]) {
      const times = [...map.values()].map((s) => s.modified);
      assert.ok(times.every((t) => t < DEFAULT_START), 'in the past');
      assert.ok(new Set(times).size > times.length / 2, 'varied');
    }
    assert.ok([...c.files.values()].every((f) => f.modified < DEFAULT_START));
  });

  test('attaches files to supplier invoices and vouchers in dated archive folders, and leaves some in the inbox', () => {
    const c = small();
    assert.ok(c.supplierInvoiceFileConnections.size > 0);
    assert.ok(c.voucherFileConnections.size > 0);
    for (const id of [...c.supplierInvoiceFileConnections.keys(), ...c.voucherFileConnections.keys()]) {
      const f = c.files.get(id);
      assert.equal(f?.store, 'archive');
      assert.match(f.folder, /^Kopplade filer\/\d{4}\/\d{2}$/);
    }
    const inbox = [...c.files.values()].filter((f) => f.store === 'inbox');
    assert.ok(inbox.length > 0 && inbox.every((f) => f.folder === 'inbox_s' || f.folder === 'inbox_v'));
  });

  test('medium has the target counts of DESIGN.md §8', () => {
    const c = generateCompany({ seed: 1, size: 'medium', index: 0, tenantId: 1, now: DEFAULT_START });
    const near = (actual: number, target: number, tolerance = 0.1): void =>
      assert.ok(Math.abs(actual - target) <= target * tolerance, `${actual} is not within ${tolerance * 100} % of ${target}`);
    assert.equal(c.customers.size, 1000);
    assert.equal(c.suppliers.size, 400);
    assert.equal(c.articles.size, 1500);
    assert.equal(c.projects.size, 100);
    assert.equal(c.costCenters.size, 30);
    near(c.invoices.size, 6000);
    near(c.supplierInvoices.size, 4000);
    near(c.files.size, 4000);
    near(c.vouchers.size, 15000, 0.15);
    const average = [...c.files.values()].reduce((s, f) => s + f.size, 0) / c.files.size;
    near(average, 30_000, 0.2);
    for (const id of [1, 3]) near([...c.vouchers.values()].filter((v) => v.data.Year === id).length, 5000, 0.2);
  });
});
