import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CP437_FALLBACKS, decodeCp437, encodeCp437, toCp437Text } from './cp437.ts';

test('Swedish letters have their PC8 bytes', () => {
  const { bytes, substitutions } = encodeCp437('åäöÅÄÖé');
  assert.deepEqual([...bytes], [0x86, 0x84, 0x94, 0x8f, 0x8e, 0x99, 0x82]);
  assert.deepEqual(substitutions, []);
  assert.equal(decodeCp437(bytes), 'åäöÅÄÖé');
});

test('every byte decodes to a character that encodes back to the same byte', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual(encodeCp437(decodeCp437(all)).bytes, all);
});

test('characters CP437 lacks are replaced by readable stand-ins and reported once', () => {
  const r = toCp437Text('Pris 5 € – “bra” ’t € Şişli ☃');
  assert.equal(r.text, 'Pris 5 EUR - "bra" \'t EUR Sisli ?');
  assert.deepEqual(r.substitutions.map((s) => s.char), ['€', '–', '“', '”', '’', 'Ş', 'ş', '☃']);
});

test('every fallback encodes without further substitution', () => {
  for (const [char, replacement] of Object.entries(CP437_FALLBACKS)) {
    assert.deepEqual(toCp437Text(replacement).substitutions, [], char);
  }
});
