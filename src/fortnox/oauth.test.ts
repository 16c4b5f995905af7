import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { FortnoxOAuthError } from './errors.ts';
import { fakeJwt, loadCassettes, sendJson, startLocalServer, type LocalServer } from './local-server.test-support.ts';
import { FortnoxOAuth, isDeadGrant } from './oauth.ts';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const cassette = (name: string) => loadCassettes().find((c) => c.name === name)!;

describe('FortnoxOAuth', () => {
  it('builds an authorization URL with state, S256 PKCE, offline access and a service account', () => {
    const oauth = new FortnoxOAuth({ clientId: 'app-id', clientSecret: 's' });
    const req = oauth.authorizationRequest({ scopes: ['customer', 'companyinformation'], redirectUri: 'https://nox.example/cb', accountType: 'service' });
    const url = new URL(req.url);
    assert.equal(url.origin + url.pathname, 'https://apps.fortnox.se/oauth-v1/auth');
    assert.ok(req.url.includes('scope=customer%20companyinformation'));
    const q = url.searchParams;
    assert.equal(q.get('client_id'), 'app-id');
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('access_type'), 'offline');
    assert.equal(q.get('account_type'), 'service');
    assert.equal(q.get('state'), req.state);
    assert.ok(req.state.length >= 32);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('code_challenge'), createHash('sha256').update(req.codeVerifier).digest('base64url'));
    assert.notEqual(oauth.authorizationRequest({ scopes: ['customer'] }).state, req.state);
  });

  it('exchanges a code with Basic client authentication and reads the tenant from the JWT', async () => {
    const access = fakeJwt({ tenantId: 1234567, exp: 2_000_000_000 });
    server = await startLocalServer((_req, res) => sendJson(res, 200, { access_token: access, expires_in: 3600, token_type: 'bearer', scope: 'customer', refresh_token: 'r1' }));
    const oauth = new FortnoxOAuth({ clientId: 'app', clientSecret: 'sec', authUrl: server.url, now: () => 1_000 });
    const tokens = await oauth.exchangeCode('the-code', { codeVerifier: 'v', redirectUri: 'https://nox.example/cb' });
    assert.deepEqual(tokens, { accessToken: access, refreshToken: 'r1', expiresAt: 1_000 + 3_600_000, scope: 'customer', tenantId: '1234567' });
    const seen = server.requests[0]!;
    assert.equal(seen.url, '/oauth-v1/token');
    assert.equal(seen.headers.authorization, `Basic ${Buffer.from('app:sec').toString('base64')}`);
    assert.equal(seen.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(seen.body)), { grant_type: 'authorization_code', code: 'the-code', redirect_uri: 'https://nox.example/cb', code_verifier: 'v' });
  });

  it('asks for client credentials with the TenantId header', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, { access_token: fakeJwt({ tenantId: 42 }), expires_in: 3600, token_type: 'bearer', scope: 'customer' }));
    const tokens = await new FortnoxOAuth({ clientId: 'app', clientSecret: 'sec', authUrl: server.url }).clientCredentials('42');
    assert.equal(tokens.refreshToken, undefined);
    assert.equal(server.requests[0]!.headers.tenantid, '42');
    assert.equal(server.requests[0]!.body, 'grant_type=client_credentials');
  });

  it('turns the recorded text/html invalid_grant into a dead-grant error', async () => {
    const c = cassette('authentication/invalid_refresh_token.yml');
    server = await startLocalServer((_req, res) => sendJson(res, c.status, c.body, c.contentType));
    const err = await new FortnoxOAuth({ clientId: 'a', clientSecret: 'b', authUrl: server.url }).refresh('old').catch((e: unknown) => e);
    assert.ok(err instanceof FortnoxOAuthError);
    assert.ok(isDeadGrant(err));
    assert.equal(err.oauthError, 'invalid_grant');
    assert.equal(err.status, 400);
  });

  it('reports the recorded invalid_client as an OAuth error, not a dead grant', async () => {
    const c = cassette('authentication/invalid_authorization.yml');
    server = await startLocalServer((_req, res) => sendJson(res, c.status, c.body, c.contentType));
    const err = await new FortnoxOAuth({ clientId: 'a', clientSecret: 'b', authUrl: server.url }).refresh('old').catch((e: unknown) => e);
    assert.ok(err instanceof FortnoxOAuthError);
    assert.equal(err.code, 'FORTNOX_OAUTH');
    assert.equal(err.oauthError, 'invalid_client');
    assert.ok(!isDeadGrant(err));
  });

  it('does not repeat a refresh that failed with 503, because it may already have rotated the token', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 503, 'busy', 'text/plain'));
    const oauth = new FortnoxOAuth({ clientId: 'a', clientSecret: 'b', authUrl: server.url, retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 } });
    await assert.rejects(oauth.refresh('r'), (e: FortnoxOAuthError) => e.status === 503);
    assert.equal(server.requests.length, 1);
  });

  it('parses the recorded successful refresh', async () => {
    const c = cassette('authentication/valid_request.yml');
    server = await startLocalServer((_req, res) => sendJson(res, c.status, c.body, c.contentType));
    const t = await new FortnoxOAuth({ clientId: 'a', clientSecret: 'b', authUrl: server.url }).refresh('old');
    assert.equal(t.refreshToken, '<REFRESH_TOKEN>');
    assert.equal(t.scope, 'article invoice settings customer order project');
  });

  it('posts token_type_hint and token to revoke', async () => {
    server = await startLocalServer((_req, res) => sendJson(res, 200, { Revoked: true }));
    await new FortnoxOAuth({ clientId: 'a', clientSecret: 'b', authUrl: server.url }).revoke('r9');
    assert.equal(server.requests[0]!.url, '/oauth-v1/revoke');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(server.requests[0]!.body)), { token_type_hint: 'refresh_token', token: 'r9' });
  });
});
