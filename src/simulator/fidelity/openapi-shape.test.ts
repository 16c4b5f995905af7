import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenApiShapes } from './openapi-shape.ts';
import { loadRecordedInteractions } from './cassettes.ts';

const shapes = OpenApiShapes.load();
const recorded = loadRecordedInteractions();

test('the recordings cover the data sets and both error casings', () => {
  assert.ok(recorded.length >= 69, `expected the full set of cassettes, got ${recorded.length}`);
  assert.ok(recorded.some((r) => r.status === 404 && r.body.includes('"Code"')));
  assert.ok(recorded.some((r) => r.status === 400 && r.body.includes('"code"')));
});

test('every real recorded Fortnox API response passes the patched shape check', () => {
  let checked = 0;
  for (const r of recorded.filter((x) => x.url.pathname.startsWith('/3/'))) {
    const result = shapes.checkResponse(r.method, r.url.pathname, r.status, r.headers['content-type'] ?? '', JSON.parse(r.body));
    assert.deepEqual(result.problems, [], `${r.file}: ${r.method} ${r.url.pathname} → ${result.template}`);
    checked++;
  }
  assert.ok(checked >= 65, `checked ${checked}`);
});

test('routes a concrete path to the most specific operation', () => {
  assert.equal(shapes.findOperation('GET', '/3/vouchers/sublist/A')?.template, '/3/vouchers/sublist/{VoucherSeries}');
  assert.equal(shapes.findOperation('GET', '/3/vouchers/A/12')?.template, '/3/vouchers/{VoucherSeries}/{VoucherNumber}');
  assert.equal(shapes.findOperation('GET', '/3/invoices/7/preview')?.template, '/3/invoices/{DocumentNumber}/preview');
  assert.equal(shapes.findOperation('GET', '/3/customers/')?.template, '/3/customers');
});

test('rejects an invented field, a missing MetaInformation and a wrong structure', () => {
  const item = { '@url': 'x', CustomerNumber: '1', Name: 'Åsa' };
  const good = { MetaInformation: { '@TotalResources': 1, '@TotalPages': 1, '@CurrentPage': 1 }, Customers: [item] };
  assert.deepEqual(shapes.checkResponse('GET', '/3/customers', 200, 'application/json', good).problems, []);

  const invented = shapes.checkResponse('GET', '/3/customers', 200, 'application/json', { ...good, Customers: [{ ...item, Favourite: true }] });
  assert.deepEqual(invented.problems.map((p) => p.path), ['/Customers/0/Favourite']);

  const noMeta = shapes.checkResponse('GET', '/3/customers', 200, 'application/json', { Customers: [item] });
  assert.deepEqual(noMeta.problems.map((p) => p.path), ['/MetaInformation']);

  const wrong = shapes.checkResponse('GET', '/3/customers/1', 200, 'application/json', { Customer: [item] });
  assert.match(wrong.problems[0]?.message ?? '', /expected an object/);

  const notNumber = shapes.checkResponse('GET', '/3/customers', 200, 'application/json', { ...good, MetaInformation: { '@TotalResources': 'many', '@TotalPages': 1, '@CurrentPage': 1 } });
  assert.match(notNumber.problems[0]?.message ?? '', /expected a number/);
});

test('errors are checked against both casings and binary bodies by content type', () => {
  const lower = { ErrorInformation: { error: 1, message: 'Ett ogiltigt filter har använts.', code: 2000587 } };
  assert.deepEqual(shapes.checkResponse('GET', '/3/invoices', 400, 'application/json', lower).problems, []);
  assert.notDeepEqual(shapes.checkResponse('GET', '/3/invoices', 400, 'application/json', { error: 'x' }).problems, []);
  assert.deepEqual(shapes.checkResponse('GET', '/3/invoices/1/preview', 200, 'application/pdf', undefined).problems, []);
  assert.notDeepEqual(shapes.checkResponse('GET', '/3/invoices/1/preview', 200, 'text/html', undefined).problems, []);
  assert.deepEqual(shapes.checkResponse('GET', '/3/sie/4', 200, 'application/octet-stream', undefined).problems, []);
  assert.notDeepEqual(shapes.checkResponse('GET', '/3/nosuchthing', 200, 'application/json', {}).problems, []);
});
