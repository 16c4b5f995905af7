import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';

test('defaults point at the real Fortnox and a data directory in the home folder', () => {
  const c = loadConfig({ HOME: '/home/x' });
  assert.equal(c.fortnox.apiUrl, 'https://api.fortnox.se');
  assert.equal(c.fortnox.authUrl, 'https://apps.fortnox.se');
  assert.equal(c.fortnox.rateLimit, 25);
  assert.ok(Object.isFrozen(c.fortnox));
});

test('reports every invalid variable at once, naming each', () => {
  assert.throws(
    () => loadConfig({ FORTNOX_API_URL: 'ftp://x', FORTNOX_RATE_LIMIT: '-3', NOX_LOG_LEVEL: 'loud', FORTNOX_CLIENT_ID: 'a' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 4);
      for (const name of ['FORTNOX_API_URL', 'FORTNOX_RATE_LIMIT', 'NOX_LOG_LEVEL', 'FORTNOX_CLIENT_SECRET']) {
        assert.match(err.message, new RegExp(name));
      }
      return true;
    },
  );
});

test('an explicit data directory wins over the environment', () => {
  assert.equal(loadConfig({ NOX_DATA_DIR: '/a' }, { dataDir: '/b' }).dataDir, '/b');
});

test('the embedded default: SQLite and a repository in the data directory, a master key file there', () => {
  const c = loadConfig({ NOX_DATA_DIR: '/srv/nox' });
  assert.equal(c.database.url, undefined);
  assert.equal(c.database.sqlitePath, '/srv/nox/noxbackup.sqlite');
  assert.deepEqual(c.storage, { kind: 'fs', path: '/srv/nox/repository' });
  assert.deepEqual(c.masterKey, { kind: 'file', path: '/srv/nox/master.key' });
});

test('scale-out settings: PostgreSQL, S3 in Sweden and a master key from the environment', () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  const c = loadConfig({
    NOX_DATA_DIR: '/srv/nox', NOX_DATABASE_URL: 'postgres://nox@db/nox', NOX_STORAGE: 's3', NOX_S3_BUCKET: 'nox-backups',
    NOX_S3_REGION: 'eu-north-1', NOX_S3_ACCESS_KEY_ID: 'AK', NOX_S3_SECRET_ACCESS_KEY: 'SK', NOX_MASTER_KEY: key, NOX_MASTER_KEY_ID: '2026-11',
  });
  assert.equal(c.database.url, 'postgres://nox@db/nox');
  assert.equal(c.storage.kind, 's3');
  assert.equal(c.masterKey.kind, 'env');
  if (c.masterKey.kind === 'env') assert.equal(c.masterKey.ring.current.id, '2026-11');
});

test('database, storage and master-key problems are reported with the rest, never echoing secrets', () => {
  assert.throws(
    () => loadConfig({ NOX_DATABASE_URL: 'mysql://root:hunter2@x/db', NOX_STORAGE: 'tape', NOX_MASTER_KEY: 'c2hvcnQ=', NOX_MASTER_KEY_ID: 'k1' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /NOX_DATABASE_URL/);
      assert.match(err.message, /NOX_STORAGE/);
      assert.match(err.message, /NOX_MASTER_KEY: expected 32 bytes/);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    },
  );
});
