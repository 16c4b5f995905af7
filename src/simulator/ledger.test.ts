import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger, UnbalancedVoucherError } from './ledger.ts';
import { emptyCompany as empty, voucherKey, type SimCompany } from './model.ts';

const emptyCompany = (): SimCompany => empty(1, {});


const account = (c: SimCompany, year: number, n: number): Record<string, unknown> => c.accounts.get(year)?.get(String(n))?.data ?? {};

test('posts a balanced voucher, numbers it in its series and moves the closing balances', () => {
  const c = emptyCompany();
  const ledger = new Ledger(c);
  ledger.openYear('2026-01-01', '2026-12-31', 0, new Map([[1930, 100_000], [2081, -100_000]]));
  const v = ledger.post({ series: 'A', date: '2026-02-01', description: 'Hyra', referenceType: 'MANUAL', modified: 1, lines: [{ account: 5010, ore: 1_000_050, costCenter: 'ADM' }, { account: 2641, ore: 250_013 }, { account: 1930, ore: -1_250_063 }] });
  assert.equal(v.data.VoucherNumber, 1);
  assert.equal(c.voucherSeries.get(1)?.get('A')?.data.NextVoucherNumber, 2);
  assert.ok(c.vouchers.has(voucherKey(1, 'A', 1)));
  assert.deepEqual((v.data.VoucherRows as Record<string, unknown>[]).map((r) => [r.Account, r.Debit, r.Credit, r.CostCenter]), [[5010, 10000.5, 0, 'ADM'], [2641, 2500.13, 0, ''], [1930, 0, 12500.63, '']]);
  assert.equal(account(c, 1, 1930).BalanceBroughtForward, 1000);
  assert.equal(account(c, 1, 1930).BalanceCarriedForward, 1000 - 12500.63);
});

test('refuses a voucher that does not balance, an unknown account or a date outside every year, changing nothing', () => {
  const c = emptyCompany();
  const ledger = new Ledger(c);
  ledger.openYear('2026-01-01', '2026-12-31', 0);
  const base = { series: 'A', description: 'x', referenceType: 'MANUAL' as const, modified: 1 };
  assert.throws(() => ledger.post({ ...base, date: '2026-03-01', lines: [{ account: 1930, ore: 100 }, { account: 3001, ore: -99 }] }), UnbalancedVoucherError);
  assert.throws(() => ledger.post({ ...base, date: '2026-03-01', lines: [{ account: 1234, ore: 100 }, { account: 3001, ore: -100 }] }), RangeError);
  assert.throws(() => ledger.post({ ...base, date: '2027-03-01', lines: [{ account: 1930, ore: 100 }, { account: 3001, ore: -100 }] }), RangeError);
  assert.equal(c.vouchers.size, 0);
  assert.equal(c.voucherSeries.get(1)?.get('A')?.data.NextVoucherNumber, 1);
});

test('carries closing balances into the next year, with the result in 2099 and last year\'s 2099 in 2091', () => {
  const c = emptyCompany();
  const ledger = new Ledger(c);
  ledger.openYear('2025-01-01', '2025-12-31', 0, new Map([[1930, 500_000], [2099, -200_000], [2091, -300_000]]));
  ledger.post({ series: 'B', date: '2025-06-01', description: 'Försäljning', referenceType: 'INVOICE', modified: 1, lines: [{ account: 1930, ore: 125_000 }, { account: 3001, ore: -100_000 }, { account: 2611, ore: -25_000 }] });
  ledger.openYear('2026-01-01', '2026-12-31', 2);
  assert.equal(account(c, 2, 1930).BalanceBroughtForward, 6250);
  assert.equal(account(c, 2, 2611).BalanceBroughtForward, -250);
  assert.equal(account(c, 2, 2091).BalanceBroughtForward, -5000);
  assert.equal(account(c, 2, 2099).BalanceBroughtForward, -1000);
  assert.equal(account(c, 2, 3001).BalanceBroughtForward, 0);
  // A late voucher in the earlier year moves the next year's opening balances with it.
  ledger.closeYear(1, 3);
  assert.equal(account(c, 1, 8999).BalanceCarriedForward, 1000);
  assert.equal(account(c, 2, 2099).BalanceBroughtForward, 0);
  assert.equal(account(c, 2, 2091).BalanceBroughtForward, -6000);
  assert.equal(account(c, 2, 2091).BalanceCarriedForward, -6000);
});
