import { createCipheriv, createDecipheriv, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { FORTNOX_DICTIONARY_1 } from './dictionary-fortnox-1.ts';

/** Every blob type; the type is part of the associated data, so a blob cannot pass for another kind. */
export type BlobType = 'record' | 'tree' | 'attachment' | 'chunk';
/** Kinds of whole objects that are encrypted as one unit. */
export type ObjectKind = 'pack-header' | 'index' | 'manifest' | 'gc-mark' | 'tenant-keys';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** Bytes an encrypted unit adds to its compressed plaintext. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;
const AD_PREFIX = 'noxbackup/1';

/**
 * The associated data of every ciphertext: format, tenant, type and id. Decrypting with any other
 * tenant, type or id fails authentication (borg's "Horton principle": authenticate meaning, not only bytes).
 */
export function associatedData(tenantId: string, type: BlobType | ObjectKind, id: string): Buffer {
  return Buffer.from(`${AD_PREFIX}\0${tenantId}\0${type}\0${id}`, 'utf8');
}

/** AES-256-GCM with a fresh random 96-bit nonce: `nonce ‖ ciphertext ‖ tag`. */
export function seal(key: Buffer, plaintext: Buffer, ad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(ad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Returns the plaintext, or undefined if the ciphertext, its associated data or the key is not right. */
export function unseal(key: Buffer, sealed: Buffer, ad: Buffer): Buffer | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(ad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * Compressed payloads start with a codec byte, so a reader always knows how a blob was written:
 * 0 = zstd; 1 = zstd with the fixed dictionary "fortnox-1" (Fortnox field names in canonical key
 * order). Small JSON records gain about 2.5× from the dictionary; everything else uses plain zstd.
 * A new dictionary gets a new codec number; existing ones never change.
 */
export const CODEC_ZSTD = 0;
export const CODEC_ZSTD_FORTNOX_1 = 1;

export function compress(data: Buffer, codec: number = CODEC_ZSTD): Buffer {
  const frame = codec === CODEC_ZSTD_FORTNOX_1 ? zstdCompressSync(data, { dictionary: FORTNOX_DICTIONARY_1 }) : zstdCompressSync(data);
  return Buffer.concat([Buffer.of(codec), frame]);
}

export function decompress(data: Buffer): Buffer {
  const codec = data[0];
  const frame = data.subarray(1);
  if (codec === CODEC_ZSTD) return zstdDecompressSync(frame);
  if (codec === CODEC_ZSTD_FORTNOX_1) return zstdDecompressSync(frame, { dictionary: FORTNOX_DICTIONARY_1 });
  throw new Error(`unknown compression codec ${String(codec)} (written by a newer Noxbackup?)`);
}

export function hmacHex(key: Buffer | KeyObject, ...parts: (Buffer | string)[]): string {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * A blob's id: HMAC-SHA-256 with the tenant's id key. A record's id is the HMAC of its canonical bytes
 * exactly; other types prefix `type\0`, which no JSON text begins with, so a record, a chunk and a
 * tree node can never share an id.
 */
export function blobIdOf(idKey: Buffer | KeyObject, type: BlobType, bytes: Buffer): string {
  return type === 'record' ? hmacHex(idKey, bytes) : hmacHex(idKey, `${type}\0`, bytes);
}

export const BLOB_ID = /^[0-9a-f]{64}$/;
