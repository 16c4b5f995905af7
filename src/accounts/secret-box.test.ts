import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { NoxError } from '../errors.ts';
import type { MasterKeyring } from '../repository/master-keys.ts';
import { openSecret, sealSecret } from './secret-box.ts';

const key = (id: string) => ({ id, key: randomBytes(32) });
const unreadable = (err: unknown): boolean => err instanceof NoxError && err.code === 'SECRET_UNREADABLE';

describe('secret box', () => {
  const ring: MasterKeyring = { current: key('2026-01'), old: [] };

  it('opens what it sealed, under the current key, without the plaintext showing in the ciphertext', () => {
    const sealed = sealSecret(ring, 'totp', 'user-1', 'JBSWY3DPEHPK3PXP');
    assert.equal(sealed.keyId, '2026-01');
    assert.ok(sealed.ciphertext instanceof Uint8Array);
    assert.ok(!Buffer.from(sealed.ciphertext).toString('latin1').includes('JBSWY3DP'));
    assert.equal(openSecret(ring, 'totp', 'user-1', sealed.ciphertext, sealed.keyId), 'JBSWY3DPEHPK3PXP');
    assert.notDeepEqual(sealSecret(ring, 'totp', 'user-1', 'JBSWY3DPEHPK3PXP').ciphertext, sealed.ciphertext);
  });

  it('refuses a ciphertext moved to another user or used for another purpose', () => {
    const sealed = sealSecret(ring, 'totp', 'user-1', 'secret');
    assert.throws(() => openSecret(ring, 'totp', 'user-2', sealed.ciphertext, sealed.keyId), unreadable);
    assert.throws(() => openSecret(ring, 'pkce', 'user-1', sealed.ciphertext, sealed.keyId), unreadable);
  });

  it('refuses a damaged or truncated ciphertext', () => {
    const sealed = sealSecret(ring, 'pkce', 'state-1', 'verifier');
    const flipped = Uint8Array.from(sealed.ciphertext);
    flipped[flipped.length - 1]! ^= 1;
    assert.throws(() => openSecret(ring, 'pkce', 'state-1', flipped, sealed.keyId), unreadable);
    assert.throws(() => openSecret(ring, 'pkce', 'state-1', sealed.ciphertext.subarray(0, 20), sealed.keyId), unreadable);
  });

  it('still opens secrets sealed under a key that has since become an old key', () => {
    const sealed = sealSecret(ring, 'totp', 'user-1', 'secret');
    const rotated: MasterKeyring = { current: key('2026-07'), old: [ring.current] };
    assert.equal(openSecret(rotated, 'totp', 'user-1', sealed.ciphertext, sealed.keyId), 'secret');
    assert.equal(sealSecret(rotated, 'totp', 'user-1', 'secret').keyId, '2026-07');
  });

  it('names the missing key and where to configure it when the key id is unknown', () => {
    const sealed = sealSecret(ring, 'totp', 'user-1', 'secret');
    const other: MasterKeyring = { current: key('2027-01'), old: [] };
    assert.throws(
      () => openSecret(other, 'totp', 'user-1', sealed.ciphertext, sealed.keyId),
      (err: unknown) => unreadable(err) && /"2026-01"/.test((err as Error).message) && /NOX_MASTER_KEYS_OLD/.test((err as Error).message),
    );
    // Same id, different key bytes: the id alone must not be trusted.
    const impostor: MasterKeyring = { current: key('2026-01'), old: [] };
    assert.throws(() => openSecret(impostor, 'totp', 'user-1', sealed.ciphertext, sealed.keyId), unreadable);
  });

  it('rejects a purpose that could blur into the context', () => {
    assert.throws(() => sealSecret(ring, 'to\0tp', 'user-1', 'secret'), RangeError);
  });
});
