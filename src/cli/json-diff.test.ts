import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffJson } from './json-diff.ts';

describe('diffJson', () => {
  it('names changed, added and removed fields by path, down into rows', () => {
    const from = { Customer: { Name: 'A', Phone1: '1', Rows: [{ Price: 1 }, { Price: 2 }] } };
    const to = { Customer: { Name: 'B', Email: 'x@y.se', Rows: [{ Price: 1 }, { Price: 3 }, { Price: 4 }] } };
    assert.deepEqual(diffJson(from, to), [
      { path: 'Customer.Email', to: 'x@y.se' },
      { path: 'Customer.Name', from: 'A', to: 'B' },
      { path: 'Customer.Phone1', from: '1' },
      { path: 'Customer.Rows[1].Price', from: 2, to: 3 },
      { path: 'Customer.Rows[2]', to: { Price: 4 } },
    ]);
  });

  it('finds nothing between equal values and keeps "0" apart from 0', () => {
    assert.deepEqual(diffJson({ a: [1, { b: null }] }, { a: [1, { b: null }] }), []);
    assert.deepEqual(diffJson({ a: '0' }, { a: 0 }), [{ path: 'a', from: '0', to: 0 }]);
  });
});
