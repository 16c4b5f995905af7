/**
 * The database token store against the simulator over HTTP, on SQLite and PostgreSQL: two clients
 * (on PostgreSQL two database handles, as two processes would have) refresh an expired token once, and
 * what the database holds never contains a token or the client secret.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { createTenant, openDatabase, type Db } from '../db/index.ts';
import type { MasterKeyring } from '../repository/master-keys.ts';
import { BACKUP_SCOPES } from './catalogue.ts';
import { FortnoxClient } from './client.ts';
import { dbTokenStore, openFortnoxConnection, type FortnoxApp } from './db-token-store.ts';

const keyring: MasterKeyring = { current: { id: 'test-1', key: randomBytes(32) }, old: [] };

async function control(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/__sim/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
  assert.equal(res.status, 200);
  return res.json();
}

function clientOn(db: Db, app: FortnoxApp, owner: string, tenantId: string, fortnoxTenantId: string) {
  const { store, db: tokens } = dbTokenStore(db, keyring);
  tokens.bind(fortnoxTenantId, tenantId, app);
  const client = new FortnoxClient({ ...app, tokenStore: store, rateLimit: 1000, rateWindowMs: 1000, retry: { baseDelayMs: 10, maxDelayMs: 100 }, tokens: { owner, pollMs: 20 } });
  return { client, store };
}

for (const target of testDatabases()) {
  describe(`the database token store on ${target.name}`, () => {
    let t: TestDatabase;
    let sim: RunningSimulator;
    let app: FortnoxApp;
    before(async () => {
      t = await target.open();
      sim = await startSimulator({ seed: 3, size: 'small', rateLimit: 1000, rateWindowMs: 1000 });
      app = { apiUrl: sim.apiUrl, authUrl: sim.authUrl, clientId: sim.clientId, clientSecret: sim.clientSecret };
    });
    after(async () => {
      await sim.close();
      await t.cleanup();
    });

    it('refreshes an expired token once for two clients sharing the database, and keeps tokens and secret out of the stored bytes', async () => {
      const fortnoxTenantId = String(sim.tenants[0]!.tenantId);
      const tenant = await createTenant(t.db, { name: 'Testbolaget' });
      await control(sim, 'POST', 'auto-approve', { tenantId: Number(fortnoxTenantId) });
      const first = clientOn(t.db, app, 'worker-1', tenant.id, fortnoxTenantId);
      const redirectUri = 'http://127.0.0.1/callback';
      const request = first.client.oauth.authorizationRequest({ scopes: BACKUP_SCOPES, redirectUri });
      const location = new URL((await fetch(request.url, { redirect: 'manual' })).headers.get('location')!);
      const tokens = await first.client.oauth.exchangeCode(location.searchParams.get('code')!, { codeVerifier: request.codeVerifier, redirectUri });
      await first.client.tokens.saveAuthorizedConnection(tokens);
      await control(sim, 'POST', 'auto-approve', { tenantId: null });

      // Expire the access token as stored, so both clients need a refresh at once.
      const cur = (await first.store.load(fortnoxTenantId))!;
      assert.equal(cur.value.refreshToken, tokens.refreshToken);
      assert.notEqual(await first.store.save(fortnoxTenantId, { ...cur.value, accessTokenExpiresAt: 0 }, cur.version), null);
      assert.equal(await first.store.save(fortnoxTenantId, cur.value, cur.version), null, 'a stale version is refused');

      const secondDb = target.name === 'postgres' ? await openDatabase(t.config) : t.db;
      try {
        const second = clientOn(secondDb, app, 'worker-2', tenant.id, fortnoxTenantId);
        await control(sim, 'POST', 'counters/reset');
        const [a, b] = await Promise.all([first.client.reader(fortnoxTenantId).companyInformation(), second.client.reader(fortnoxTenantId).companyInformation()]);
        assert.equal(a.DatabaseNumber, b.DatabaseNumber);
        const counters = (await control(sim, 'GET', 'counters')) as { requests: Record<string, number> };
        assert.equal(counters.requests['POST /oauth-v1/token'], 1);
      } finally {
        if (secondDb !== t.db) await secondDb.destroy();
      }

      const now = (await first.store.load(fortnoxTenantId))!.value;
      assert.equal(now.status, 'active');
      assert.notEqual(now.refreshToken, tokens.refreshToken, 'the rotated refresh token was saved');
      const row = await t.db.selectFrom('fortnox_connections').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
      const everything = Buffer.from(JSON.stringify(row) + Buffer.from(row.token_ciphertext!).toString('latin1'));
      for (const secret of [now.accessToken!, now.refreshToken!, tokens.refreshToken!, sim.clientSecret]) {
        assert.equal(everything.includes(secret), false, 'no secret in the stored row');
        if (secret.length > 40) assert.equal(everything.includes(secret.slice(10, 40)), false, 'no part of a token either');
      }
      assert.equal(row.token_key_id, 'test-1');
      assert.equal(row.auth_mode, 'refresh_token');

      const opened = await openFortnoxConnection(t.db, keyring, tenant.id);
      assert.deepEqual(opened?.app, app);
      const wrong: MasterKeyring = { current: { id: 'test-1', key: randomBytes(32) }, old: [] };
      await assert.rejects(openFortnoxConnection(t.db, wrong, tenant.id), { code: 'FORTNOX_TOKEN_UNREADABLE' });
    });
  });
}

describe('the database token store through a master-key rotation', () => {
  it('reads connections sealed under an old master key and re-seals them under the new one on save', async () => {
    const target = testDatabases()[0]!;
    const t = await target.open();
    try {
      const tenant = await createTenant(t.db, { name: 'Rotationsbolaget' });
      const app: FortnoxApp = { apiUrl: 'http://127.0.0.1:1', authUrl: 'http://127.0.0.1:1', clientId: 'c', clientSecret: 's' };
      const oldRing: MasterKeyring = { current: { id: 'old', key: randomBytes(32) }, old: [] };
      const before = dbTokenStore(t.db, oldRing);
      before.db.bind('42', tenant.id, app);
      const value = { mode: 'service' as const, accessToken: 'tok-1', accessTokenExpiresAt: Date.now() + 3_600_000, refreshToken: null, scope: 'customer', status: 'active' as const, statusReason: null, lease: null, updatedAt: Date.now() };
      assert.equal(await before.store.save('42', value, undefined), 1);

      const newRing: MasterKeyring = { current: { id: 'new', key: randomBytes(32) }, old: [oldRing.current] };
      const after = dbTokenStore(t.db, newRing);
      after.db.bind('42', tenant.id, app);
      const loaded = (await after.store.load('42'))!;
      assert.equal(loaded.value.accessToken, 'tok-1');
      assert.equal(await after.store.save('42', { ...loaded.value, accessToken: 'tok-2' }, loaded.version), 2);
      const row = await t.db.selectFrom('fortnox_connections').select('token_key_id').where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
      assert.equal(row.token_key_id, 'new');

      const newOnly = dbTokenStore(t.db, { current: newRing.current, old: [] });
      newOnly.db.bind('42', tenant.id, app);
      assert.equal((await newOnly.store.load('42'))!.value.accessToken, 'tok-2', 'the old key is no longer needed');
    } finally {
      await t.cleanup();
    }
  });
});
