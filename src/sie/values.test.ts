import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAmount, parseAmount, parseDate, parsePeriod } from './values.ts';

test('amounts with 0, 1 or 2 decimals become exact öre', () => {
  assert.deepEqual(parseAmount('802'), { ore: 80200n, rounded: false });
  assert.deepEqual(parseAmount('-3.4'), { ore: -340n, rounded: false });
  assert.deepEqual(parseAmount('-137.00'), { ore: -13700n, rounded: false });
  assert.deepEqual(parseAmount('0.1'), { ore: 10n, rounded: false });
});

test('amounts beyond any float precision stay exact', () => {
  assert.equal(parseAmount('123456789012345678.91')?.ore, 12345678901234567891n);
  assert.equal(formatAmount(12345678901234567891n), '123456789012345678.91');
});

test('more than two decimals are rounded half away from zero and flagged', () => {
  assert.deepEqual(parseAmount('1.005'), { ore: 101n, rounded: true });
  assert.deepEqual(parseAmount('-1.004'), { ore: -100n, rounded: true });
  assert.deepEqual(parseAmount('2.500'), { ore: 250n, rounded: false });
});

test('a plus sign, a comma or a bare point is not an amount', () => {
  for (const bad of ['+5.00', '5,00', '.5', '5.', '', '1 000', '1e3']) assert.equal(parseAmount(bad), undefined, bad);
});

test('amounts are written as -?digits.two-decimals', () => {
  assert.equal(formatAmount(0n), '0.00');
  assert.equal(formatAmount(-5n), '-0.05');
  assert.equal(formatAmount(-340n), '-3.40');
  assert.equal(formatAmount(80200n), '802.00');
});

test('dates must be real calendar dates', () => {
  assert.equal(parseDate('20240229'), '2024-02-29');
  assert.equal(parseDate('20230229'), undefined);
  assert.equal(parseDate('19000229'), undefined);
  assert.equal(parseDate('20000229'), '2000-02-29');
  assert.equal(parseDate('20210431'), undefined);
  assert.equal(parseDate('2018-05-02'), undefined);
  assert.equal(parsePeriod('202110'), '2021-10');
  assert.equal(parsePeriod('202113'), undefined);
});
