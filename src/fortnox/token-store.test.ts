import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EncryptedTokenStore, deriveTokenKey } from './encrypted-token-store.ts';
import { MemoryTokenStore, type StoredConnection } from './token-store.ts';

const ACCESS = 'eyJhbGciOi.access-token-SECRET-123';
const REFRESH = 'a7302e6b-b1cb-4508-b884-cf9abd9a51de';

function connection(): StoredConnection {
  return { mode: 'refresh', accessToken: ACCESS, accessTokenExpiresAt: 1, refreshToken: REFRESH, scope: 'customer', status: 'active', statusReason: null, lease: null, updatedAt: 0 };
}

describe('MemoryTokenStore', () => {
  it('lets only one of two writers holding the same version win', async () => {
    const store = new MemoryTokenStore();
    assert.equal(await store.save('7', connection(), undefined), 1);
    const a = await store.load('7');
    const b = await store.load('7');
    assert.equal(await store.save('7', { ...connection(), refreshToken: 'from-a' }, a?.version), 2);
    assert.equal(await store.save('7', { ...connection(), refreshToken: 'from-b' }, b?.version), null);
    assert.equal((await store.load('7'))?.value.refreshToken, 'from-a');
  });

  it('refuses to create a record that already exists', async () => {
    const store = new MemoryTokenStore();
    await store.save('7', connection(), undefined);
    assert.equal(await store.save('7', connection(), undefined), null);
  });
});

describe('EncryptedTokenStore', () => {
  const key = deriveTokenKey(randomBytes(32));

  it('never lets the tokens reach the inner store in clear', async () => {
    const inner = new MemoryTokenStore();
    const store = new EncryptedTokenStore(inner, key);
    await store.save('7', connection(), undefined);
    const stored = inner.dump();
    assert.ok(!stored.includes(ACCESS), 'access token not in stored bytes');
    assert.ok(!stored.includes(REFRESH), 'refresh token not in stored bytes');
    assert.ok(!stored.includes('access-token-SECRET'));
    assert.ok(!stored.includes(Buffer.from(REFRESH).toString('base64')));
    const back = await store.load('7');
    assert.equal(back?.value.accessToken, ACCESS);
    assert.equal(back?.value.refreshToken, REFRESH);
    assert.equal(back?.version, 1);
  });

  it('refuses a token copied into another tenant’s record', async () => {
    const inner = new MemoryTokenStore();
    const store = new EncryptedTokenStore(inner, key);
    await store.save('7', connection(), undefined);
    const raw = await inner.load('7');
    await inner.save('8', raw!.value, undefined);
    await assert.rejects(store.load('8'), (e: Error & { code?: string }) => e.code === 'FORTNOX_TOKEN_UNREADABLE');
  });

  it('refuses to read with the wrong key', async () => {
    const inner = new MemoryTokenStore();
    await new EncryptedTokenStore(inner, key).save('7', connection(), undefined);
    await assert.rejects(new EncryptedTokenStore(inner, randomBytes(32)).load('7'), /cannot be decrypted/);
  });

  it('keeps compare-and-set semantics of the store it wraps', async () => {
    const store = new EncryptedTokenStore(new MemoryTokenStore(), key);
    await store.save('7', connection(), undefined);
    assert.equal(await store.save('7', connection(), 5), null);
  });
});
