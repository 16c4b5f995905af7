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
 * with `/` and never containing a `.` or `..` segment. Objects are immutable once written except where a caller
 * deliberately overwrites (e.g. a lock). A key is never also the folder of another key (`a` beside
 * `a/b`): a filesystem cannot hold both. The repository relies on these guarantees:
 *  - `put` is atomic: a reader sees the whole object or no object, never a prefix, even after a crash;
 *  - `put` with `ifAbsent` fails with ObjectExistsError rather than overwrite (used for locks);
 *  - `get` of a missing key throws ObjectNotFoundError (code `STORAGE_NOT_FOUND`);
 *  - `list` yields every object under a prefix, in no particular order, without holding them all;
 *  - `getRange` returns exactly `length` bytes or throws (code `STORAGE_RANGE` when the range runs past
 *    the end of the object), so a truncated pack is never mistaken for a short entry.
 * Failures of the medium are StorageError with a code saying what a user can do about it
 * (`STORAGE_FULL`, `STORAGE_PERMISSION`, `STORAGE_UNREACHABLE`, otherwise `STORAGE_FAILED`).
 * docs/storage.md describes the adapters and what each one guarantees.
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

/** Codes a StorageError may carry; `STORAGE_FAILED` is anything not more specific. */
export type StorageErrorCode =
  | 'STORAGE_FAILED'
  | 'STORAGE_FULL'
  | 'STORAGE_PERMISSION'
  | 'STORAGE_UNREACHABLE'
  | 'STORAGE_RANGE'
  | 'STORAGE_CRASHED';

export class StorageError extends NoxError {
  constructor(
    store: string,
    operation: string,
    key: string,
    cause: unknown,
    options?: { code?: StorageErrorCode; hint?: string },
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const hint = options?.hint === undefined ? '' : `. ${options.hint}`;
    super(options?.code ?? 'STORAGE_FAILED', `${operation} ${key} on ${store} failed: ${reason}${hint}`, {
      cause,
      details: { store, operation, key },
    });
    this.name = 'StorageError';
  }
}

// `.` and `..` segments are refused: a filesystem would resolve them, S3 would not.
const SAFE_KEY = /^(?!\/)(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._\-/]+$/;

/** Rejects keys that could escape the store's root or mean different things on different stores. */
export function assertValidKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.endsWith('/') || key.includes('//')) {
    throw new NoxError('STORAGE_BAD_KEY', `Invalid object key ${JSON.stringify(key)}`);
  }
}

/** A list prefix is empty, a valid key, or a valid key followed by `/`. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  try {
    assertValidKey(body);
  } catch {
    throw new NoxError('STORAGE_BAD_KEY', `Invalid list prefix ${JSON.stringify(prefix)}`);
  }
}

/** Rejects offsets and lengths that are not non-negative safe integers. */
export function assertValidRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new NoxError('STORAGE_BAD_RANGE', `Invalid range: offset ${offset}, length ${length}`);
  }
}

/** The error every adapter gives for a range running past the end of an object. */
export function rangeError(store: string, key: string, offset: number, length: number, size: number): StorageError {
  return new StorageError(store, 'getRange', key, new Error(`bytes ${offset}..${offset + length} run past the end (size ${size})`), {
    code: 'STORAGE_RANGE',
    hint: 'The object is shorter than its index says: it may be truncated or corrupt',
  });
}
