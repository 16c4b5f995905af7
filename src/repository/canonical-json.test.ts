import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, canonicalJsonFromText } from './canonical-json.ts';
import { isRepoError } from './errors.ts';

test('sorts keys, drops insignificant whitespace and keeps "0" and 0 apart', () => {
  assert.equal(canonicalJson({ b: '0', a: 0, c: { z: [1, '1'], y: null } }), '{"a":0,"b":"0","c":{"y":null,"z":[1,"1"]}}');
  assert.notEqual(canonicalJson({ v: '0' }), canonicalJson({ v: 0 }));
});

test('gives the same bytes for the same record whatever order its keys came in', () => {
  assert.equal(canonicalJson({ Name: 'Åke', Id: 1 }), canonicalJson({ Id: 1, Name: 'Åke' }));
});

test('keeps strings exactly, escaping only what JSON requires', () => {
  const s = 'Räksmörgås "citat" \\ \n\t\u0001 😀 </script>';
  assert.equal((JSON.parse(canonicalJson({ s })) as { s: string }).s, s);
  assert.equal(canonicalJson('é'), '"é"');
});

test('keeps the spelling of numbers given as JSON text', () => {
  assert.equal(canonicalJsonFromText('{ "b": 100.50, "a": 1E2, "c": 12345678901234567890, "d": -0.0 }'), '{"a":1E2,"b":100.50,"c":12345678901234567890,"d":-0.0}');
  assert.equal(canonicalJsonFromText(' [ "0" , 0 , true , null ] '), '["0",0,true,null]');
});

test('refuses what is not JSON: NaN, undefined, duplicate keys, trailing text, class instances', () => {
  for (const bad of [Number.NaN, Infinity, undefined, () => 1, 10n, new Date(0), { a: undefined }]) {
    assert.throws(() => canonicalJson(bad), (e) => isRepoError(e, 'REPO_BAD_INPUT'), typeof bad);
  }
  for (const bad of ['{"a":1,"a":2}', '{"a":1} x', '[1,]', '01', '{"a":"\u0001"}', '']) {
    assert.throws(() => canonicalJsonFromText(bad), (e) => isRepoError(e, 'REPO_BAD_INPUT'), bad);
  }
});

test('treats a key named __proto__ as an ordinary key', () => {
  assert.equal(canonicalJsonFromText('{"__proto__":{"x":1},"a":2}'), '{"__proto__":{"x":1},"a":2}');
  assert.equal(canonicalJson(JSON.parse('{"__proto__":1}')), '{"__proto__":1}');
});
