import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../storage/fs-store.ts';
import { MemoryObjectStore } from '../storage/memory-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { makeTestStores } from '../storage/test-stores.test-support.ts';
import type { MasterKeyring } from './master-keys.ts';

/** A fresh master keyring for a test. */
export function testKeyring(id = 'test-1'): MasterKeyring {
  return { current: { id, key: randomBytes(32) }, old: [] };
}

export interface TestStore {
  readonly name: string;
  readonly store: ObjectStore;
  close(): Promise<void>;
}

export type StoreFactory = { readonly name: string; make(): Promise<TestStore>; cleanup(): Promise<void> };

/** A store in a temp directory, fsync off (tests simulate crashes by killing the process, not the power). */
export async function makeFsStore(): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), 'nox-repo-'));
  return { name: 'fs', store: new FsObjectStore({ root: dir, fsync: false }), close: () => rm(dir, { recursive: true, force: true }) };
}

export async function makeMemoryStore(): Promise<TestStore> {
  return { name: 'memory', store: new MemoryObjectStore(), close: async () => undefined };
}

/**
 * The stores every repository test runs on: the filesystem and S3 (s3rver over HTTP), from the storage
 * test support. `NOX_TEST_STORES=fs` (or `s3`) narrows the run.
 */
export async function repositoryStores(): Promise<StoreFactory[]> {
  const only = process.env.NOX_TEST_STORES?.split(',');
  return makeTestStores()
    .filter((f) => only === undefined || only.includes(f.name))
    .map((f) => ({
      name: f.name,
      make: async () => {
        const store = await f.make();
        return { name: f.name, store, close: async () => undefined };
      },
      cleanup: f.cleanup,
    }));
}
