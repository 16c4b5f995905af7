import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.ts';
import { FsObjectStore } from './fs-store.ts';
import { S3ObjectStore } from './s3-store.ts';
import { createObjectStore, loadStorageConfig, readStorageConfig } from './store-config.ts';

test('by default the repository lives on the local disk inside the data directory', () => {
  const config = loadStorageConfig({}, '/var/lib/nox');
  assert.deepEqual(config, { kind: 'fs', path: '/var/lib/nox/repository' });
  assert.ok(Object.isFrozen(config));
  assert.ok(createObjectStore(config) instanceof FsObjectStore);
  assert.equal(createObjectStore(loadStorageConfig({ NOX_STORAGE_PATH: '/srv/repo/' }, '/x')).description, 'fs:/srv/repo');
});

test('an S3 configuration defaults to the Stockholm region and path-style URLs for a custom endpoint', () => {
  const config = loadStorageConfig(
    {
      NOX_STORAGE: 's3',
      NOX_S3_ENDPOINT: 'https://s3.example.se/',
      NOX_S3_BUCKET: 'nox-backups',
      NOX_S3_PREFIX: 'prod/',
      NOX_S3_ACCESS_KEY_ID: 'id',
      NOX_S3_SECRET_ACCESS_KEY: 'secret',
    },
    '/x',
  );
  assert.deepEqual(config, {
    kind: 's3',
    endpoint: 'https://s3.example.se',
    region: 'eu-north-1',
    bucket: 'nox-backups',
    prefix: 'prod/',
    credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    forcePathStyle: true,
    checksum: 'WHEN_SUPPORTED',
  });
  const store = createObjectStore(config);
  assert.ok(store instanceof S3ObjectStore);
  assert.equal(store.description, 's3:nox-backups/prod/');
  store.close();
});

test('on AWS itself only the Swedish region is accepted', () => {
  assert.throws(() => loadStorageConfig({ NOX_STORAGE: 's3', NOX_S3_BUCKET: 'b-1', NOX_S3_REGION: 'eu-west-1' }, '/x'), /NOX_S3_REGION.*eu-north-1/);
  const config = loadStorageConfig({ NOX_STORAGE: 's3', NOX_S3_BUCKET: 'b-1', NOX_S3_FORCE_PATH_STYLE: 'false', NOX_S3_CHECKSUM: 'WHEN_REQUIRED' }, '/x');
  assert.equal(config.kind === 's3' && config.region, 'eu-north-1');
  assert.equal(config.kind === 's3' && config.forcePathStyle, false);
  assert.equal(config.kind === 's3' && config.checksum, 'WHEN_REQUIRED');
  assert.equal(config.kind === 's3' && config.credentials, undefined);
});

test('reports every invalid storage variable at once, naming each, and never echoes the secret', () => {
  assert.throws(
    () =>
      loadStorageConfig(
        {
          NOX_STORAGE: 's3',
          NOX_S3_ENDPOINT: 'ftp://x',
          NOX_S3_BUCKET: 'Not_A_Bucket',
          NOX_S3_PREFIX: '../up',
          NOX_S3_SECRET_ACCESS_KEY: 'hunter2',
          NOX_S3_FORCE_PATH_STYLE: 'maybe',
          NOX_S3_CHECKSUM: 'ALWAYS',
        },
        '/x',
      ),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 6);
      for (const name of ['NOX_S3_ENDPOINT', 'NOX_S3_BUCKET', 'NOX_S3_PREFIX', 'NOX_S3_ACCESS_KEY_ID', 'NOX_S3_FORCE_PATH_STYLE', 'NOX_S3_CHECKSUM']) {
        assert.match(err.message, new RegExp(name));
      }
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    },
  );
});

test('adds its problems to the caller’s list, so the whole configuration is reported together', () => {
  const problems = ['FORTNOX_RATE_LIMIT: expected a positive integer, got "x"'];
  readStorageConfig({ NOX_STORAGE: 'ftp' }, '/x', problems);
  readStorageConfig({ NOX_STORAGE: 's3' }, '/x', problems);
  readStorageConfig({ NOX_STORAGE_PATH: 'relative/dir' }, '/x', problems);
  assert.equal(problems.length, 4);
  assert.match(problems[1]!, /NOX_STORAGE: expected fs or s3/);
  assert.match(problems[2]!, /NOX_S3_BUCKET: required/);
  assert.match(problems[3]!, /NOX_STORAGE_PATH: expected an absolute/);
});
