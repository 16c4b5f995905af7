import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashToken, newToken } from './tokens.ts';

describe('tokens', () => {
  it('makes 256-bit base64url tokens, a different one each time', () => {
    const a = newToken();
    const b = newToken();
    assert.match(a.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a.token, 'base64url').length, 32);
    assert.notEqual(a.token, b.token);
    assert.notEqual(a.hash, b.hash);
  });

  it('stores the SHA-256 of the token, which hashToken finds again', () => {
    const { token, hash } = newToken();
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(hashToken(token), hash);
    assert.notEqual(hashToken(`${token}x`), hash);
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
