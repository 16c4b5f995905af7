import type { Readable } from 'node:stream';
import { NoxError } from '../errors.ts';

/** Metadata of one stored object. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly modified: Date;
}

/**
 * The port every repository object goes through: the local filesystem (default) or an S3-compatible
 * store. Keys are `/`-separated relative paths of safe characters (`[A-Za-z0-9._/-]`), never starting
 * with `/` and never containing `..`. Objects are immutable once written except where a caller
 * deliberately overwrites (e.g. a lock); the repository relies on these guarantees:
 *  - `put` is atomic: a reader sees the whole object or no object, never a prefix, even after a crash;
 *  - `put` with `ifAbsent` fails with ObjectExistsError rather than overwrite (used for locks);
 *  - `get` of a missing key throws ObjectNotFoundError (code `STORAGE_NOT_FOUND`);
 *  - `list` yields every object under a prefix, in no particular order, without holding them all.
 */
export interface ObjectStore {
  /** A short description for messages, e.g. `fs:/var/lib/noxbackup/repo` or `s3:bucket/prefix`. */
  readonly description: string;
  put(key: string, data: Buffer | Readable, options?: { ifAbsent?: boolean }): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Streams a (large) object; errors as for `get`. */
  getStream(key: string): Promise<Readable>;
  /** Reads `length` bytes from `offset` (pack files are read by range). */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  head(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

export class ObjectNotFoundError extends NoxError {
  constructor(store: string, key: string) {
    super('STORAGE_NOT_FOUND', `Object ${key} is missing from ${store}`, { details: { store, key } });
    this.name = 'ObjectNotFoundError';
  }
}

export class ObjectExistsError extends NoxError {
  constructor(store: string, key: string) {
    super('STORAGE_EXISTS', `Object ${key} already exists in ${store}`, { details: { store, key } });
    this.name = 'ObjectExistsError';
  }
}

export class StorageError extends NoxError {
  constructor(store: string, operation: string, key: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('STORAGE_FAILED', `${operation} ${key} on ${store} failed: ${reason}`, { cause, details: { store, operation, key } });
    this.name = 'StorageError';
  }
}

const SAFE_KEY = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9._\-/]+$/;

/** Rejects keys that could escape the store's root or mean different things on different stores. */
export function assertValidKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.endsWith('/') || key.includes('//')) {
    throw new NoxError('STORAGE_BAD_KEY', `Invalid object key ${JSON.stringify(key)}`);
  }
}
