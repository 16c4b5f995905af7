/**
 * The client against the Fortnox simulator over real HTTP: paging, the rate limit, token expiry,
 * rotation and revocation, and injected faults. Everything is observed at the simulator (its counters
 * and side effects) or from recorded send timestamps; nothing asserts on durations.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { BACKUP_SCOPES } from './catalogue.ts';
import { FortnoxClient, type FortnoxClientOptions } from './client.ts';
import { FortnoxForbiddenPathError, FortnoxReconnectNeededError, FortnoxWriteUncertainError } from './errors.ts';
import { maxInAnyWindow } from './local-server.test-support.ts';
import { MemoryTokenStore, type TokenStore } from './token-store.ts';
import { toNumber, toText } from './values.ts';
import type { JsonObject } from './body.ts';

interface Counters {
  requests: Record<string, number>;
  total: number;
  rateLimited: number;
  sideEffects: Record<string, { printed: string[]; emailed: string[]; eprinted: string[]; einvoiced: string[]; writes: number }>;
}

async function control<T = unknown>(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sim.url}/__sim/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
  const text = await res.text();
  assert.equal(res.status, 200, `control ${method} ${path}: ${text}`);
  return JSON.parse(text) as T;
}

const counters = (sim: RunningSimulator) => control<Counters>(sim, 'GET', 'counters');
const tokenRequests = async (sim: RunningSimulator) => (await counters(sim)).requests['POST /oauth-v1/token'] ?? 0;

function newClient(sim: RunningSimulator, store: TokenStore, extra: Partial<FortnoxClientOptions> = {}): FortnoxClient {
  return new FortnoxClient({
    clientId: sim.clientId, clientSecret: sim.clientSecret, apiUrl: sim.apiUrl, authUrl: sim.authUrl, tokenStore: store,
    rateLimit: 1000, rateWindowMs: 1000, retry: { maxAttempts: 8, baseDelayMs: 10, maxDelayMs: 200 }, timeoutMs: 5000,
    ...extra,
  });
}

/** A service-account connection, the preferred mode: consent given in the simulator, first token minted. */
async function serviceConnection(sim: RunningSimulator, extra: Partial<FortnoxClientOptions> = {}) {
  const tenantId = String(sim.tenants[0]!.tenantId);
  await control(sim, 'POST', 'consents/service', { tenantId: Number(tenantId) });
  const store = new MemoryTokenStore();
  const client = newClient(sim, store, extra);
  await client.tokens.connectServiceAccount(tenantId);
  return { tenantId, store, client, reader: client.reader(tenantId), writer: client.writer(tenantId) };
}

/** An authorization-code connection with a rotating refresh token, through the simulator's consent flow. */
async function authorizedConnection(sim: RunningSimulator, store: TokenStore = new MemoryTokenStore(), extra: Partial<FortnoxClientOptions> = {}) {
  const tenant = sim.tenants[0]!.tenantId;
  await control(sim, 'POST', 'auto-approve', { tenantId: tenant });
  const client = newClient(sim, store, extra);
  const redirectUri = 'http://localhost/callback';
  const request = client.oauth.authorizationRequest({ scopes: BACKUP_SCOPES, redirectUri });
  const res = await fetch(request.url, { redirect: 'manual' });
  const location = new URL(res.headers.get('location') ?? 'http://missing/');
  assert.equal(location.searchParams.get('state'), request.state);
  const tokens = await client.oauth.exchangeCode(location.searchParams.get('code') ?? '', { codeVerifier: request.codeVerifier, redirectUri });
  assert.equal(tokens.tenantId, String(tenant));
  const tenantId = await client.tokens.saveAuthorizedConnection(tokens);
  await control(sim, 'POST', 'auto-approve', {});
  return { tenantId, store, client, reader: client.reader(tenantId), writer: client.writer(tenantId) };
}

describe('the client against the simulator', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({ seed: 11, size: 'small', rateLimit: 1000, rateWindowMs: 1000 });
  });
  after(() => sim.close());
  beforeEach(async () => {
    await control(sim, 'DELETE', 'faults');
    await control(sim, 'POST', 'counters/reset');
  });

  it('walks every page of a data set with limit=500, streaming, with totals for progress', async () => {
    const { reader, writer } = await serviceConnection(sim);
    let existing = 0;
    for await (const p of reader.pages('customers')) existing = p.totalResources;
    for (let i = existing; i < 1050; i++) await writer.create('customers', { Name: `Pagingkund ${i} AB` });
    await control(sim, 'POST', 'counters/reset');

    const seen = new Set<string>();
    const pages: { page: number; n: number; totalPages: number; totalResources: number }[] = [];
    for await (const p of reader.pages('customers')) {
      pages.push({ page: p.page, n: p.items.length, totalPages: p.totalPages, totalResources: p.totalResources });
      for (const c of p.items) seen.add(toText(c.CustomerNumber)!);
    }
    const total = pages[0]!.totalResources;
    assert.ok(total >= 1050);
    assert.equal(pages.length, Math.ceil(total / 500));
    assert.deepEqual(pages.map((p) => p.n), pages.map((_, i) => Math.min(500, total - i * 500)));
    assert.equal(seen.size, total);
    const c = await counters(sim);
    assert.equal(c.requests['GET /3/customers'], pages.length);
  });

  it('walks per-financial-year data sets, and reads details, SIE, PDFs and files as the catalogue says', async () => {
    const { reader } = await serviceConnection(sim);
    const info = await reader.companyInformation();
    assert.equal(toText(info.DatabaseNumber), String(sim.tenants[0]!.tenantId));
    const years = [];
    for await (const y of reader.items('financialyears')) years.push(y);
    assert.ok(years.length > 0);
    const year = toNumber(years[0]!.Id)!;
    for await (const v of reader.items('vouchers', { financialYear: year })) {
      const detail = await reader.detail('vouchers', v);
      assert.ok(Array.isArray(detail.VoucherRows));
      break;
    }
    for await (const a of reader.items('accounts', { financialYear: year })) {
      assert.equal((await reader.detail('accounts', a)).Number, a.Number);
      break;
    }
    const sie = await reader.sie(4, year);
    assert.ok(sie.body.length > 0);
    assert.ok(sie.body.includes(Buffer.from('#FLAGGA')));
    for await (const inv of reader.items('invoices')) {
      const pdf = await reader.invoicePreview(toText(inv.DocumentNumber)!);
      assert.equal(pdf.contentType.split(';')[0], 'application/pdf');
      assert.equal(pdf.body.subarray(0, 5).toString('latin1'), '%PDF-');
      break;
    }
    for await (const fc of reader.items('supplierinvoicefileconnections')) {
      const file = await reader.archiveFile(toText(fc.FileId)!);
      assert.ok(file.body.length > 0);
      break;
    }
    const effects = (await counters(sim)).sideEffects[String(sim.tenants[0]!.tenantId)]!;
    assert.deepEqual([effects.printed, effects.emailed, effects.eprinted, effects.einvoiced, effects.writes], [[], [], [], [], 0]);
  });

  it("knows Fortnox's clock from its Date header, not ours (lastmodified is stamped by Fortnox)", async () => {
    const { reader } = await serviceConnection(sim);
    assert.equal(reader.serverNow(), undefined, 'unknown before the first answer');
    await control(sim, 'POST', 'clock/advance', { days: 40 });
    await reader.companyInformation();
    const { now } = await control<{ now: number }>(sim, 'GET', 'clock');
    const server = reader.serverNow()?.getTime() ?? Number.NaN;
    // The header has whole seconds; allow them plus the time between the two calls.
    assert.ok(Math.abs(server - now) < 5_000, `server ${new Date(server).toISOString()} vs simulated ${new Date(now).toISOString()}`);
    assert.ok(Math.abs(server - Date.now()) > 20 * 86_400_000, 'not the local clock');
  });

  it('refuses side-effecting paths before anything reaches Fortnox', async () => {
    const { reader } = await serviceConnection(sim);
    await control(sim, 'POST', 'counters/reset');
    await assert.rejects(reader.invoicePreview('1/../1/print'), FortnoxForbiddenPathError);
    await assert.rejects(reader.detail('invoices', '1/email'), FortnoxForbiddenPathError);
    assert.equal((await counters(sim)).total, 0);
  });

  it('renews transparently when the access token expires mid-run (clock moved 1 h)', async () => {
    const { reader, store, tenantId } = await authorizedConnection(sim);
    await reader.companyInformation();
    const before = (await store.load(tenantId))!.value.refreshToken;
    await control(sim, 'POST', 'counters/reset');
    await control(sim, 'POST', 'clock/advance', { hours: 1 });
    let n = 0;
    for await (const _ of reader.items('customers')) n++;
    await reader.companyInformation();
    assert.ok(n > 0);
    assert.equal(await tokenRequests(sim), 1);
    assert.equal(reader.stats.unauthorizedRenewals, 1);
    const after = (await store.load(tenantId))!.value;
    assert.notEqual(after.refreshToken, before, 'the refresh token rotated and the new one was saved');
  });

  it('rotates refresh tokens: the used one is dead, the saved one works', async () => {
    const { client, store, tenantId } = await authorizedConnection(sim);
    const first = (await store.load(tenantId))!.value;
    await client.tokens.renewAfterRejection(tenantId, first.accessToken!);
    const second = (await store.load(tenantId))!.value;
    assert.notEqual(second.refreshToken, first.refreshToken);
    await assert.rejects(client.oauth.refresh(first.refreshToken!), (e: { oauthError?: string }) => e.oauthError === 'invalid_grant');
    await client.tokens.renewAfterRejection(tenantId, second.accessToken!);
    assert.equal((await store.load(tenantId))!.value.status, 'active');
  });

  it('sends exactly one refresh when two clients sharing a token store need a new token at once', async () => {
    const store = new MemoryTokenStore();
    const { tenantId } = await authorizedConnection(sim, store);
    const cur = (await store.load(tenantId))!;
    await store.save(tenantId, { ...cur.value, accessTokenExpiresAt: 0 }, cur.version);
    await control(sim, 'POST', 'counters/reset');
    const one = newClient(sim, store, { tokens: { owner: 'worker-1', pollMs: 20 } }).reader(tenantId);
    const two = newClient(sim, store, { tokens: { owner: 'worker-2', pollMs: 20 } }).reader(tenantId);
    const results = await Promise.all([one.companyInformation(), two.companyInformation(), one.detail('financialyears', 1), two.detail('financialyears', 1)]);
    assert.equal(results.length, 4);
    assert.equal(await tokenRequests(sim), 1);
    assert.equal((await counters(sim)).requests['GET /3/companyinformation'], 2);
  });

  it('marks a revoked refresh-token connection "reconnect needed" instead of crashing', async () => {
    const told: string[] = [];
    const { reader, store, tenantId } = await authorizedConnection(sim, new MemoryTokenStore(), { tokens: { onReconnectNeeded: (t) => told.push(t) } });
    await reader.companyInformation();
    await control(sim, 'POST', 'consents/revoke', { tenantId: Number(tenantId) });
    const err = await reader.companyInformation().catch((e: unknown) => e);
    assert.ok(err instanceof FortnoxReconnectNeededError, String(err));
    assert.equal(err.code, 'FORTNOX_RECONNECT_NEEDED');
    assert.equal((await store.load(tenantId))!.value.status, 'reconnect_needed');
    assert.deepEqual(told, [tenantId]);
    const tokenCalls = await tokenRequests(sim);
    await assert.rejects(reader.companyInformation(), FortnoxReconnectNeededError);
    assert.equal(await tokenRequests(sim), tokenCalls, 'no more token requests once marked');
  });

  it('marks a revoked service-account consent "reconnect needed" too', async () => {
    const { reader, store, tenantId } = await serviceConnection(sim);
    await control(sim, 'POST', 'faults', { kind: 'revoke', tenantId: Number(tenantId), count: 1 });
    await assert.rejects(reader.companyInformation(), FortnoxReconnectNeededError);
    assert.equal((await store.load(tenantId))!.value.status, 'reconnect_needed');
  });

  it('gets through injected 5xx, dropped connections, a slow answer and a 429 storm on reads', async () => {
    const { reader, tenantId } = await serviceConnection(sim, { timeoutMs: 400 });
    const t = Number(tenantId);
    await control(sim, 'POST', 'faults', { kind: '5xx', status: 503, tenantId: t, path: '/3/customers', count: 2 });
    await control(sim, 'POST', 'faults', { kind: 'drop', tenantId: t, path: '/3/articles', count: 2 });
    await control(sim, 'POST', 'faults', { kind: 'slow', delayMs: 1500, tenantId: t, path: '/3/projects', count: 1 });
    await control(sim, 'POST', 'faults', { kind: '429', tenantId: t, path: '/3/suppliers', count: 5 });
    const count = async (name: 'customers' | 'articles' | 'projects' | 'suppliers') => {
      let n = 0;
      for await (const _ of reader.items(name)) n++;
      return n;
    };
    for (const name of ['customers', 'articles', 'projects', 'suppliers'] as const) assert.ok((await count(name)) > 0, name);
    const s = reader.stats;
    assert.equal(s.statuses[503], 2);
    assert.equal(s.statuses[429], 5);
    assert.equal(s.networkFailures, 3, 'two drops and one timeout');
    assert.equal(s.retries, 10);
    assert.deepEqual((await control<{ faults: unknown[] }>(sim, 'GET', 'faults')).faults, []);
  });

  it('does not repeat a POST whose connection dropped', async () => {
    const { writer, tenantId } = await serviceConnection(sim);
    await control(sim, 'POST', 'counters/reset');
    await control(sim, 'POST', 'faults', { kind: 'drop', tenantId: Number(tenantId), path: '/3/customers', count: 1 });
    const err = await writer.create('customers', { Name: 'Osäker AB' }).catch((e: unknown) => e);
    assert.ok(err instanceof FortnoxWriteUncertainError, String(err));
    const c = await counters(sim);
    assert.equal(c.requests['POST /3/customers'], 1);
    assert.equal(c.sideEffects[tenantId]!.writes, 0);
  });
});

describe('the rate limiter against the simulator', () => {
  const LIMIT = 10;
  const WINDOW = 500;
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({ seed: 12, size: 'small', rateLimit: LIMIT, rateWindowMs: WINDOW });
  });
  after(() => sim.close());

  it('saturates the budget with zero 429s and never more than the limit in any window', async () => {
    const sends: number[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).includes('/3/')) sends.push(performance.now());
      return fetch(input, init);
    };
    const { reader } = await serviceConnection(sim, { rateLimit: LIMIT, rateWindowMs: WINDOW, fetch: recordingFetch });
    const customers: JsonObject[] = [];
    for await (const c of reader.items('customers')) customers.push(c);
    await control(sim, 'POST', 'counters/reset');
    sends.length = 0;
    const N = 6 * LIMIT;
    await Promise.all(Array.from({ length: N }, (_, i) => reader.detail('customers', customers[i % customers.length]!)));
    const c = await counters(sim);
    assert.equal(c.rateLimited, 0);
    assert.equal(c.total, N);
    assert.equal(reader.stats.statuses[429], undefined);
    assert.equal(sends.length, N);
    assert.equal(maxInAnyWindow(sends, WINDOW), LIMIT, 'the limit is reached (budget used) but never exceeded');
    assert.ok(reader.stats.limiter.waits >= N - LIMIT);
  });
});
