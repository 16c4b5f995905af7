import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { NoxError } from '../errors.ts';
import type { StoredConnection, TokenStore, VersionedConnection } from './token-store.ts';

const PREFIX = 'nxt1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte token key derived from a master key, so one configured secret can serve several purposes. */
export function deriveTokenKey(masterKey: Uint8Array): Buffer {
  if (masterKey.length < 32) throw new RangeError('the master key must be at least 32 bytes');
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('noxbackup'), Buffer.from('fortnox-token-store v1'), 32));
}

/**
 * Wraps any `TokenStore` so the access and refresh tokens are AES-256-GCM encrypted before they reach
 * it. The associated data names the tenant and the field, so a ciphertext copied to another tenant's
 * record (or from one field to the other) fails to decrypt instead of being used.
 */
export class EncryptedTokenStore implements TokenStore {
  readonly #inner: TokenStore;
  readonly #key: Buffer;

  constructor(inner: TokenStore, key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`the token key must be 32 bytes, got ${key.length}`);
    this.#inner = inner;
    this.#key = Buffer.from(key);
  }

  async load(tenantId: string): Promise<VersionedConnection | undefined> {
    const r = await this.#inner.load(tenantId);
    if (r === undefined) return undefined;
    return {
      version: r.version,
      value: {
        ...r.value,
        accessToken: this.#open(tenantId, 'accessToken', r.value.accessToken),
        refreshToken: this.#open(tenantId, 'refreshToken', r.value.refreshToken),
      },
    };
  }

  save(tenantId: string, value: StoredConnection, expectedVersion: number | undefined): Promise<number | null> {
    return this.#inner.save(
      tenantId,
      { ...value, accessToken: this.#seal(tenantId, 'accessToken', value.accessToken), refreshToken: this.#seal(tenantId, 'refreshToken', value.refreshToken) },
      expectedVersion,
    );
  }

  delete(tenantId: string): Promise<void> {
    return this.#inner.delete(tenantId);
  }

  #aad(tenantId: string, field: string): Buffer {
    return Buffer.from(`noxbackup/fortnox-token/v1\0${tenantId}\0${field}`, 'utf8');
  }

  #seal(tenantId: string, field: string, plain: string | null): string | null {
    if (plain === null) return null;
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    c.setAAD(this.#aad(tenantId, field));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return PREFIX + Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64url');
  }

  #open(tenantId: string, field: string, sealed: string | null): string | null {
    if (sealed === null) return null;
    if (!sealed.startsWith(PREFIX)) throw new NoxError('FORTNOX_TOKEN_UNREADABLE', `The stored ${field} for tenant ${tenantId} is not encrypted; refusing to use it`);
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    try {
      const d = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      d.setAAD(this.#aad(tenantId, field));
      d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString('utf8');
    } catch (cause) {
      throw new NoxError('FORTNOX_TOKEN_UNREADABLE', `The stored ${field} for tenant ${tenantId} cannot be decrypted (wrong key, or copied from another tenant)`, { cause });
    }
  }
}
