import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { NoxError } from '../errors.ts';
import { findMasterKey, type MasterKeyring } from '../repository/master-keys.ts';

/**
 * Small secrets the web app must read back (a user's TOTP secret, a PKCE verifier in flight), sealed
 * with AES-256-GCM under a key derived from a master key for one purpose. The associated data names the
 * purpose and the record (e.g. the user id), so a ciphertext copied to another user's row, or from one
 * column to another, fails to open instead of being used.
 *
 * Layout: version byte (1) ‖ 12-byte IV ‖ 16-byte tag ‖ ciphertext.
 */

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PURPOSE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function purposeKey(masterKey: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('noxbackup'), Buffer.from(`secret-box v1\0${purpose}`), 32));
}

function associatedData(purpose: string, context: string): Buffer {
  // The purpose has no NUL (checked), so purpose and context cannot be confused at the separator.
  return Buffer.from(`noxbackup/secret-box/v1\0${purpose}\0${context}`, 'utf8');
}

function checkPurpose(purpose: string): void {
  if (!PURPOSE.test(purpose)) throw new RangeError(`secret-box purpose must match ${PURPOSE.source}, got ${JSON.stringify(purpose)}`);
}

/** Seals `plaintext` under the ring's current master key; store `keyId` beside the ciphertext. */
export function sealSecret(ring: MasterKeyring, purpose: string, context: string, plaintext: string): { ciphertext: Uint8Array; keyId: string } {
  checkPurpose(purpose);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', purposeKey(ring.current.key, purpose), iv);
  cipher.setAAD(associatedData(purpose, context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { ciphertext: new Uint8Array(Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body])), keyId: ring.current.id };
}

/**
 * Opens what `sealSecret` sealed with the same purpose and context, under the master key `keyId` names
 * (current or old). Throws NoxError SECRET_UNREADABLE when that key is not configured or the ciphertext
 * does not open.
 */
export function openSecret(ring: MasterKeyring, purpose: string, context: string, ciphertext: Uint8Array, keyId: string): string {
  checkPurpose(purpose);
  const master = findMasterKey(ring, keyId);
  if (master === undefined) {
    throw new NoxError(
      'SECRET_UNREADABLE',
      `The stored ${purpose} secret for ${context} was encrypted under master key "${keyId}", which this process does not have; add that key to NOX_MASTER_KEYS_OLD (id:base64)`,
      { details: { purpose, keyId } },
    );
  }
  const raw = Buffer.from(ciphertext);
  try {
    if (raw.length < 1 + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) throw new Error(`not a version ${VERSION} secret box`);
    const decipher = createDecipheriv('aes-256-gcm', purposeKey(master.key, purpose), raw.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(associatedData(purpose, context));
    decipher.setAuthTag(raw.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new NoxError(
      'SECRET_UNREADABLE',
      `The stored ${purpose} secret for ${context} cannot be decrypted with master key "${keyId}" (the key with that id changed, or the value was damaged or copied from another record); set it up again`,
      { details: { purpose, keyId }, cause },
    );
  }
}
