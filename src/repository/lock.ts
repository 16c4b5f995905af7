import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ObjectExistsError, ObjectNotFoundError, type ObjectStore } from '../storage/object-store.ts';
import { RepoError } from './errors.ts';

/** The content of a lock object (plain JSON: it holds no secret). */
interface LockBody {
  owner: string;
  token: string;
  ttlMs: number;
}

export interface HeldLock {
  readonly key: string;
  readonly token: string;
  /** The store's clock when the lock was taken (the lock object's modification time). */
  readonly acquiredAt: Date;
  /** Throws REPO_LOCKED if the lock is no longer ours (broken as stale by another process). */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

/**
 * An exclusive lock: an object written with `ifAbsent`, holding owner, token and time-to-live. A lock
 * older than its TTL by the store's own clock (never the local one) is stale and may be broken. The
 * holder checks it still owns the lock before each destructive step.
 */
export async function acquireLock(store: ObjectStore, key: string, options: { owner?: string; ttlMs: number }): Promise<HeldLock> {
  const body: LockBody = { owner: options.owner ?? `${hostname()}:${process.pid}`, token: randomBytes(16).toString('hex'), ttlMs: options.ttlMs };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await store.put(key, Buffer.from(JSON.stringify(body)), { ifAbsent: true });
      const info = await store.head(key);
      return held(store, key, body.token, info?.modified ?? new Date());
    } catch (err) {
      if (!(err instanceof ObjectExistsError)) throw err;
    }
    const existing = await readLock(store, key);
    if (existing === undefined) continue;
    const now = await storeNow(store, key);
    const age = now.getTime() - existing.modified.getTime();
    if (age <= existing.body.ttlMs) {
      throw new RepoError(
        'REPO_LOCKED',
        `The repository is locked by ${existing.body.owner} (taken ${Math.round(age / 1000)} s ago, stale after ${Math.round(existing.body.ttlMs / 1000)} s)`,
        { key, owner: existing.body.owner },
      );
    }
    // Stale: break it, then compete for it again with ifAbsent.
    await store.delete(key);
  }
  throw new RepoError('REPO_LOCKED', `Could not take the lock ${key}: another process keeps taking it`, { key });
}

async function readLock(store: ObjectStore, key: string): Promise<{ body: LockBody; modified: Date } | undefined> {
  try {
    const [bytes, info] = await Promise.all([store.get(key), store.head(key)]);
    if (info === undefined) return undefined;
    return { body: JSON.parse(bytes.toString('utf8')) as LockBody, modified: info.modified };
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    if (err instanceof SyntaxError) return { body: { owner: 'unknown (unreadable lock)', token: '', ttlMs: 0 }, modified: new Date(0) };
    throw err;
  }
}

/** The store's current time: the modification time of a probe object written just now. */
export async function storeNow(store: ObjectStore, nearKey: string): Promise<Date> {
  const probe = `${nearKey}.probe-${randomBytes(8).toString('hex')}`;
  await store.put(probe, Buffer.alloc(0));
  try {
    return (await store.head(probe))?.modified ?? new Date();
  } finally {
    await store.delete(probe);
  }
}

function held(store: ObjectStore, key: string, token: string, acquiredAt: Date): HeldLock {
  const assertHeld = async (): Promise<void> => {
    const current = await readLock(store, key);
    if (current?.body.token !== token) throw new RepoError('REPO_LOCKED', `Lost the lock ${key} (it was broken as stale)`, { key });
  };
  return {
    key,
    token,
    acquiredAt,
    assertHeld,
    release: async () => {
      const current = await readLock(store, key);
      if (current?.body.token === token) await store.delete(key);
    },
  };
}
