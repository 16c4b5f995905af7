import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from './fs-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3_MIN_PART_SIZE, S3ObjectStore, type S3ObjectStoreOptions } from './s3-store.ts';
import { startS3rver, type RunningS3rver } from './s3rver.test-support.ts';

export interface TestStoreFactory {
  readonly name: 'fs' | 's3';
  /** A new, empty store: a fresh temp directory, or a fresh prefix in the shared s3rver bucket. */
  readonly make: () => Promise<ObjectStore>;
  /** Removes every temp directory and stops s3rver; call it once, after the suite. */
  readonly cleanup: () => Promise<void>;
}

export interface TestStoreOptions {
  /** For the S3 store; small by default (5 MiB parts above 8 MiB) so tests cross it cheaply. */
  readonly s3?: Pick<S3ObjectStoreOptions, 'multipartThreshold' | 'partSize' | 'checksum' | 'conditionalWrites'>;
}

/**
 * The real adapters, for suites that must pass on both (as DESIGN.md wants every repository test to):
 *
 *     for (const stores of makeTestStores()) describe(`on ${stores.name}`, () => { after(stores.cleanup); … });
 *
 * s3rver starts on the first `make()` of the S3 factory, over real HTTP on a free port.
 */
export function makeTestStores(options: TestStoreOptions = {}): TestStoreFactory[] {
  return [fsTestStores(), s3TestStores(options)];
}

export function fsTestStores(): TestStoreFactory {
  const dirs: string[] = [];
  return {
    name: 'fs',
    make: async () => {
      const root = await mkdtemp(join(tmpdir(), 'nox-fs-store-'));
      dirs.push(root);
      return new FsObjectStore({ root });
    },
    cleanup: async () => {
      await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

export function s3TestStores(options: TestStoreOptions = {}): TestStoreFactory {
  let server: Promise<RunningS3rver> | undefined;
  const stores: S3ObjectStore[] = [];
  return {
    name: 's3',
    make: async () => {
      server ??= startS3rver();
      const s = await server;
      const store = new S3ObjectStore({
        endpoint: s.endpoint,
        region: s.region,
        bucket: s.bucket,
        credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
        forcePathStyle: true,
        prefix: `test-${randomBytes(6).toString('hex')}`,
        multipartThreshold: 8 * 1024 * 1024,
        partSize: S3_MIN_PART_SIZE,
        ...options.s3,
      });
      stores.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of stores.splice(0)) store.close();
      const running = server;
      server = undefined;
      if (running !== undefined) await (await running).close();
    },
  };
}
