/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- answers are parsed JSON read field by field */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { api, basic, control, request, startFixtureSimulator, tokenRequest, serviceToken } from './client.test-support.ts';
import type { RunningSimulator } from './server.ts';

let sim: RunningSimulator;
let tenantId: number;
const REDIRECT = 'http://localhost:9999/callback';

before(async () => {
  sim = await startFixtureSimulator();
  tenantId = sim.tenants[0]!.tenantId;
});
after(() => sim.close());

function authUrl(extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ client_id: sim.clientId, redirect_uri: REDIRECT, scope: 'customer companyinformation', state: 's1', access_type: 'offline', response_type: 'code', ...extra });
  return `${sim.authUrl}/oauth-v1/auth?${q.toString()}`;
}

/** Approves the consent form like a user clicking "Godkänn"; returns the code from the redirect. */
async function approve(extra: Record<string, string> = {}): Promise<string> {
  const form = new URLSearchParams({ client_id: sim.clientId, redirect_uri: REDIRECT, scope: 'customer companyinformation', state: 's1', response_type: 'code', tenant_id: String(tenantId), decision: 'approve', ...extra });
  const a = await request(`${sim.authUrl}/oauth-v1/auth`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  assert.equal(a.status, 302, a.text);
  const location = new URL(a.headers.get('location') ?? '');
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  assert.equal(location.searchParams.get('state'), 's1');
  return location.searchParams.get('code') ?? '';
}

const S256 = (v: string): string => createHash('sha256').update(v).digest('base64url');

test('the consent page is in Swedish and lists the requested scopes and the companies', async () => {
  const a = await request(authUrl());
  assert.equal(a.status, 200);
  assert.match(a.headers.get('content-type') ?? '', /text\/html/);
  assert.match(a.text, /Godkänn/);
  assert.match(a.text, /Kunder/);
  assert.match(a.text, /Företagsinformation/);
  assert.match(a.text, new RegExp(String(tenantId)));
});

test('an authorization code with PKCE S256 gives tokens in the recorded key order', async () => {
  const verifier = 'a-verifier-that-is-long-enough-0123456789';
  const code = await approve({ code_challenge: S256(verifier), code_challenge_method: 'S256' });
  const a = await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(Object.keys(a.json), ['access_token', 'expires_in', 'token_type', 'scope', 'refresh_token']);
  assert.equal(a.json.expires_in, 3600);
  assert.equal(a.json.token_type, 'bearer');
  assert.equal(a.json.scope, 'customer companyinformation');
  const claims = JSON.parse(Buffer.from(String(a.json.access_token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  for (const k of ['tenantId', 'userId', 'clientId', 'scope', 'exp', 'iat']) assert.ok(k in claims, k);
  assert.equal(claims.tenantId, tenantId);
  const info = await api(sim, a.json.access_token as string).get('/3/companyinformation');
  assert.equal(info.status, 200);
});

test('a wrong PKCE verifier, a reused code and a wrong redirect_uri are refused', async () => {
  const code = await approve({ code_challenge: S256('right'), code_challenge_method: 'S256' });
  const wrong = await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: 'wrong' });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.error, 'invalid_grant');

  const plain = await approve({ code_challenge: 'plain-verifier', code_challenge_method: 'plain' });
  const first = await tokenRequest(sim, { grant_type: 'authorization_code', code: plain, redirect_uri: REDIRECT, code_verifier: 'plain-verifier' });
  assert.equal(first.status, 200, first.text);
  const again = await tokenRequest(sim, { grant_type: 'authorization_code', code: plain, redirect_uri: REDIRECT, code_verifier: 'plain-verifier' });
  assert.equal(again.status, 400);
  assert.equal(again.json.error, 'invalid_grant');

  const other = await approve();
  const badRedirect = await tokenRequest(sim, { grant_type: 'authorization_code', code: other, redirect_uri: 'http://evil.example/' });
  assert.equal(badRedirect.status, 400);
});

test('refresh tokens rotate and a reused one fails exactly like the recorded reply', async () => {
  const code = await approve();
  const first = await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
  const r1 = first.json.refresh_token as string;
  const second = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: r1 });
  assert.equal(second.status, 200, second.text);
  assert.notEqual(second.json.refresh_token, r1);
  const reused = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: r1 });
  assert.equal(reused.status, 400);
  assert.equal(reused.headers.get('content-type'), 'text/html; charset=UTF-8');
  assert.equal(reused.text, '{"error":"invalid_grant","error_description":"Invalid refresh token"}');
  const third = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: second.json.refresh_token as string });
  assert.equal(third.status, 200);
});

test('wrong client credentials get the recorded invalid_client reply', async () => {
  const a = await request(`${sim.authUrl}/oauth-v1/token`, {
    method: 'POST', headers: { Authorization: basic(sim, sim.clientId, 'nope'), 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials',
  });
  assert.equal(a.status, 401);
  assert.equal(a.text, '{"error":"invalid_client","error_description":"The client credentials are invalid"}');
});

test('client credentials with a TenantId header work for a service-account consent and carry no refresh token', async () => {
  const a = await tokenRequest(sim, { grant_type: 'client_credentials' }, { TenantId: String(tenantId) });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.refresh_token, undefined);
  const unknown = await tokenRequest(sim, { grant_type: 'client_credentials' }, { TenantId: '1' });
  assert.equal(unknown.status, 400);
});

test('an access token expires after an hour of simulated time', async () => {
  const local = await startFixtureSimulator();
  try {
    const token = await serviceToken(local);
    assert.equal((await api(local, token).get('/3/customers')).status, 200);
    await control(local, 'POST', 'clock/advance', { hours: 1, seconds: 1 });
    const expired = await api(local, token).get('/3/customers');
    assert.equal(expired.status, 401);
    assert.equal(expired.text, '{"message":"unauthorized"}');
  } finally {
    await local.close();
  }
});

test('malformed and forged tokens get 401 unauthorized', async () => {
  const token = await serviceToken(sim);
  const [h, p] = token.split('.');
  for (const bad of ['garbage', `${h}.${p}.AAAA`, '']) {
    const a = await api(sim, bad).get('/3/customers');
    assert.equal(a.status, 401);
    assert.equal(a.text, '{"message":"unauthorized"}');
  }
});

test('revoking a refresh token ends the consent: its access tokens and refresh tokens stop working', async () => {
  const code = await approve();
  const t = await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
  const access = t.json.access_token as string;
  assert.equal((await api(sim, access).get('/3/customers')).status, 200);
  const r = await request(`${sim.authUrl}/oauth-v1/revoke`, {
    method: 'POST', headers: { Authorization: basic(sim), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token_type_hint: 'refresh_token', token: t.json.refresh_token as string }).toString(),
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.Revoked, true);
  assert.equal((await api(sim, access).get('/3/customers')).status, 401);
  const refresh = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token as string });
  assert.equal(refresh.status, 400);
});

test('an endpoint outside the granted scopes answers 403 with Fortnox\'s scope error', async () => {
  const code = await approve();
  const t = await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
  const a = await api(sim, t.json.access_token as string).get('/3/invoices');
  assert.equal(a.status, 403);
  assert.deepEqual(a.json, { ErrorInformation: { error: 1, message: 'Har inte behörighet för scope.', code: 2001101 } });
});

test('auto-approve redirects at once, and account_type=service creates a service consent', async () => {
  const set = await control(sim, 'POST', 'auto-approve', { tenantId });
  assert.equal(set.status, 200);
  const a = await request(authUrl({ account_type: 'service', scope: 'customer' }));
  assert.equal(a.status, 302);
  const code = new URL(a.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const t = await tokenRequest(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
  assert.equal(t.status, 200);
  const cc = await tokenRequest(sim, { grant_type: 'client_credentials' }, { TenantId: String(tenantId) });
  assert.equal(cc.json.scope, 'customer', 'the new service consent replaced the pre-made one');
  await control(sim, 'POST', 'auto-approve', { tenantId: null });
  await control(sim, 'POST', 'consents/service', { tenantId });
});

test('denying the consent redirects with access_denied', async () => {
  const form = new URLSearchParams({ client_id: sim.clientId, redirect_uri: REDIRECT, scope: 'customer', state: 'x', response_type: 'code', decision: 'deny' });
  const a = await request(`${sim.authUrl}/oauth-v1/auth`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  assert.equal(a.status, 302);
  assert.equal(new URL(a.headers.get('location') ?? '').searchParams.get('error'), 'access_denied');
});
