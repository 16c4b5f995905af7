import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { FaultyObjectStore } from './faulty-store.ts';
import { describeObjectStoreContract, listKeys } from './object-store.contract.ts';
import { ObjectExistsError, StorageError } from './object-store.ts';
import { S3ObjectStore, type S3ObjectStoreOptions } from './s3-store.ts';
import { startS3rver, type RunningS3rver } from './s3rver.test-support.ts';
import { s3TestStores } from './test-stores.test-support.ts';

const s3 = s3TestStores();
describeObjectStoreContract('S3 (s3rver over HTTP)', s3.make, { cleanup: s3.cleanup });

describe('S3 store', () => {
  let server: RunningS3rver;
  const stores: S3ObjectStore[] = [];
  before(async () => {
    server = await startS3rver();
  });
  after(async () => {
    for (const s of stores) s.close();
    await server.close();
  });
  const open = (options: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore => {
    const store = new S3ObjectStore({
      endpoint: server.endpoint,
      region: server.region,
      bucket: server.bucket,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      forcePathStyle: true,
      prefix: `t-${randomBytes(4).toString('hex')}`,
      maxAttempts: 1,
      ...options,
    });
    stores.push(store);
    return store;
  };

  test('finds that s3rver ignores If-None-Match and emulates ifAbsent, leaving no probe object behind', async () => {
    const store = open();
    assert.equal(await store.conditionalWriteMode(), 'emulated');
    await store.put('locks/l', Buffer.from('one'), { ifAbsent: true });
    await assert.rejects(store.put('locks/l', Buffer.from('two'), { ifAbsent: true }), ObjectExistsError);
    const everything = open({ prefix: '' });
    assert.deepEqual((await listKeys(everything, '')).filter((k) => k.includes('probe')), []);
  });

  test('emulated ifAbsent lets exactly one of two stores in one process win the same key', async () => {
    const prefix = `shared-${randomBytes(4).toString('hex')}`;
    const [a, b] = [open({ prefix, conditionalWrites: 'emulated' }), open({ prefix, conditionalWrites: 'emulated' })];
    const results = await Promise.allSettled([a.put('locks/x', Buffer.from('a'), { ifAbsent: true }), b.put('locks/x', Buffer.from('b'), { ifAbsent: true })]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  test('stores under its prefix only, so two repositories can share a bucket', async () => {
    const [one, two] = [open({ prefix: 'tenant-one/' }), open({ prefix: 'tenant-two' })];
    await one.put('snapshots/s', Buffer.from('1'));
    await two.put('snapshots/s', Buffer.from('2'));
    assert.equal((await one.get('snapshots/s')).toString(), '1');
    assert.deepEqual(await listKeys(two, ''), ['snapshots/s']);
    assert.deepEqual(await listKeys(open({ prefix: '' }), 'tenant-'), ['tenant-one/snapshots/s', 'tenant-two/snapshots/s']);
  });

  test('uploads in parts above the threshold, with and without optional checksums', async () => {
    for (const checksum of ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const) {
      const store = open({ checksum, multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
      const body = randomBytes(11 * 1024 * 1024 + 7);
      await store.put('large', body);
      assert.deepEqual(await store.get('large'), body, checksum);
      await store.put('small', Buffer.from('x'));
      assert.equal((await store.get('small')).toString(), 'x');
    }
  });

  test('a multipart upload that fails half-way leaves no object', async () => {
    const store = open({ multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
    const faulty = new FaultyObjectStore(store);
    faulty.inject({ op: 'put', kind: 'crash-during' });
    // Half of 14 MiB is past the first 5 MiB part, so the upload has begun when the body fails.
    await assert.rejects(faulty.put('packs/big', randomBytes(14 * 1024 * 1024)), { code: 'STORAGE_CRASHED' });
    assert.equal(await store.head('packs/big'), undefined);
    assert.deepEqual(await listKeys(store, ''), []);
  });

  test('refuses a part size below S3’s 5 MiB minimum', () => {
    assert.throws(() => open({ partSize: 1024 * 1024 }), { code: 'STORAGE_BAD_CONFIG' });
  });

  test('unknown credentials give STORAGE_PERMISSION naming the variables to check', async () => {
    // s3rver checks the access key id but not SigV4 signatures, so a wrong secret would pass here.
    const store = open({ credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'wrong' } });
    await assert.rejects(store.get('anything'), (err: unknown) => {
      assert.ok(err instanceof StorageError, String(err));
      assert.equal(err.code, 'STORAGE_PERMISSION');
      assert.match(err.message, /NOX_S3_SECRET_ACCESS_KEY/);
      return true;
    });
  });

  test('a missing bucket is named, with what to do', async () => {
    const store = open({ bucket: 'no-such-bucket' });
    await assert.rejects(store.put('k', Buffer.from('x')), /Bucket no-such-bucket does not exist .*NOX_S3_BUCKET/);
  });

  test('an endpoint nobody answers on gives STORAGE_UNREACHABLE naming it', async () => {
    const store = open({ endpoint: 'http://127.0.0.1:9' });
    await assert.rejects(store.head('k'), (err: unknown) => {
      assert.ok(err instanceof StorageError, String(err));
      assert.equal(err.code, 'STORAGE_UNREACHABLE');
      assert.match(err.message, /http:\/\/127\.0\.0\.1:9/);
      return true;
    });
  });
});
