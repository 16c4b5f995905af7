/**
 * The web application's part of `npm run bench`: the real server (`buildServer`, listening on a free
 * port) over the bench's app and the company it backed up, driven over HTTP by a cookie-keeping client.
 * Measures each page's latency (sequential, after warm-ups), a small concurrent load and the process's
 * RSS, and checks DESIGN.md §8's web targets: every page of the company p95 < 200 ms (login apart:
 * argon2id is slow on purpose), the dashboard of a firm with 200 client companies p95 < 500 ms.
 */
import { execFile } from 'node:child_process';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { AppContext } from '../src/app.ts';
import { addMember, createOrganisation, linkCompany } from '../src/accounts/organisations.ts';
import { hashPassword } from '../src/accounts/passwords.ts';
import { sealSecret } from '../src/accounts/secret-box.ts';
import { createSession } from '../src/accounts/sessions.ts';
import { generateTotpSecret } from '../src/accounts/totp.ts';
import { createUser, enableTotp, setTotp } from '../src/accounts/users.ts';
import { createBackupRun, createTenant, finishBackupRun, startBackupRun, type Db } from '../src/db/index.ts';
import { raiseAlert } from '../src/db/alerts.ts';
import { startBackupService } from '../src/jobs/index.ts';
import type { WebContext } from '../src/web/context.ts';
import { TOTP_PURPOSE } from '../src/web/routes/auth.ts';
import { buildServer, SESSION_COOKIE } from '../src/web/server.ts';
import { WebClient } from '../src/web/web.test-support.ts';

export type Row = (what: string, value: string, target?: string) => void;

const WARM_UPS = 3;
const SAMPLES = 30;
const PAGE_TARGET_MS = 200;
const FIRM_TARGET_MS = 500;
const FIRM_COMPANIES = 200;
const LOAD_CLIENTS = 8;
const LOAD_SECONDS = 5;

const run = promisify(execFile);
/** The load generator: `clients` loops fetching `url` with the session cookie for `seconds`; prints what it did. */
const LOAD_SCRIPT = `
const [url, cookie, clients, seconds] = process.argv.slice(1);
const end = performance.now() + Number(seconds) * 1000;
let done = 0, failed = 0;
await Promise.all(Array.from({ length: Number(clients) }, async () => {
  while (performance.now() < end) {
    const res = await fetch(url, { headers: { cookie } });
    await res.arrayBuffer();
    if (res.status !== 200) failed++;
    done++;
  }
}));
console.log(JSON.stringify({ done, failed }));
`;

export interface Latency {
  /** The first request of the series (its first warm-up): caches cold, as far as earlier pages left them. */
  readonly first: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  /** The same as measured inside the server (Fastify's reply time), without HTTP and the client. */
  readonly serverP95: number;
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
const ms = (n: number): string => n.toFixed(n < 10 ? 1 : 0);

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

/** An admin with TOTP on and a signed-in session (as `createTestOrg` in src/web/web.test-support.ts, at the real argon2id cost). */
async function createAdmin(app: AppContext, base: string, orgId: string, name: string): Promise<{ email: string; password: string; client: WebClient }> {
  const db = app.db;
  const email = `${name}@bench.example.se`;
  const password = `bench-lösenord-${name}`;
  const user = await createUser(db, { email, name, passwordHash: await hashPassword(password), locale: 'sv' });
  await addMember(db, orgId, user.id, 'admin');
  await setTotp(db, user.id, sealSecret(app.keyring, TOTP_PURPOSE, user.id, generateTotpSecret()), null);
  await enableTotp(db, user.id, new Date(), 0);
  const { token } = await createSession(db, { userId: user.id, orgId, mfaPassed: true });
  const client = new WebClient(base);
  client.cookies.set(SESSION_COOKIE, token);
  return { email, password, client };
}

/** A firm's client companies: tenants without data, each with a few runs (some failed, partial or stale) and some with an open alert. */
async function createFirmCompanies(db: Db, orgId: string, count: number): Promise<void> {
  const day = 24 * 3600_000;
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const tenant = await createTenant(db, { name: `Klientbolag ${String(i + 1).padStart(3, '0')} AB` });
    await linkCompany(db, orgId, tenant.id);
    const stale = i % 17 === 0 ? 4 : 0;
    for (let r = 3; r >= 1; r--) {
      const at = new Date(now - (r + stale) * day);
      const run = await createBackupRun(db, tenant.id, { trigger: 'schedule', queuedAt: at });
      await startBackupRun(db, tenant.id, run.id, at);
      const status = r === 1 && i % 10 === 3 ? 'failed' : r === 1 && i % 10 === 7 ? 'partial' : 'succeeded';
      await finishBackupRun(db, tenant.id, run.id, { status, records: 1000 + i, recordsChanged: 10, requests: 50, bytesWritten: 100_000, finishedAt: new Date(at.getTime() + 60_000), ...(status === 'failed' ? { errorCode: 'FORTNOX_UNAVAILABLE', errorMessage: 'Fortnox svarade inte' } : {}) });
    }
    if (i % 10 === 3) await raiseAlert(db, { tenantId: tenant.id, kind: 'backup_failed', severity: 'critical', details: { runId: null, code: 'FORTNOX_UNAVAILABLE', message: 'Fortnox svarade inte' } });
    if (i % 25 === 5) await raiseAlert(db, { tenantId: tenant.id, kind: 'mass_deletion', severity: 'warning', details: { dataset: 'customers', deleted: 40, before: 100 } });
  }
}

/**
 * Runs the web measurements against `tenantId` (already backed up, more than once) in `app`, adds
 * their rows to the bench's table and returns their results for the bench's JSON.
 */
export async function benchWeb(app: AppContext, tenantId: string, row: Row): Promise<Record<string, unknown>> {
  const { rss: rssBefore, heapUsed: heapBefore } = process.memoryUsage();
  const backups = await startBackupService(app, { tickMs: 0 });
  let base = '';
  const context: WebContext = {
    app,
    mailer: { send: async () => undefined },
    queue: backups.queue,
    scheduler: backups.scheduler,
    get publicUrl() {
      return base;
    },
    cookieSecure: false,
    fortnox: undefined,
    demo: false,
    now: () => new Date(),
  };
  const server = await buildServer(context);
  // Time inside the server, from the request's arrival to the reply's end: the hook runs after the
  // answer is sent, so the samples are collected once a series is over.
  const serverTimes: number[] = [];
  server.addHook('onResponse', async (_request, reply) => {
    serverTimes.push(reply.elapsedTime);
  });
  base = (await server.listen({ host: '127.0.0.1', port: 0 })).replace('0.0.0.0', '127.0.0.1');
  try {
    const db = app.db;
    const companyOrg = await createOrganisation(db, { kind: 'company', name: 'Benchbolaget AB' });
    await linkCompany(db, companyOrg.id, tenantId);
    const admin = await createAdmin(app, base, companyOrg.id, 'admin');
    const firmOrg = await createOrganisation(db, { kind: 'firm', name: 'Benchbyrån AB' });
    await createFirmCompanies(db, firmOrg.id, FIRM_COMPANIES);
    const firmAdmin = await createAdmin(app, base, firmOrg.id, 'byra');

    const measure = async (client: WebClient, path: string, expect = 200, send?: () => Promise<{ status: number }>): Promise<Latency> => {
      const one = async (): Promise<number> => {
        const t0 = performance.now();
        const res = send === undefined ? await client.get(path) : await send();
        const elapsed = performance.now() - t0;
        if (res.status !== expect) throw new Error(`web bench: ${path} answered ${res.status}, expected ${expect}`);
        return elapsed;
      };
      const first = await one();
      for (let i = 1; i < WARM_UPS; i++) await one();
      await nextTurn();
      serverTimes.length = 0;
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) times.push(await one());
      await nextTurn();
      times.sort((a, b) => a - b);
      const inside = [...serverTimes].sort((a, b) => a - b);
      return { first, p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: times.at(-1) ?? NaN, serverP95: percentile(inside, 0.95) };
    };

    // The pages' ids: from the API, as a client would.
    const c = `/companies/${tenantId}`;
    const api = async <T>(path: string): Promise<T> => (await admin.client.get(path)).json<T>();
    type Table = { rows: { key: string }[]; nextAfter: string | null };
    // The deep page: `after=` followed 5 times (fewer if the small company runs out of pages).
    let after = '';
    let depth = 0;
    for (; depth < 5; depth++) {
      const next = (await api<Table>(`/api/v1${c}/browse/vouchers${after === '' ? '' : `?after=${encodeURIComponent(after)}`}`)).nextAfter;
      if (next === null) break;
      after = next;
    }
    const voucher = (await api<Table>(`/api/v1${c}/browse/vouchers`)).rows[0]?.key;
    const customer = (await api<Table>(`/api/v1${c}/browse/customers`)).rows[3]?.key;
    if (voucher === undefined || customer === undefined) throw new Error('web bench: no voucher or customer to show');
    // A record with more than one version, for the diff page (the daily runs changed some); else the voucher.
    const changed = await db
      .selectFrom('record_versions')
      .select(['dataset', 'record_key'])
      .where('tenant_id', '=', tenantId)
      .where('dataset', 'in', ['customers', 'invoices', 'vouchers', 'suppliers', 'articles'])
      .groupBy(['dataset', 'record_key'])
      .having((eb) => eb.fn.countAll(), '>', 1)
      .limit(1)
      .executeTakeFirst();
    const diffPath = changed === undefined ? `${c}/records/vouchers/${encodeURIComponent(voucher)}/diff` : `${c}/records/${changed.dataset}/${encodeURIComponent(changed.record_key)}/diff`;
    // Something to search for: a word of a customer's name.
    const customerBody = (await api<{ record: Record<string, unknown> }>(`/api/v1${c}/records/customers/${encodeURIComponent(customer)}`)).record;
    const word = (typeof customerBody.Name === 'string' ? customerBody.Name.split(' ')[0] : undefined) ?? customer;

    const pages: [string, WebClient, string, number, number][] = [
      ['GET /dashboard (company: redirect)', admin.client, '/dashboard', 303, PAGE_TARGET_MS],
      [`GET /dashboard (firm, ${FIRM_COMPANIES} companies)`, firmAdmin.client, '/dashboard', 200, FIRM_TARGET_MS],
      ['GET /companies/:id', admin.client, c, 200, PAGE_TARGET_MS],
      ['GET /companies/:id/snapshots', admin.client, `${c}/snapshots`, 200, PAGE_TARGET_MS],
      ['GET /companies/:id/browse', admin.client, `${c}/browse`, 200, PAGE_TARGET_MS],
      ['GET …/browse/customers (first page)', admin.client, `${c}/browse/customers`, 200, PAGE_TARGET_MS],
      [`GET …/browse/vouchers (page ${depth + 1}, after=)`, admin.client, `${c}/browse/vouchers${after === '' ? '' : `?after=${encodeURIComponent(after)}`}`, 200, PAGE_TARGET_MS],
      [`GET …/browse/customers?q=${word}`, admin.client, `${c}/browse/customers?q=${encodeURIComponent(word)}`, 200, PAGE_TARGET_MS],
      ['GET …/records/vouchers/:key', admin.client, `${c}/records/vouchers/${encodeURIComponent(voucher)}`, 200, PAGE_TARGET_MS],
      [`GET …/records/${changed?.dataset ?? 'vouchers'}/:key/diff`, admin.client, diffPath, 200, PAGE_TARGET_MS],
      ['GET /alerts', admin.client, '/alerts', 200, PAGE_TARGET_MS],
      ['GET /audit', admin.client, '/audit', 200, PAGE_TARGET_MS],
      ['GET /api/v1/companies/:id', admin.client, `/api/v1${c}`, 200, PAGE_TARGET_MS],
    ];
    const rss: Record<string, number> = { before: rssBefore, afterSetup: process.memoryUsage().rss };
    const latencies: Record<string, Latency & { path: string; targetMs: number; pass: boolean }> = {};
    let misses = 0;
    for (const [what, client, path, status, target] of pages) {
      const l = await measure(client, path, status);
      const pass = l.p95 < target;
      if (!pass) misses++;
      latencies[what] = { ...l, path, targetMs: target, pass };
      rss[what] = process.memoryUsage().rss;
      row(`web ${what}`, `p50 ${ms(l.p50)} / p95 ${ms(l.p95)} / max ${ms(l.max)} ms (server p95 ${ms(l.serverP95)}; first ${ms(l.first)})`, `p95 < ${target} ms: ${pass ? 'pass' : 'MISSED'}`);
    }

    // Login: the password step (argon2id at OWASP's parameters), each from a fresh browser.
    const login = await measure(admin.client, '/login', 303, async () => {
      const browser = new WebClient(base);
      await browser.get('/login');
      return browser.post('/login', { email: admin.email, password: admin.password });
    });
    latencies['POST /login'] = { ...login, path: '/login', targetMs: NaN, pass: true };
    rss.afterLogin = process.memoryUsage().rss;
    row('web POST /login (argon2id, OWASP)', `p50 ${ms(login.p50)} / p95 ${ms(login.p95)} / max ${ms(login.max)} ms (with a GET /login each; server p95 ${ms(login.serverP95)})`, 'reported (slow on purpose)');

    // Throughput: parallel clients sharing the admin's session, as fast as the answers come; in their
    // own process, so they share neither the server's event loop nor its memory.
    const throughput: Record<string, number> = {};
    const cookie = `${SESSION_COOKIE}=${admin.client.cookies.get(SESSION_COOKIE) ?? ''}`;
    for (const [what, path] of [['company page', c], ['browse customers', `${c}/browse/customers`]] as const) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', LOAD_SCRIPT, base + path, cookie, String(LOAD_CLIENTS), String(LOAD_SECONDS)]);
      const { done, failed } = JSON.parse(stdout) as { done: number; failed: number };
      if (failed > 0) throw new Error(`web bench: ${failed} of ${done} requests to ${path} failed under load`);
      throughput[what] = done / LOAD_SECONDS;
      rss[`after load: ${what}`] = process.memoryUsage().rss;
      row(`web throughput, ${what}`, `${(done / LOAD_SECONDS).toFixed(0)} requests/s (${LOAD_CLIENTS} clients, ${LOAD_SECONDS} s)`, 'reported');
    }

    const { rss: rssAfter, heapUsed: heapAfter } = process.memoryUsage();
    row('web RSS before → after the pages', `${mib(rssBefore)} → ${mib(rssAfter)}, heap used ${mib(heapBefore)} → ${mib(heapAfter)} (one process with the backup side)`, 'reported');
    row('web targets', misses === 0 ? 'all met' : `${misses} page(s) missed`, `company pages p95 < ${PAGE_TARGET_MS} ms, firm dashboard < ${FIRM_TARGET_MS} ms`);
    return { latencyMs: latencies, throughputPerSecond: throughput, rssBeforeBytes: rssBefore, rssAfterBytes: rssAfter, heapUsedBeforeBytes: heapBefore, heapUsedAfterBytes: heapAfter, rssBytesByPhase: rss, firmCompanies: FIRM_COMPANIES, samples: SAMPLES, warmUps: WARM_UPS, targetsMissed: misses };
  } finally {
    await server.close();
    await backups.stop();
  }
}
