import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BAS_ACCOUNTS, basAccount, isBalanceSheetAccount, sieAccountType, sruFor } from './bas.ts';

test('the chart has a few hundred unique accounts with descriptions and SRU codes', () => {
  assert.ok(BAS_ACCOUNTS.length >= 250, `${BAS_ACCOUNTS.length} accounts`);
  assert.equal(new Set(BAS_ACCOUNTS.map((a) => a.number)).size, BAS_ACCOUNTS.length);
  for (const a of BAS_ACCOUNTS) {
    assert.ok(a.number >= 1000 && a.number <= 8999);
    assert.ok(a.description.length > 2);
    assert.ok(a.sru > 7000, `SRU of ${a.number}`);
  }
  assert.ok(BAS_ACCOUNTS.some((a) => !a.active), 'some accounts are inactive');
});

test('the accounts the bookkeeping relies on are there, with Fortnox VAT codes', () => {
  const expect: [number, string, string][] = [
    [1510, 'Kundfordringar', ''], [1910, 'Kassa', ''], [1930, 'Företagskonto/checkkonto/affärskonto', ''], [2440, 'Leverantörsskulder', ''],
    [2611, 'Utgående moms på försäljning inom Sverige, 25 %', 'U1'], [2621, 'Utgående moms på försäljning inom Sverige, 12 %', 'U2'],
    [2631, 'Utgående moms på försäljning inom Sverige, 6 %', 'U3'], [2641, 'Debiterad ingående moms', 'I'], [2650, 'Redovisningskonto för moms', ''],
    [2091, 'Balanserad vinst eller förlust', ''], [2099, 'Årets resultat', ''], [3001, 'Försäljning inom Sverige, 25 % moms', 'MP1'],
    [3002, 'Försäljning inom Sverige, 12 % moms', 'MP2'], [3003, 'Försäljning inom Sverige, 6 % moms', 'MP3'], [3740, 'Öres- och kronutjämning', ''],
    [8999, 'Årets resultat', ''],
  ];
  for (const [n, description, vat] of expect) {
    assert.equal(basAccount(n).description, description);
    assert.equal(basAccount(n).vatCode, vat);
  }
  assert.throws(() => basAccount(1234), RangeError);
});

test('classifies accounts for the balance sheet, SIE and SRU', () => {
  assert.ok(isBalanceSheetAccount(2099) && !isBalanceSheetAccount(3001));
  assert.deepEqual([1930, 2440, 3001, 5010, 8311, 8410].map(sieAccountType), ['T', 'S', 'I', 'K', 'I', 'K']);
  assert.deepEqual([1510, 1930, 2440, 3001, 5010, 7210, 8999].map(sruFor), [7251, 7281, 7365, 7410, 7513, 7514, 7450]);
});
