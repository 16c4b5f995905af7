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
