/**
 * Fidelity of the simulator against Fortnox itself:
 *  1. every response of a full walk of a company (every list page, every detail, files, PDFs, SIE,
 *     errors) has the shape Fortnox's own OpenAPI document describes (patched only for known gaps);
 *  2. every request recorded from the real Fortnox API, replayed against the simulator, gets the same
 *     status, envelope, key set and error body shape.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../server.ts';
import { OpenApiShapes } from './openapi-shape.ts';
import { loadRecordedInteractions, type RecordedInteraction } from './cassettes.ts';

const shapes = OpenApiShapes.load();
let sim: RunningSimulator;
let token: string;
let emptyToken: string;
const problems: string[] = [];

async function tokenFor(tenantId: number): Promise<string> {
  const res = await fetch(`${sim.authUrl}/oauth-v1/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      TenantId: String(tenantId),
    },
    body: 'grant_type=client_credentials',
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

interface Answer { status: number; contentType: string; raw: Buffer; json: unknown }

async function call(method: string, pathAndQuery: string, options: { body?: string; auth?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const auth = options.auth === undefined ? token : options.auth;
  if (auth !== null) headers.Authorization = `Bearer ${auth}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${sim.apiUrl}${pathAndQuery}`, { method, headers, ...(options.body === undefined ? {} : { body: options.body }) });
  const raw = Buffer.from(await res.arrayBuffer());
  const contentType = res.headers.get('content-type') ?? '';
  const json: unknown = contentType.includes('json') && raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
  return { status: res.status, contentType, raw, json };
}

/** Calls and checks the answer's shape against the document, collecting problems instead of stopping. */
async function checked(method: string, pathAndQuery: string, options: { body?: string; auth?: string | null } = {}): Promise<Answer> {
  const a = await call(method, pathAndQuery, options);
  const pathname = new URL(pathAndQuery, 'http://x').pathname;
  const result = shapes.checkResponse(method, pathname, a.status, a.contentType, a.json);
  for (const p of result.problems) problems.push(`${method} ${pathAndQuery} (${result.template}) → ${a.status}: ${p.path} ${p.message}`);
  return a;
}

type Envelope = Record<string, unknown> & { MetaInformation?: { '@TotalResources': number; '@TotalPages': number; '@CurrentPage': number } };

/** Reads every page of a list with limit=500 and returns the items; checks paging arithmetic. */
async function walkList(path: string, key: string, query = ''): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let pages = 1;
  for (let page = 1; page <= pages; page++) {
    const sep = path.includes('?') || query !== '' ? '&' : '?';
    const a = await checked('GET', `${path}${query === '' ? '' : `?${query}`}${sep}limit=500&page=${page}`);
    assert.equal(a.status, 200, `${path} page ${page}: ${a.raw.toString()}`);
    const env = a.json as Envelope;
    const meta = env.MetaInformation;
    assert.ok(meta, `${path} has MetaInformation`);
    assert.deepEqual(Object.keys(env)[0], 'MetaInformation', 'MetaInformation comes first, as in real replies');
    assert.equal(meta['@CurrentPage'], page);
    pages = meta['@TotalPages'];
    const list = env[key];
    assert.ok(Array.isArray(list), `${path} has the list key ${key}`);
    items.push(...(list as Record<string, unknown>[]));
    if (page === pages || pages === 0) assert.equal(items.length, meta['@TotalResources'], `${path}: pages add up to @TotalResources`);
  }
  return items;
}

/** Follows an item's `@url` (absolute, pointing at this server) to its detail. */
async function detail(item: Record<string, unknown>, key: string): Promise<Record<string, unknown>> {
  const url = new URL(String(item['@url']));
  assert.equal(url.origin, new URL(sim.apiUrl).origin, '@url points at the API that served it');
  const a = await checked('GET', `${url.pathname}${url.search}`);
  assert.equal(a.status, 200, `${url.pathname}${url.search}: ${a.raw.toString()}`);
  const body = a.json as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(body), [key]);
  return body[key] as Record<string, unknown>;
}

before(async () => {
  sim = await startSimulator({ size: 'small', seed: 42, companies: 1, emptyCompanies: 1, rateLimit: 100_000 });
  const [company, empty] = sim.tenants;
  assert.ok(company && empty, 'one company with data and one empty company');
  token = await tokenFor(company.tenantId);
  emptyToken = await tokenFor(empty.tenantId);
});

after(async () => {
  await sim.close();
});

// Register data sets: list path, list key, detail key, and how many details to read (all for small).
const REGISTERS = [
  ['/3/customers', 'Customers', 'Customer'],
  ['/3/suppliers', 'Suppliers', 'Supplier'],
  ['/3/articles', 'Articles', 'Article'],
  ['/3/projects', 'Projects', 'Project'],
  ['/3/costcenters', 'CostCenters', 'CostCenter'],
  ['/3/invoices', 'Invoices', 'Invoice'],
  ['/3/supplierinvoices', 'SupplierInvoices', 'SupplierInvoice'],
  ['/3/supplierinvoicefileconnections', 'SupplierInvoiceFileConnections', 'SupplierInvoiceFileConnection'],
  ['/3/voucherfileconnections', 'VoucherFileConnections', 'VoucherFileConnection'],
] as const;

test('a full walk of a company has the shapes of Fortnox\'s OpenAPI document', async () => {
  const info = await checked('GET', '/3/companyinformation');
  assert.equal(info.status, 200);
  const company = (info.json as { CompanyInformation: Record<string, unknown> }).CompanyInformation;
  assert.equal(Number(company.DatabaseNumber), sim.tenants[0]?.tenantId);

  for (const [path, listKey, detailKey] of REGISTERS) {
    const items = await walkList(path, listKey);
    assert.ok(items.length > 0, `${path} has records in the small company`);
    for (const item of items) await detail(item, detailKey);
  }

  const years = await walkList('/3/financialyears', 'FinancialYears');
  assert.ok(years.length >= 3, 'several financial years');
  for (const year of years) {
    await detail(year, 'FinancialYear');
    const id = String(year.Id);
    const accounts = await walkList('/3/accounts', 'Accounts', `financialyear=${id}`);
    assert.ok(accounts.length > 50, 'a BAS chart of accounts');
    for (const account of accounts.slice(0, 20)) await detail(account, 'Account');
    const series = await walkList('/3/voucherseries', 'VoucherSeriesCollection', `financialyear=${id}`);
    for (const s of series) await detail(s, 'VoucherSeries');
    const vouchers = await walkList('/3/vouchers', 'Vouchers', `financialyear=${id}`);
    for (const v of vouchers.slice(0, 30)) {
      const full = await detail(v, 'Voucher');
      assert.ok(Array.isArray(full.VoucherRows) && full.VoucherRows.length >= 2, 'a voucher detail carries its rows');
    }
    if (series[0] !== undefined) await walkList(`/3/vouchers/sublist/${encodeURIComponent(String(series[0].Code))}`, 'Vouchers', `financialyear=${id}`);
    for (const type of [1, 2, 3, 4]) {
      const sie = await checked('GET', `/3/sie/${type}?financialyear=${id}`);
      assert.equal(sie.status, 200);
      assert.match(sie.raw.subarray(0, 40).toString('latin1'), /^#FLAGGA 0/);
    }
  }

  const invoices = await walkList('/3/invoices', 'Invoices');
  for (const inv of invoices.slice(0, 5)) {
    const pdf = await checked('GET', `/3/invoices/${String(inv.DocumentNumber)}/preview`);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.raw.subarray(0, 5).toString('latin1'), '%PDF-');
  }

  const root = await checked('GET', '/3/archive');
  assert.equal(root.status, 200);
  const connections = await walkList('/3/supplierinvoicefileconnections', 'SupplierInvoiceFileConnections');
  for (const c of connections.slice(0, 5)) {
    const file = await checked('GET', `/3/archive/${String(c.FileId)}`);
    assert.equal(file.status, 200);
    assert.ok(file.raw.length > 100, 'a real file');
  }
  const inbox = await checked('GET', '/3/inbox');
  assert.equal(inbox.status, 200);

  assert.deepEqual(problems, []);
});

test('error responses have Fortnox\'s shapes, casings and messages', async () => {
  const missing = await checked('GET', '/3/customers/123456789');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { ErrorInformation: { Error: 1, Message: 'Kan inte hitta kunden.', Code: 2000433 } });

  const filter = await checked('GET', '/3/invoices?filter=doesntexist');
  assert.equal(filter.status, 400);
  assert.deepEqual(filter.json, { ErrorInformation: { error: 1, message: 'Ett ogiltigt filter har använts.', code: 2000587 } });
  assert.match(filter.raw.toString('latin1'), /anv\\u00e4nts/, 'non-ASCII is escaped as \\u00e4 like the real body');

  const pastEnd = await checked('GET', '/3/customers?page=9999');
  assert.equal(pastEnd.status, 400);
  assert.equal((pastEnd.json as { ErrorInformation: { message: string } }).ErrorInformation.message, 'Angiven sida hittades ej (24).');

  const offsetPast = await checked('GET', '/3/projects?offset=10000');
  assert.equal(offsetPast.status, 200);
  assert.deepEqual((offsetPast.json as Envelope).MetaInformation, { '@TotalResources': 0, '@TotalPages': 0, '@CurrentPage': 1 });

  const noToken = await call('GET', '/3/customers', { auth: null });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.raw.toString(), '{"message":"unauthorized"}');
  const badToken = await call('GET', '/3/customers', { auth: 'not-a-jwt' });
  assert.equal(badToken.status, 401);
  assert.equal(badToken.raw.toString(), '{"message":"unauthorized"}');

  assert.deepEqual(problems, []);
});

// ---- Replay of the real recordings ----

/** Keys the 2023 recordings and the current OpenAPI document disagree on (the API moved on). */
const API_EVOLUTION: Record<string, readonly [recordedOnly: string, documentOnly: string][]> = {
  Invoice: [['InvoiceReference', 'InvoicePeriodReference']],
  InvoiceRows: [['Cost', 'VATCode']],
};

function sameKeys(label: string, recorded: Record<string, unknown>, simulated: Record<string, unknown>, where: string): void {
  const r = new Set(Object.keys(recorded));
  const s = new Set(Object.keys(simulated));
  for (const [old, current] of API_EVOLUTION[label] ?? []) {
    if (r.has(old) && s.has(current) && !s.has(old)) {
      r.delete(old);
      r.add(current);
    }
  }
  assert.deepEqual([...s].sort(), [...r].sort(), `${where}: key set of ${label}`);
  for (const [k, v] of Object.entries(recorded)) {
    const sv = simulated[k];
    if (Array.isArray(v) && Array.isArray(sv) && v.length > 0 && sv.length > 0 && typeof v[0] === 'object' && v[0] !== null) {
      sameKeys(k, v[0] as Record<string, unknown>, sv[0] as Record<string, unknown>, where);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && sv !== null && typeof sv === 'object' && !Array.isArray(sv)) {
      sameKeys(k, v as Record<string, unknown>, sv as Record<string, unknown>, where);
    }
  }
}

/** Resource path segment → [detail key, number field] for creating prerequisites the recordings assume. */
const NUMBERED: Record<string, readonly [string, string]> = {
  customers: ['Customer', 'CustomerNumber'],
  articles: ['Article', 'ArticleNumber'],
  invoices: ['Invoice', 'DocumentNumber'],
};

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/__sim/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
  assert.equal(res.status, 200, `control ${method} ${path}`);
  return res.json();
}

test('replayed real recordings get the same status, envelope, key sets and error bodies', async () => {
  // Against the empty company, so the replay is not confused by generated data.
  let auth = emptyToken;
  const emptyTenant = sim.tenants[1]?.tenantId as number;
  const recorded = loadRecordedInteractions().filter((r) => r.url.pathname.startsWith('/3/'));
  // Records the recording session created are found under the numbers the simulator gives them.
  const idMap = new Map<string, string>();
  const mapPath = (p: string): string => {
    const [, , resource, id, ...rest] = p.split('/');
    if (resource === undefined || id === undefined || id === '') return p.replace(/\/$/, '');
    return ['', '3', resource, idMap.get(`${resource}/${id}`) ?? id, ...rest].join('/');
  };

  // Prerequisites: records the recordings reference but did not create in the session (customer 1, article 101…).
  const referenced = new Set<string>();
  for (const r of recorded) {
    const body = r.requestBody.startsWith('{') ? (JSON.parse(r.requestBody) as Record<string, Record<string, unknown>>) : {};
    const inner = Object.values(body)[0] ?? {};
    if (typeof inner.CustomerNumber === 'string') referenced.add(`customers/${inner.CustomerNumber}`);
    for (const row of (inner.InvoiceRows as Record<string, unknown>[] | undefined) ?? []) {
      if (typeof row.ArticleNumber === 'string') referenced.add(`articles/${row.ArticleNumber}`);
    }
  }
  for (const ref of referenced) {
    const [resource, id] = ref.split('/') as [string, string];
    const [key, field] = NUMBERED[resource] as readonly [string, string];
    const exists = await call('GET', `/3/${ref}`, { auth });
    if (exists.status === 200) continue;
    const created = await call('POST', `/3/${resource}`, { auth, body: JSON.stringify({ [key]: { [field]: id, ...(resource === 'customers' ? { Name: 'Förutsättning' } : { Description: 'Förutsättning' }) } }) });
    assert.equal(created.status, 201, `creating prerequisite ${ref}: ${created.raw.toString()}`);
  }

  // Writes first (creates, then updates), then reads, as the recording session did; the expired-token
  // recording last, because replaying it means moving the simulated clock past the token's hour.
  const order = (r: RecordedInteraction): number => (r.status === 401 ? 3 : r.method === 'POST' ? 0 : r.method === 'PUT' ? 1 : 2);
  // Two recordings' request bodies were redacted to a placeholder by the recorder; they cannot be replayed.
  const replay = [...recorded].filter((r) => !r.requestBody.includes('<REFRESH_TOKEN>')).sort((a, b) => order(a) - order(b) || a.file.localeCompare(b.file));
  let compared = 0;
  for (const r of replay) {
    const where = `${r.file} (${r.method} ${r.url.pathname}${r.url.search})`;
    if (r.status === 401) {
      await control('POST', 'clock/advance', { hours: 1, seconds: 1 });
    }
    const path = mapPath(r.url.pathname);
    const a = await checked(r.method, `${path}${r.url.search}`, { auth, ...(r.requestBody === '' ? {} : { body: r.requestBody }) });
    assert.equal(a.status, r.status, `${where}: status; simulator said ${a.raw.toString().slice(0, 300)}`);
    const real = JSON.parse(r.body) as Record<string, unknown>;
    const simulated = a.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(simulated), Object.keys(real), `${where}: envelope`);
    if (r.status >= 400) {
      assert.deepEqual(simulated, real, `${where}: error body`);
    } else if ('MetaInformation' in real) {
      const listKey = Object.keys(real)[1] as string;
      const [ri] = real[listKey] as Record<string, unknown>[];
      const [si] = simulated[listKey] as Record<string, unknown>[];
      if (ri !== undefined && si !== undefined) sameKeys(listKey, ri, si, where);
    } else {
      const key = Object.keys(real)[0] as string;
      sameKeys(key, real[key] as Record<string, unknown>, simulated[key] as Record<string, unknown>, where);
      const [, , resource] = r.url.pathname.split('/');
      const numberField = resource === undefined ? undefined : NUMBERED[resource]?.[1];
      if (r.method === 'POST' && resource !== undefined && numberField !== undefined) {
        const recordedId = String((real[key] as Record<string, unknown>)[numberField]);
        const simId = String((simulated[key] as Record<string, unknown>)[numberField]);
        idMap.set(`${resource}/${recordedId}`, simId);
      }
    }
    if (r.status === 401) auth = await tokenFor(emptyTenant);
    compared++;
  }
  assert.ok(compared >= 60, `replayed ${compared} recorded requests`);
  assert.deepEqual(problems, []);
});

test('replayed token-endpoint recordings get the same status, content type and body shape', async () => {
  const tenant = sim.tenants[0]?.tenantId as number;
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  // A refresh token comes from the authorization-code flow: consent (auto-approved), then the code exchange.
  await control('POST', 'auto-approve', { tenantId: tenant });
  const redirect = 'http://localhost:9/callback';
  const consent = await fetch(`${sim.authUrl}/oauth-v1/auth?${new URLSearchParams({ client_id: sim.clientId, redirect_uri: redirect, scope: 'customer invoice article', state: 's1', access_type: 'offline', response_type: 'code' }).toString()}`, { redirect: 'manual' });
  assert.equal(consent.status, 302);
  const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const exchanged = await fetch(`${sim.authUrl}/oauth-v1/token`, {
    method: 'POST', headers: { Authorization: basic(sim.clientId, sim.clientSecret), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect }),
  });
  assert.equal(exchanged.status, 200);
  const refreshToken = ((await exchanged.json()) as { refresh_token: string }).refresh_token;
  await control('POST', 'auto-approve', { tenantId: null });

  const recordings = loadRecordedInteractions().filter((r) => r.url.pathname === '/oauth-v1/token');
  assert.equal(recordings.length, 3);
  for (const r of recordings) {
    const good = r.status === 200;
    const body = r.requestBody.replace('<REFRESH_TOKEN>', good ? refreshToken : 'a7302e6b-b1cb-4508-b884-cf9abd9a51de');
    const auth = r.status === 401 ? basic(sim.clientId, 'wrong-secret') : basic(sim.clientId, sim.clientSecret);
    const res = await fetch(`${sim.authUrl}/oauth-v1/token`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    const text = await res.text();
    assert.equal(res.status, r.status, `${r.file}: ${text}`);
    assert.equal(res.headers.get('content-type')?.replace(/\s/g, '').toLowerCase(), r.headers['content-type']?.replace(/\s/g, '').toLowerCase(), `${r.file}: content type`);
    const real = JSON.parse(r.body) as Record<string, unknown>;
    const simulated = JSON.parse(text) as Record<string, unknown>;
    if (good) assert.deepEqual(Object.keys(simulated), Object.keys(real), `${r.file}: keys in the recorded order`);
    else assert.deepEqual(simulated, real, `${r.file}: error body`);
  }
});
