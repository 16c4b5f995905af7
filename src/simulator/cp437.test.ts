import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCp437, encodeCp437 } from './cp437.ts';

test('encodes Swedish letters to their CP437 bytes and back', () => {
  assert.deepEqual([...encodeCp437('åäöÅÄÖéÉ')], [0x86, 0x84, 0x94, 0x8f, 0x8e, 0x99, 0x82, 0x90]);
  assert.equal(decodeCp437(encodeCp437('Årets resultat: Öresutjämning é')), 'Årets resultat: Öresutjämning é');
});

test('maps every byte to one character and back', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const text = decodeCp437(all);
  assert.equal([...text].length, 256);
  assert.deepEqual(encodeCp437(text), all);
});

test('writes characters CP437 lacks as their nearest ASCII or a question mark', () => {
  assert.equal(decodeCp437(encodeCp437('100 € – ”ok”')), '100 EUR - "ok"');
  assert.equal(decodeCp437(encodeCp437('漢')), '?');
});
