import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { text } from './values.ts';
import { simulateBusinessDay } from './business-day.ts';
import { DAY_MS } from './calendar.ts';
import { DEFAULT_START } from './clock.ts';
import { generateCompany } from './generate.ts';
import { invariantViolations } from './invariants.test-support.ts';
import { Random } from './random.ts';
import { isValidBankgiro, isValidIban } from './swedish.ts';

describe('simulateBusinessDay', () => {
  test('changes about one per cent of a medium company and keeps every invariant', () => {
    const c = generateCompany({ seed: 5, size: 'medium', index: 0, tenantId: 1, now: DEFAULT_START });
    const before = { invoices: c.invoices.size, supplierInvoices: c.supplierInvoices.size, vouchers: c.vouchers.size, customers: c.customers.size };
    const s = simulateBusinessDay(c, new Random(1), DEFAULT_START);
    assert.equal(s.day, '2026-11-20');
    const within = (n: number, base: number): void => assert.ok(n >= base * 0.005 && n <= base * 0.02, `${n} is not about 1 % of ${base}`);
    within(s.invoices.created.length, before.invoices);
    within(s.supplierInvoices.created.length, before.supplierInvoices);
    within(s.vouchers.created.length, before.vouchers);
    within(s.customers.updated.length, before.customers);
    assert.ok(s.files.created.length > 0 && s.supplierInvoiceFileConnections.created.length > 0);
    assert.equal(c.invoices.size, before.invoices + s.invoices.created.length);
    for (const n of s.invoices.created) assert.ok(c.invoices.has(n));
    for (const n of s.customers.deleted) assert.ok(!c.customers.has(n));
    assert.ok([...s.invoices.created, ...s.invoices.updated].every((n) => {
      const m = c.invoices.get(n)?.modified ?? 0;
      return m >= DEFAULT_START && m < DEFAULT_START + 9 * 3_600_000;
    }));
    assert.deepEqual(invariantViolations(c), []);
  });

  test('reports a supplier whose bank details changed', () => {
    const c = generateCompany({ seed: 5, size: 'small', index: 0, tenantId: 1, now: DEFAULT_START });
    const s = simulateBusinessDay(c, new Random(2), DEFAULT_START, { bankDetailChange: true });
    assert.equal(s.bankDetailChanges.length, 1);
    const change = s.bankDetailChanges[0]!;
    assert.notDeepEqual(change.before, change.after);
    const supplier = c.suppliers.get(change.supplierNumber)?.data;
    assert.equal(supplier?.BG, change.after.BG);
    assert.equal(supplier?.IBAN, change.after.IBAN);
    if (change.after.BG) assert.ok(isValidBankgiro(change.after.BG));
    if (change.after.IBAN) assert.ok(isValidIban(change.after.IBAN));
    assert.ok(s.suppliers.updated.includes(change.supplierNumber));
    assert.equal(simulateBusinessDay(c, new Random(3), DEFAULT_START + DAY_MS, { bankDetailChange: false }).bankDetailChanges.length, 0);
  });

  test('deletes only register records that nothing refers to', () => {
    const c = generateCompany({ seed: 5, size: 'small', index: 0, tenantId: 1, now: DEFAULT_START });
    const rnd = new Random(4);
    const deleted: string[] = [];
    for (let d = 0; d < 10; d++) deleted.push(...simulateBusinessDay(c, rnd, DEFAULT_START + d * DAY_MS).customers.deleted);
    assert.ok(deleted.length > 0);
    const invoiced = new Set([...c.invoices.values()].map((i) => text(i.data.CustomerNumber)));
    for (const n of deleted) assert.ok(!invoiced.has(n));
    assert.deepEqual(invariantViolations(c), []);
  });

  test('opens the next financial year when the day passes the end of the last one', () => {
    const c = generateCompany({ seed: 5, size: 'small', index: 0, tenantId: 1, now: DEFAULT_START });
    const next = Date.parse('2027-05-03T07:00:00Z');
    const s = simulateBusinessDay(c, new Random(5), next);
    assert.deepEqual(s.newFinancialYears, [5]);
    assert.deepEqual(s.financialYears.created, ['5']);
    const year = c.financialYears.at(-1)?.data;
    assert.deepEqual([year?.FromDate, year?.ToDate], ['2027-05-01', '2028-04-30']);
    assert.ok(c.accounts.get(5)?.size && c.voucherSeries.get(5)?.get('B'));
    assert.ok([...c.vouchers.values()].some((v) => v.data.Year === 4 && v.data.Description === 'Årets resultat'));
    assert.deepEqual(invariantViolations(c), []);
  });

  test('is deterministic for the same company and generator', () => {
    const run = (): unknown => {
      const c = generateCompany({ seed: 8, size: 'small', index: 1, tenantId: 1, now: DEFAULT_START });
      return simulateBusinessDay(c, new Random(9), DEFAULT_START);
    };
    assert.deepEqual(run(), run());
  });
});
