import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createTenant } from './db/index.ts';

async function withDataDir(fn: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nox-app-'));
  try {
    await fn(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('openApp', () => {
  it('creates a 0600 master key file on first use with one warning, and reuses it afterwards', () =>
    withDataDir(async (dataDir) => {
      const warnings: string[] = [];
      const config = loadConfig({}, { dataDir });
      const first = await openApp(config, { warn: (m) => warnings.push(m) });
      const tenant = await createTenant(first.db, { name: 'Ett AB' });
      const repo = await first.repositoryFor(tenant.id);
      assert.equal(await first.repositoryFor(tenant.id), repo, 'the repository is cached per tenant');
      await first.close();
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /NOX_MASTER_KEY/);
      assert.equal((await stat(join(dataDir, 'master.key'))).mode & 0o777, 0o600);

      const second = await openApp(config, { warn: (m) => warnings.push(m) });
      await second.repositoryFor(tenant.id); // opens with the same key, or would fail with REPO_WRONG_KEY
      await second.close();
      assert.equal(warnings.length, 1, 'no second warning');

      await chmod(join(dataDir, 'master.key'), 0o644);
      await (await openApp(config, { warn: (m) => warnings.push(m) })).close();
      assert.match(warnings[1] ?? '', /readable by others.*chmod 600/);
    }));

  it('shares one rate limiter per (client id, Fortnox tenant) across every client it makes', () =>
    withDataDir(async (dataDir) => {
      const app = await openApp(loadConfig({}, { dataDir }), { warn: () => undefined });
      try {
        const fortnox = { apiUrl: 'http://127.0.0.1:9', authUrl: 'http://127.0.0.1:9', clientId: 'app-a', clientSecret: 's' };
        const { MemoryTokenStore } = await import('./fortnox/token-store.ts');
        const connecting = app.standaloneClient(fortnox, new MemoryTokenStore());
        const backingUp = app.clientFor(fortnox).client;
        assert.equal(connecting.limiter('123'), backingUp.limiter('123'), 'connecting and backing up spend one budget');
        assert.notEqual(backingUp.limiter('123'), backingUp.limiter('456'), 'each company has its own');
        const other = app.clientFor({ ...fortnox, clientId: 'app-b' }).client;
        assert.notEqual(other.limiter('123'), backingUp.limiter('123'), 'each app has its own');
      } finally {
        await app.close();
      }
    }));

  it('refuses a corrupt key file, and a missing one once tenants exist, instead of making a new key', () =>
    withDataDir(async (dataDir) => {
      const config = loadConfig({}, { dataDir });
      const app = await openApp(config, { warn: () => undefined });
      await createTenant(app.db, { name: 'Ett AB' });
      await app.close();
      const keyFile = join(dataDir, 'master.key');
      const good = await readFile(keyFile, 'utf8');

      await writeFile(keyFile, good.replace(/"key": "[^"]+"/, '"key": "c2hvcnQ="'));
      await assert.rejects(openApp(config), { code: 'MASTER_KEY_FILE_INVALID', exitCode: 2 });
      await writeFile(keyFile, 'not json');
      await assert.rejects(openApp(config), { code: 'MASTER_KEY_FILE_INVALID' });
      await rm(keyFile);
      await assert.rejects(openApp(config), { code: 'MASTER_KEY_MISSING' });
    }));

  it('takes the master key from the environment when configured, writing no key file', () =>
    withDataDir(async (dataDir) => {
      const config = loadConfig({ NOX_MASTER_KEY: randomBytes(32).toString('base64'), NOX_MASTER_KEY_ID: 'env-1' }, { dataDir });
      const app = await openApp(config, { warn: () => assert.fail('no warning expected') });
      assert.equal(app.keyring.current.id, 'env-1');
      await app.close();
      await assert.rejects(stat(join(dataDir, 'master.key')), { code: 'ENOENT' });
    }));
});
