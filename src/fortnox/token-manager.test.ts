import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { FortnoxReconnectNeededError, FortnoxTokenConflictError } from './errors.ts';
import { fakeJwt, sendJson, startLocalServer, type LocalServer } from './local-server.test-support.ts';
import { FortnoxOAuth } from './oauth.ts';
import { TokenManager } from './token-manager.ts';
import { MemoryTokenStore, type StoredConnection, type TokenStore } from './token-store.ts';

/** A token endpoint with single-use refresh tokens, as Fortnox has. */
async function rotatingAuthServer(options: { latencyMs?: number } = {}) {
  const valid = new Set(['r0']);
  let n = 0;
  const server = await startLocalServer(async (req, res) => {
    if (options.latencyMs) await delay(options.latencyMs);
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') === 'client_credentials') {
      if (req.headers.tenantid === 'revoked') return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Consent revoked' }, 'text/html; charset=UTF-8');
      return sendJson(res, 200, { access_token: fakeJwt({ tenantId: req.headers.tenantid, n: ++n }), expires_in: 3600, token_type: 'bearer', scope: 'customer' });
    }
    const rt = form.get('refresh_token') ?? '';
    if (!valid.delete(rt)) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' }, 'text/html; charset=UTF-8');
    n++;
    valid.add(`r${n}`);
    sendJson(res, 200, { access_token: fakeJwt({ tenantId: 7, n }), expires_in: 3600, token_type: 'bearer', scope: 'customer', refresh_token: `r${n}` });
  });
  return { server, valid, refreshes: () => server.requests.filter((r) => r.url === '/oauth-v1/token').length };
}

function expired(overrides: Partial<StoredConnection> = {}): StoredConnection {
  return { mode: 'refresh', accessToken: 'old-access', accessTokenExpiresAt: Date.now() - 1000, refreshToken: 'r0', scope: 'customer', status: 'active', statusReason: null, lease: null, updatedAt: 0, ...overrides };
}

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function manager(store: TokenStore, url: string, extra: Partial<ConstructorParameters<typeof TokenManager>[0]> = {}) {
  return new TokenManager({ oauth: new FortnoxOAuth({ clientId: 'app', clientSecret: 's', authUrl: url }), store, pollMs: 10, ...extra });
}

describe('TokenManager', () => {
  it('refreshes once for two callers that need a token at the same time', async () => {
    const auth = await rotatingAuthServer({ latencyMs: 50 });
    server = auth.server;
    const store = new MemoryTokenStore();
    await store.save('7', expired(), undefined);
    const tm = manager(store, server.url);
    const [a, b] = await Promise.all([tm.accessToken('7'), tm.accessToken('7')]);
    assert.equal(a, b);
    assert.equal(auth.refreshes(), 1);
    assert.equal((await store.load('7'))?.value.refreshToken, 'r1');
  });

  it('refreshes once when two processes sharing one store need a token at the same time', async () => {
    const auth = await rotatingAuthServer({ latencyMs: 50 });
    server = auth.server;
    const store = new MemoryTokenStore();
    await store.save('7', expired(), undefined);
    const p1 = manager(store, server.url, { owner: 'process-1' });
    const p2 = manager(store, server.url, { owner: 'process-2' });
    const [a, b] = await Promise.all([p1.accessToken('7'), p2.accessToken('7')]);
    assert.equal(a, b);
    assert.equal(auth.refreshes(), 1);
    assert.equal((await store.load('7'))?.value.status, 'active');
  });

  it('rotates: each refresh uses the refresh token the previous one saved', async () => {
    const auth = await rotatingAuthServer();
    server = auth.server;
    const store = new MemoryTokenStore();
    await store.save('7', expired(), undefined);
    const tm = manager(store, server.url);
    const first = await tm.accessToken('7');
    const second = await tm.renewAfterRejection('7', first);
    assert.notEqual(first, second);
    const sent = server.requests.map((r) => new URLSearchParams(r.body).get('refresh_token'));
    assert.deepEqual(sent, ['r0', 'r1']);
    assert.equal((await store.load('7'))?.value.refreshToken, 'r2');
    assert.deepEqual([...auth.valid], ['r2']);
  });

  it('does not renew a token someone else already replaced after a 401', async () => {
    const auth = await rotatingAuthServer();
    server = auth.server;
    const store = new MemoryTokenStore();
    await store.save('7', expired(), undefined);
    const tm = manager(store, server.url);
    const fresh = await tm.accessToken('7');
    assert.equal(await tm.renewAfterRejection('7', 'some-older-token'), fresh);
    assert.equal(auth.refreshes(), 1);
  });

  it('renews ahead of expiry, not long before', async () => {
    const auth = await rotatingAuthServer();
    server = auth.server;
    const store = new MemoryTokenStore();
    await store.save('7', expired({ accessTokenExpiresAt: Date.now() + 10 * 60_000 }), undefined);
    const tm = manager(store, server.url);
    assert.equal(await tm.accessToken('7'), 'old-access');
    const cur = await store.load('7');
    await store.save('7', { ...cur!.value, accessTokenExpiresAt: Date.now() + 4 * 60_000 }, cur!.version);
    assert.notEqual(await tm.accessToken('7'), 'old-access');
    assert.equal(auth.refreshes(), 1);
  });

  it('never hands out tokens it could not save first', async () => {
    const auth = await rotatingAuthServer();
    server = auth.server;
    const inner = new MemoryTokenStore();
    await inner.save('7', expired(), undefined);
    let saves = 0;
    // The second save (the new tokens, after the lease) loses to another writer.
    const sabotaged: TokenStore = {
      load: (t) => inner.load(t),
      delete: (t) => inner.delete(t),
      save: async (t, v, ver) => (++saves === 2 ? null : inner.save(t, v, ver)),
    };
    await assert.rejects(manager(sabotaged, server.url).accessToken('7'), FortnoxTokenConflictError);
  });

  it('marks the connection "reconnect needed" when the refresh token is rejected, and stops calling Fortnox', async () => {
    const auth = await rotatingAuthServer();
    server = auth.server;
    auth.valid.clear();
    const store = new MemoryTokenStore();
    await store.save('7', expired(), undefined);
    const told: string[] = [];
    const tm = manager(store, server.url, { onReconnectNeeded: (t) => told.push(t) });
    const err = await tm.accessToken('7').catch((e: unknown) => e);
    assert.ok(err instanceof FortnoxReconnectNeededError);
    assert.equal(err.code, 'FORTNOX_RECONNECT_NEEDED');
    assert.equal(err.tenantId, '7');
    assert.deepEqual(told, ['7']);
    const stored = await store.load('7');
    assert.equal(stored?.value.status, 'reconnect_needed');
    assert.equal(stored?.value.lease, null);
    await assert.rejects(tm.accessToken('7'), FortnoxReconnectNeededError);
    assert.equal(auth.refreshes(), 1);
  });

  it('mints service-account tokens with client credentials, and marks a revoked consent', async () => {
    const auth = await rotatingAuthServer();
    server = auth.server;
    const store = new MemoryTokenStore();
    const tm = manager(store, server.url);
    await tm.connectServiceAccount('55');
    const token = await tm.accessToken('55');
    assert.match(token, /\./);
    assert.equal((await store.load('55'))?.value.refreshToken, null);
    await store.save('revoked', expired({ mode: 'service', refreshToken: null }), undefined);
    await assert.rejects(tm.accessToken('revoked'), FortnoxReconnectNeededError);
    assert.equal((await tm.status('revoked')).status, 'reconnect_needed');
  });
});
