import { createSecretKey, type KeyObject } from 'node:crypto';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.ts';
import { NoxError } from '../errors.ts';
import { associatedData, blobIdOf, CODEC_ZSTD, CODEC_ZSTD_FORTNOX_1, compress, decompress, seal, unseal, type BlobType, type ObjectKind } from './crypto.ts';
import { corruptBlob, corruptObject, missingObject, RepoError } from './errors.ts';
import type { Layout } from './layout.ts';
import type { TenantKeys } from './tenant-keys.ts';

/**
 * One tenant's view of the store with its keys: turns plaintext into sealed bytes and back, and
 * turns storage failures into named repository errors. Everything above this file works in plaintext.
 */
export class Vault {
  readonly store: ObjectStore;
  readonly layout: Layout;
  readonly keys: TenantKeys;
  readonly tenantId: string;
  /** The id key as a KeyObject: creating one per HMAC would cost more than the HMAC itself. */
  readonly idKey: KeyObject;

  constructor(store: ObjectStore, layout: Layout, keys: TenantKeys) {
    this.store = store;
    this.layout = layout;
    this.keys = keys;
    this.tenantId = keys.tenantId;
    this.idKey = createSecretKey(keys.idKey);
  }

  blobId(type: BlobType, raw: Buffer): string {
    return blobIdOf(this.idKey, type, raw);
  }

  /** zstd, then AES-256-GCM with the data key; AD = tenant, type, id. */
  sealBlob(type: BlobType, id: string, raw: Buffer): Buffer {
    return seal(this.keys.dataKey, compress(raw, type === 'record' ? CODEC_ZSTD_FORTNOX_1 : CODEC_ZSTD), associatedData(this.tenantId, type, id));
  }

  /** Opens a blob and checks that its content really has the id it was asked for. */
  openBlob(object: string, type: BlobType, id: string, sealed: Buffer): Buffer {
    const compressed = unseal(this.keys.dataKey, sealed, associatedData(this.tenantId, type, id));
    if (compressed === undefined) throw corruptBlob(object, id, type, 'authentication failed (bit rot, truncation, or a blob of another tenant, type or id)');
    let raw: Buffer;
    try {
      raw = decompress(compressed);
    } catch (err) {
      throw corruptBlob(object, id, type, 'does not decompress', err);
    }
    if (this.blobId(type, raw) !== id) throw corruptBlob(object, id, type, 'content does not match its id');
    return raw;
  }

  sealObject(kind: ObjectKind, id: string, value: unknown): Buffer {
    return seal(this.keys.dataKey, compress(Buffer.from(JSON.stringify(value), 'utf8')), associatedData(this.tenantId, kind, id));
  }

  sealObjectBytes(kind: ObjectKind, id: string, plain: Buffer): Buffer {
    return seal(this.keys.dataKey, compress(plain), associatedData(this.tenantId, kind, id));
  }

  openObjectBytes(object: string, kind: ObjectKind, id: string, sealed: Buffer): Buffer {
    const compressed = unseal(this.keys.dataKey, sealed, associatedData(this.tenantId, kind, id));
    if (compressed === undefined) throw corruptObject(object, kind, 'authentication failed');
    try {
      return decompress(compressed);
    } catch (err) {
      throw corruptObject(object, kind, 'does not decompress', err);
    }
  }

  openObject<T>(object: string, kind: ObjectKind, id: string, sealed: Buffer): T {
    const plain = this.openObjectBytes(object, kind, id, sealed);
    try {
      return JSON.parse(plain.toString('utf8')) as T;
    } catch (err) {
      throw corruptObject(object, kind, 'not JSON', err);
    }
  }

  /** `get` with a missing object reported as REPO_MISSING_OBJECT naming what needed it. */
  async get(key: string, context: string): Promise<Buffer> {
    try {
      return await this.store.get(key);
    } catch (err) {
      throw translate(err, key, context);
    }
  }

  async getRange(key: string, offset: number, length: number, context: string): Promise<Buffer> {
    try {
      return await this.store.getRange(key, offset, length);
    } catch (err) {
      throw translate(err, key, context);
    }
  }
}

function translate(err: unknown, key: string, context: string): unknown {
  if (err instanceof ObjectNotFoundError) return missingObject(key, context, err);
  if (err instanceof NoxError && err.code === 'STORAGE_RANGE') {
    return new RepoError('REPO_CORRUPT_PACK', `Pack ${key} is truncated: a blob runs past its end (${context})`, { object: key, reason: 'truncated' }, err);
  }
  return err;
}
