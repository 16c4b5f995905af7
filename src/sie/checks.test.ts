import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSie } from './checks.ts';
import { parseSie } from './reader.ts';

const HEAD = ['#FLAGGA 0', '#PROGRAM "Test" 1.0', '#FORMAT PC8', '#GEN 20240101', '#SIETYP 4', '#FNAMN "Testbolaget AB"', '#RAR 0 20240101 20241231'];
const check = (...lines: string[]) => checkSie(parseSie([...HEAD, ...lines].join('\n')).document);

test('lists unbalanced vouchers with series, number and difference', () => {
  const c = check('#VER A 1 20240101', '{', '#TRANS 1910 {} 10.00', '#TRANS 3010 {} -9.99', '}', '#VER B 7 20240102', '{', '#TRANS 1910 {} 1', '#TRANS 3010 {} -1', '}');
  assert.deepEqual(c.unbalancedVouchers, [{ series: 'A', number: 1, date: '2024-01-01', difference: 1n }]);
  assert.match(c.warnings[0]!.message, /voucher A 1 \(2024-01-01\) does not balance: its rows sum to 0.01/);
});

test('reports IB + transactions ≠ UB per balance-sheet account, including accounts with transactions but no balances', () => {
  const c = check('#IB 0 1910 100', '#UB 0 1910 150', '#IB 0 1510 5', '#UB 0 1510 5', '#RES 0 3010 -60',
    '#VER A 1 20240101', '{', '#TRANS 1910 {} 60', '#TRANS 3010 {} -60', '}', '#VER A 2 20240101', '{', '#TRANS 2440 {} 7', '#TRANS 2640 {} -7', '}');
  assert.deepEqual(c.balanceMismatches, [
    { account: '1910', ib: 10000n, transactions: 6000n, ub: 15000n, difference: 1000n },
    { account: '2440', ib: 0n, transactions: 700n, ub: 0n, difference: 700n },
    { account: '2640', ib: 0n, transactions: -700n, ub: 0n, difference: -700n },
  ]);
  assert.deepEqual(c.resultMismatches, []);
  assert.deepEqual(c.warnings.map((w) => w.code), ['SIE_IB_UB_MISMATCH', 'SIE_IB_UB_MISMATCH', 'SIE_IB_UB_MISMATCH']);
});

test('reports RES ≠ transactions per income-statement account, using #KTYP before the account number', () => {
  const c = check('#KONTO 2999 "Intäkt på udda konto"', '#KTYP 2999 I', '#UB 0 1910 100', '#RES 0 3010 -50',
    '#VER A 1 20240101', '{', '#TRANS 1910 {} 100', '#TRANS 3010 {} -40', '#TRANS 2999 {} -60', '}');
  assert.deepEqual(c.resultMismatches, [
    { account: '2999', res: 0n, transactions: -6000n, difference: -6000n },
    { account: '3010', res: -5000n, transactions: -4000n, difference: 1000n },
  ]);
});

test('ignores year −1 balances, #BTRANS and #RTRANS when reconciling', () => {
  const c = check('#IB 0 1910 0', '#UB 0 1910 10', '#UB -1 1910 999', '#RES 0 3010 -10', '#RES -1 3010 -999',
    '#VER A 1 20240101', '{', '#BTRANS 1910 {} 5', '#RTRANS 1910 {} 10', '#TRANS 1910 {} 10', '#TRANS 3010 {} -10', '}');
  assert.deepEqual([c.unbalancedVouchers, c.balanceMismatches, c.resultMismatches, c.warnings], [[], [], [], []]);
});

test('files without vouchers or without balances are not reconciled', () => {
  assert.deepEqual(check('#IB 0 1910 5', '#UB 0 1910 10').warnings, []);
  assert.deepEqual(check('#VER A 1 20240101', '{', '#TRANS 1910 {} 5', '#TRANS 3010 {} -5', '}').warnings, []);
});

test('flags vouchers outside financial year 0 and a 4E file without #RES', () => {
  const c = check('#UB 0 1910 5', '#VER A 1 20250101', '{', '#TRANS 1910 {} 5', '#TRANS 3010 {} -5', '}');
  assert.deepEqual(c.warnings.map((w) => w.code), ['SIE_VOUCHER_OUTSIDE_YEAR', 'SIE_NO_RES']);
});
