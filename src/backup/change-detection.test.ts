import assert from 'node:assert/strict';
import { it } from 'node:test';
import { listItemDiffers, RefreshPlan, withoutUrl } from './change-detection.ts';
import { pickSample } from './steps.ts';

it('drops every @url link at any depth and keeps everything else', () => {
  const detail = { '@url': 'http://x/3/invoices/1', '@urlTaxReductionList': 'http://x/3/taxreductions', Total: 10, Rows: [{ '@url': 'r', A: 1 }], Nested: { '@url': 'n', B: null } };
  assert.deepEqual(withoutUrl(detail), { Total: 10, Rows: [{ A: 1 }], Nested: { B: null } });
});

it('sees no change where the list only spells a value differently from the detail', () => {
  const stored = { ArticleNumber: '1001', SalesPrice: 652.9, VAT: 25, StockPlace: null, Phone1: '08-1', Active: true };
  assert.equal(listItemDiffers({ '@url': 'u', ArticleNumber: '1001', SalesPrice: '652.9', VAT: '25', StockPlace: '', Phone: '08-2', Active: true }, stored), false);
});

it('sees a change in any field the list and the detail share', () => {
  const stored = { SupplierNumber: '1', IBAN: 'SE15', BG: '' };
  assert.equal(listItemDiffers({ SupplierNumber: '1', IBAN: 'SE99', BG: '' }, stored), true);
  assert.equal(listItemDiffers({ SupplierNumber: '1', IBAN: 'SE15', BG: '123-4567' }, stored), true);
  assert.equal(listItemDiffers({ SupplierNumber: '1' }, undefined), true);
});

it('re-reads every record exactly once in every N runs', () => {
  const keys = Array.from({ length: 3000 }, (_, i) => String(i));
  const seen = new Map<string, number>();
  for (let seq = 1; seq <= 30; seq++) {
    const plan = new RefreshPlan(1 / 30, seq);
    for (const k of keys) if (plan.due('customers', k)) seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  assert.equal(seen.size, keys.length);
  assert.ok([...seen.values()].every((n) => n === 1));
  assert.equal(new RefreshPlan(0, 5).due('customers', '1'), false);
});

it('samples a different window of the keys each run, all of them over enough runs', () => {
  const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  assert.deepEqual(pickSample(keys, 3, 0), ['a', 'b', 'c']);
  assert.deepEqual(pickSample(keys, 3, 1), ['d', 'e', 'f']);
  const all = new Set<string>();
  for (let seq = 0; seq < 3; seq++) for (const k of pickSample(keys, 3, seq)) all.add(k);
  assert.equal(all.size, keys.length);
  assert.deepEqual(pickSample(['x'], 5, 3), ['x']);
  assert.deepEqual(pickSample(keys, 0, 3), []);
});
