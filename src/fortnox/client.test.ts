import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { CATALOGUE, detailLocation } from './catalogue.ts';
import { FortnoxClient, type FortnoxClientOptions } from './client.ts';
import {
  FortnoxForbiddenPathError,
  FortnoxNetworkError,
  FortnoxNotFoundError,
  FortnoxRateLimitedError,
  FortnoxServerError,
  FortnoxUnauthorizedError,
  FortnoxWriteUncertainError,
  FortnoxBadRequestError,
} from './errors.ts';
import { fakeJwt, loadCassettes, sendJson, startLocalServer, type Handler, type LocalServer } from './local-server.test-support.ts';
import { assertReadablePath } from './path-guard.ts';
import { MemoryTokenStore } from './token-store.ts';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TENANT = '7';

async function setup(handler: Handler, options: Partial<FortnoxClientOptions> = {}) {
  server = await startLocalServer(handler);
  const store = new MemoryTokenStore();
  await store.save(TENANT, { mode: 'service', accessToken: 'tok-1', accessTokenExpiresAt: Date.now() + 3_600_000, refreshToken: null, scope: 'customer', status: 'active', statusReason: null, lease: null, updatedAt: 0 }, undefined);
  const client = new FortnoxClient({
    clientId: 'app', clientSecret: 's', apiUrl: server.url, authUrl: server.url, tokenStore: store,
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 }, timeoutMs: 300, rateLimit: 1000, rateWindowMs: 1000,
    ...options,
  });
  return { server, store, client, reader: client.reader(TENANT), writer: client.writer(TENANT) };
}

const api = (s: LocalServer) => s.requests.filter((r) => r.url.startsWith('/3/'));
const customer = { Customer: { CustomerNumber: '1', Name: 'Kund AB' } };

describe('FortnoxClient requests', () => {
  it('retries a GET through 500 and 502 and returns the answer', async () => {
    const statuses = [500, 502, 200];
    const { reader, server: s } = await setup((_req, res) => {
      const st = statuses.shift() ?? 200;
      sendJson(res, st, st === 200 ? customer : 'oops', st === 200 ? 'application/json' : 'text/plain');
    });
    assert.equal((await reader.detail('customers', '1')).Name, 'Kund AB');
    assert.equal(api(s).length, 3);
    assert.equal(reader.stats.retries, 2);
  });

  it('retries a GET whose connection was dropped', async () => {
    let n = 0;
    const { reader } = await setup((_req, res, raw) => {
      if (++n === 1) raw.socket.destroy();
      else sendJson(res, 200, customer);
    });
    assert.equal((await reader.detail('customers', 1)).CustomerNumber, '1');
    assert.equal(reader.stats.networkFailures, 1);
  });

  it('retries a GET that timed out', async () => {
    let n = 0;
    const { reader } = await setup(async (_req, res) => {
      if (++n === 1) await delay(1000);
      if (!res.destroyed) sendJson(res, 200, customer);
    });
    assert.equal((await reader.detail('customers', 1)).CustomerNumber, '1');
    assert.equal(n, 2);
  });

  it('retries after 429, honouring Retry-After', async () => {
    let n = 0;
    const { reader } = await setup((_req, res) => {
      if (++n === 1) res.writeHead(429, { 'Retry-After': '0' }).end();
      else sendJson(res, 200, customer);
    });
    await reader.detail('customers', 1);
    assert.equal(reader.stats.statuses[429], 1);
    assert.equal(reader.stats.statuses[200], 1);
  });

  it('gives up with typed errors after the last attempt', async () => {
    const { reader, server: s } = await setup((req, res) => sendJson(res, req.url.includes('/customers/') ? 503 : 429, '{}'));
    await assert.rejects(reader.detail('customers', 1), (e: FortnoxServerError) => e instanceof FortnoxServerError && e.status === 503 && e.code === 'FORTNOX_SERVER_ERROR');
    assert.equal(api(s).length, 4);
    await assert.rejects(reader.detail('articles', 1), (e: FortnoxRateLimitedError) => e instanceof FortnoxRateLimitedError && e.code === 'FORTNOX_RATE_LIMITED');
  });

  it('never repeats a POST whose connection dropped: the write is reported as uncertain', async () => {
    const { writer, server: s } = await setup((_req, _res, raw) => {
      raw.socket.destroy();
    });
    const err = await writer.create('customers', { Name: 'Ny kund' }).catch((e: unknown) => e);
    assert.ok(err instanceof FortnoxWriteUncertainError, String(err));
    assert.equal(err.code, 'FORTNOX_WRITE_UNCERTAIN');
    assert.equal(api(s).length, 1);
    assert.equal(api(s)[0]!.method, 'POST');
  });

  it('never repeats a POST answered with 500', async () => {
    const { writer, server: s } = await setup((_req, res) => sendJson(res, 500, '{}'));
    await assert.rejects(writer.create('customers', { Name: 'Ny kund' }), FortnoxWriteUncertainError);
    assert.equal(api(s).length, 1);
  });

  it('repeats a POST rejected with 429, which Fortnox refuses before processing', async () => {
    let n = 0;
    const { writer, server: s } = await setup((_req, res) => (++n === 1 ? sendJson(res, 429, '') : sendJson(res, 201, customer)));
    assert.equal((await writer.create('customers', { Name: 'Kund AB' })).CustomerNumber, '1');
    assert.equal(api(s).length, 2);
    assert.deepEqual(JSON.parse(api(s)[1]!.body), { Customer: { Name: 'Kund AB' } });
  });

  it('repeats a POST that provably never left (connection refused)', async () => {
    const { writer, server: s } = await setup(() => undefined);
    const deadUrl = s.url;
    await s.close();
    server = undefined;
    const store = new MemoryTokenStore();
    await store.save(TENANT, { mode: 'service', accessToken: 't', accessTokenExpiresAt: Date.now() + 3_600_000, refreshToken: null, scope: '', status: 'active', statusReason: null, lease: null, updatedAt: 0 }, undefined);
    const w = new FortnoxClient({ clientId: 'app', clientSecret: 's', apiUrl: deadUrl, authUrl: deadUrl, tokenStore: store, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }).writer(TENANT);
    const err = await w.create('customers', { Name: 'x' }).catch((e: unknown) => e);
    assert.ok(err instanceof FortnoxNetworkError, String(err));
    assert.equal(w.stats.attempts, 3);
    void writer;
  });

  it('renews the token once after a 401 and retries once', async () => {
    const { reader, server: s } = await setup((req, res) => {
      if (req.url === '/oauth-v1/token') return sendJson(res, 200, { access_token: fakeJwt({ tenantId: 7, v: 2 }), expires_in: 3600, token_type: 'bearer', scope: 'customer' });
      if (req.headers.authorization === 'Bearer tok-1') return sendJson(res, 401, '{"message":"unauthorized"}');
      sendJson(res, 200, customer);
    });
    await reader.detail('customers', 1);
    const tokenCalls = s.requests.filter((r) => r.url === '/oauth-v1/token');
    assert.equal(tokenCalls.length, 1);
    assert.equal(tokenCalls[0]!.headers.tenantid, TENANT);
    assert.equal(reader.stats.unauthorizedRenewals, 1);
  });

  it('surfaces FORTNOX_UNAUTHORIZED when the renewed token is refused too', async () => {
    const { reader, server: s } = await setup((req, res) => {
      if (req.url === '/oauth-v1/token') return sendJson(res, 200, { access_token: fakeJwt({ tenantId: 7 }), expires_in: 3600, token_type: 'bearer', scope: '' });
      sendJson(res, 401, '{"message":"unauthorized"}');
    });
    await assert.rejects(reader.detail('customers', 1), (e: FortnoxUnauthorizedError) => e instanceof FortnoxUnauthorizedError && e.fortnoxMessage === 'unauthorized');
    assert.equal(api(s).length, 2);
  });

  it('turns every recorded error response into its typed error, with Fortnox’s code and message', async () => {
    const failures = loadCassettes().filter((c) => c.status >= 400 && c.uri.includes('/3/'));
    let current = failures[0]!;
    const { reader } = await setup((req, res) =>
      req.url === '/oauth-v1/token'
        ? sendJson(res, 200, { access_token: fakeJwt({ tenantId: 7 }), expires_in: 3600, token_type: 'bearer', scope: '' })
        : sendJson(res, current.status, current.body, current.contentType));
    for (const c of failures) {
      current = c;
      const expected = { 400: FortnoxBadRequestError, 404: FortnoxNotFoundError, 401: FortnoxUnauthorizedError }[c.status]!;
      const err = await reader.detail('customers', 1).catch((e: unknown) => e);
      assert.ok(err instanceof expected, `${c.name}: ${String(err)}`);
      const info = (JSON.parse(c.body) as { ErrorInformation?: Record<string, unknown> }).ErrorInformation;
      const expectedCode = info ? (info.Code ?? info.code) : undefined;
      const expectedMessage = info ? (info.Message ?? info.message) : 'unauthorized';
      assert.deepEqual([err.status, err.fortnoxCode, err.fortnoxMessage], [c.status, expectedCode, expectedMessage], c.name);
    }
  });
});

describe('FortnoxReader paging', () => {
  function listServer(total: number, options: { vanishAfter?: number } = {}): Handler {
    return (req, res) => {
      const u = new URL(req.url, 'http://x');
      const limit = Number(u.searchParams.get('limit') ?? 100);
      const page = Number(u.searchParams.get('page') ?? 1);
      const pages = Math.ceil(total / limit);
      if (page > Math.max(1, options.vanishAfter ?? pages)) return sendJson(res, 400, { ErrorInformation: { error: 1, message: 'Angiven sida hittades ej (24).', code: 2000588 } });
      const items = Array.from({ length: Math.max(0, Math.min(limit, total - (page - 1) * limit)) }, (_, i) => ({ CustomerNumber: String((page - 1) * limit + i + 1) }));
      sendJson(res, 200, { MetaInformation: { '@TotalResources': total, '@TotalPages': pages, '@CurrentPage': page }, Customers: items });
    };
  }

  it('walks every page of 500, yielding totals with each, and passes query parameters through', async () => {
    const { reader, server: s } = await setup(listServer(1234));
    const pages = [];
    for await (const p of reader.pages('customers', { query: { lastmodified: '2026-11-01 00:00', sortby: 'customernumber' } })) pages.push({ page: p.page, n: p.items.length, totalPages: p.totalPages, totalResources: p.totalResources });
    assert.deepEqual(pages, [
      { page: 1, n: 500, totalPages: 3, totalResources: 1234 },
      { page: 2, n: 500, totalPages: 3, totalResources: 1234 },
      { page: 3, n: 234, totalPages: 3, totalResources: 1234 },
    ]);
    const q = new URL(api(s)[0]!.url, 'http://x').searchParams;
    assert.equal(q.get('limit'), '500');
    assert.equal(q.get('lastmodified'), '2026-11-01 00:00');
    assert.equal(q.get('sortby'), 'customernumber');
    let n = 0;
    for await (const item of reader.items('customers')) n += item.CustomerNumber ? 1 : 0;
    assert.equal(n, 1234);
  });

  it('yields one empty page for an empty list', async () => {
    const { reader, server: s } = await setup(listServer(0));
    const pages = [];
    for await (const p of reader.pages('customers')) pages.push(p);
    assert.deepEqual(pages, [{ items: [], page: 1, totalPages: 0, totalResources: 0 }]);
    assert.equal(api(s).length, 1);
  });

  it('ends the walk when a page disappears under it ("Angiven sida hittades ej")', async () => {
    const { reader } = await setup(listServer(1234, { vanishAfter: 2 }));
    let items = 0;
    for await (const p of reader.pages('customers')) items += p.items.length;
    assert.equal(items, 1000);
  });

  it('asks for the financial year of per-year data sets', async () => {
    const { reader, server: s } = await setup((_req, res) => sendJson(res, 200, { MetaInformation: { '@TotalResources': 0, '@TotalPages': 0, '@CurrentPage': 1 }, Vouchers: [] }));
    await assert.rejects(async () => {
      for await (const _ of reader.pages('vouchers')) break;
    }, /per financial year/);
    for await (const _ of reader.pages('vouchers', { financialYear: 3 })) break;
    assert.equal(new URL(api(s)[0]!.url, 'http://x').searchParams.get('financialyear'), '3');
    await reader.detail('vouchers', { Year: 3, VoucherSeries: 'A', VoucherNumber: 12 }).catch(() => undefined);
    assert.equal(api(s)[1]!.url, '/3/vouchers/A/12?financialyear=3');
  });
});

describe('the backup side cannot reach side-effecting paths', () => {
  it('rejects /print, /email, /eprint, /einvoice however the path is built', () => {
    for (const action of ['print', 'email', 'eprint', 'einvoice', 'PRINT', '%70rint', 'printreminder']) {
      assert.throws(() => assertReadablePath(`/3/invoices/1/${action}`), FortnoxForbiddenPathError, action);
    }
    const handMade = { ...CATALOGUE.invoices, detailPath: '/3/invoices/{DocumentNumber}/print' };
    assert.throws(() => assertReadablePath(detailLocation(handMade, 1).path), FortnoxForbiddenPathError);
    assert.throws(() => assertReadablePath('/3/invoices/1%2Fprint'), FortnoxForbiddenPathError);
    assert.throws(() => assertReadablePath('/3/invoices/1/../2/print'), FortnoxForbiddenPathError);
    assert.throws(() => assertReadablePath('/3/settings/company'), FortnoxForbiddenPathError);
    assert.doesNotThrow(() => assertReadablePath('/3/invoices/1/preview'));
    assert.doesNotThrow(() => assertReadablePath('/3/vouchers/A/12'));
  });

  it('sends nothing when an identifier tries to add a /print segment', async () => {
    const { reader, writer, server: s } = await setup((_req, res) => sendJson(res, 200, {}));
    await assert.rejects(reader.detail('invoices', '1/print'), FortnoxForbiddenPathError);
    await assert.rejects(reader.invoicePreview('1/../1/print'), FortnoxForbiddenPathError);
    await assert.rejects(writer.raw('PUT', '/3/invoices/1/email'), FortnoxForbiddenPathError);
    assert.equal(s.requests.length, 0);
  });

  it('downloads an invoice preview as bytes with its content type', async () => {
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0xff, 0xfe, 0x00, 0x80]);
    const { reader, server: s } = await setup((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/pdf' });
      res.end(pdf);
    });
    const d = await reader.invoicePreview(18);
    assert.equal(d.contentType, 'application/pdf');
    assert.deepEqual(d.body, pdf);
    assert.equal(api(s)[0]!.url, '/3/invoices/18/preview');
    const sie = await reader.sie(4, 2);
    assert.deepEqual(sie.body, pdf);
    assert.equal(api(s)[1]!.url, '/3/sie/4?financialyear=2');
    const byFileId = await reader.archiveFileByFileId('abc-123');
    assert.deepEqual(byFileId.body, pdf);
    assert.equal(api(s)[2]!.url, '/3/archive?fileid=abc-123');
    const stream = await reader.archiveFileStream('f-1');
    assert.deepEqual(Buffer.from(await new Response(stream.body).arrayBuffer()), pdf);
  });
});
