import { NoxError } from '../errors.ts';

/**
 * Stable codes of repository errors. Corruption is always named: the object (pack, index file,
 * manifest, key file) and, where there is one, the blob id, so an operator can find and repair it.
 */
export type RepoErrorCode =
  | 'REPO_CORRUPT_BLOB'
  | 'REPO_CORRUPT_PACK'
  | 'REPO_CORRUPT_OBJECT'
  | 'REPO_MISSING_OBJECT'
  | 'REPO_MISSING_BLOB'
  | 'REPO_WRONG_KEY'
  | 'REPO_NO_KEYS'
  | 'REPO_UNSUPPORTED_FORMAT'
  | 'REPO_SNAPSHOT_NOT_FOUND'
  | 'REPO_RECORD_NOT_FOUND'
  | 'REPO_DATASET_NOT_FOUND'
  | 'REPO_BAD_INPUT'
  | 'REPO_LOCKED'
  | 'REPO_WRITER_CLOSED'
  | 'REPO_CONCURRENT_CHANGE';

export class RepoError extends NoxError {
  readonly repoCode: RepoErrorCode;

  constructor(code: RepoErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = 'RepoError';
    this.repoCode = code;
  }
}

/** A blob failed authentication, decompression or its id check: it is not what was written. */
export function corruptBlob(object: string, blobId: string, type: string, reason: string, cause?: unknown): RepoError {
  return new RepoError(
    'REPO_CORRUPT_BLOB',
    `Blob ${blobId} (${type}) in ${object} is corrupt: ${reason}. Restore the object from a replica or run a repair.`,
    { object, blobId, type, reason },
    cause,
  );
}

export function corruptPack(object: string, reason: string, cause?: unknown): RepoError {
  return new RepoError('REPO_CORRUPT_PACK', `Pack ${object} is corrupt: ${reason}`, { object, reason }, cause);
}

export function corruptObject(object: string, kind: string, reason: string, cause?: unknown): RepoError {
  return new RepoError('REPO_CORRUPT_OBJECT', `The ${kind} ${object} is corrupt: ${reason}`, { object, kind, reason }, cause);
}

export function missingObject(object: string, context: string, cause?: unknown): RepoError {
  return new RepoError('REPO_MISSING_OBJECT', `Object ${object} is missing (${context})`, { object, context }, cause);
}

export function badInput(message: string, details?: Record<string, unknown>): RepoError {
  return new RepoError('REPO_BAD_INPUT', message, details);
}

export function isRepoError(err: unknown, code?: RepoErrorCode): err is RepoError {
  return err instanceof RepoError && (code === undefined || err.repoCode === code);
}
