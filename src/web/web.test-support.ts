/**
 * Test support for the web app: a real server on a free port (SQLite or a fresh PostgreSQL database),
 * with the built-in Fortnox simulator (demo mode), cheap argon2id, mail kept in memory and no nightly
 * schedule; and `WebClient`, a cookie-keeping HTTP client that fills in the CSRF token like a browser.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { testDatabases } from '../db/test-databases.test-support.ts';
import type { DialectName } from '../db/dialect.ts';
import { addMember, assignCompanies, createOrganisation, linkCompany } from '../accounts/organisations.ts';
import { hashPassword, type Argon2Options } from '../accounts/passwords.ts';
import { sealSecret } from '../accounts/secret-box.ts';
import { createSession } from '../accounts/sessions.ts';
import { generateTotpSecret, totpCode } from '../accounts/totp.ts';
import { createUser, enableTotp, setTotp } from '../accounts/users.ts';
import { createTenant, type Db, type OrganisationKind, type Role } from '../db/index.ts';
import { backupTenant } from '../jobs/index.ts';
import { addSimulatorTenant } from '../tenants/index.ts';
import { startWebServer, type WebServer } from './start.ts';
import { TOTP_PURPOSE } from './routes/auth.ts';
import { SESSION_COOKIE } from './server.ts';

/** The lowest argon2id cost Node accepts: tests hash many passwords. */
export const TEST_PASSWORD_COST: Argon2Options = { memory: 64, passes: 1, parallelism: 1 };

export interface SentMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface TestWeb {
  readonly web: WebServer;
  readonly url: string;
  readonly db: Db;
  readonly mails: SentMail[];
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startTestWeb(options: { dialect?: DialectName; timeScale?: number } = {}): Promise<TestWeb> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nox-web-'));
  let database: { config: { url?: string }; cleanup(): Promise<void> } | undefined;
  if (options.dialect === 'postgres') {
    const target = testDatabases().find((t) => t.name === 'postgres');
    const opened = await target!.open();
    await opened.db.destroy();
    database = opened;
  }
  const env: Record<string, string> = { NOX_WEB_PORT: '0', NOX_WEB_HOST: '127.0.0.1' };
  if (database?.config.url !== undefined) env.NOX_DATABASE_URL = database.config.url;
  const mails: SentMail[] = [];
  const web = await startWebServer(loadConfig(env, { dataDir }), {
    demo: true,
    timeScale: options.timeScale ?? 50,
    schedule: false,
    notify: false,
    log: () => undefined,
    mailer: { send: async (m) => { mails.push({ to: m.to, subject: m.subject, text: m.text }); } },
    passwordCost: TEST_PASSWORD_COST,
    appOptions: { warn: () => undefined, fortnox: { retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 100 }, timeoutMs: 10_000 } },
  });
  return {
    web,
    url: web.url,
    db: web.app.db,
    mails,
    dataDir,
    close: async () => {
      await web.close();
      await database?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface FetchResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly location: string | null;
  json<T = unknown>(): T;
}

/** A browser-like client: keeps cookies, sends the page's CSRF token with forms, never follows redirects by itself. */
export class WebClient {
  readonly base: string;
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(base: string) {
    this.base = base;
  }

  async request(method: string, path: string, options: { form?: Record<string, string | string[]>; json?: unknown; headers?: Record<string, string> } = {}): Promise<FetchResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (options.form !== undefined) {
      const params = new URLSearchParams();
      const entries: [string, string | string[]][] = Object.entries({ _csrf: this.csrf, ...options.form });
      for (const [k, v] of entries) for (const one of typeof v === 'string' ? [v] : v) params.append(k, one);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
      headers['x-csrf-token'] ??= this.csrf;
    } else if (method !== 'GET' && method !== 'HEAD') {
      headers['x-csrf-token'] ??= this.csrf;
    }
    const res = await fetch(new URL(path, this.base), { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const meta = /<meta name="csrf-token" content="([^"]*)">/.exec(text);
    if (meta !== null) this.csrf = meta[1]!;
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location'), json: <T>() => JSON.parse(text) as T };
  }

  get(path: string, headers?: Record<string, string>): Promise<FetchResult> {
    return this.request('GET', path, headers === undefined ? {} : { headers });
  }

  post(path: string, form: Record<string, string | string[]> = {}): Promise<FetchResult> {
    return this.request('POST', path, { form });
  }

  /** Follows 3xx redirects of a GET or a POST's answer, up to 10, and returns the last page. */
  async follow(first: Promise<FetchResult> | FetchResult): Promise<FetchResult> {
    let res = await first;
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400 && res.location !== null; i++) res = await this.get(res.location);
    return res;
  }
}

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly password: string;
  readonly role: Role;
  readonly totpSecret: string;
  /** A client with a signed-in session (TOTP already passed). */
  readonly client: WebClient;
}

export interface TestOrg {
  readonly orgId: string;
  readonly kind: OrganisationKind;
  readonly companies: string[];
  readonly members: Record<string, Member>;
}

/**
 * Creates an organisation straight in the database with backed-up companies (tenants without a Fortnox
 * connection unless the test connects them) and members of the given roles, each with TOTP on and a
 * signed-in client. `assign` maps a member's name to the indexes of the companies assigned to them.
 */
export async function createTestOrg(
  t: TestWeb,
  spec: { kind: OrganisationKind; name: string; companies: string[]; members: Record<string, Role>; assign?: Record<string, number[]> },
): Promise<TestOrg> {
  const db = t.db;
  const org = await createOrganisation(db, { kind: spec.kind, name: spec.name });
  const companies: string[] = [];
  for (const name of spec.companies) {
    const tenant = await createTenant(db, { name });
    await linkCompany(db, org.id, tenant.id);
    companies.push(tenant.id);
  }
  const members: Record<string, Member> = {};
  for (const [name, role] of Object.entries(spec.members)) {
    const email = `${name}.${org.id.slice(0, 8)}@example.se`;
    const password = `lösenord-för-${name}-${org.id.slice(0, 6)}`;
    const user = await createUser(db, { email, name, passwordHash: await hashPassword(password, TEST_PASSWORD_COST), locale: 'sv' });
    await addMember(db, org.id, user.id, role);
    const secret = generateTotpSecret();
    await setTotp(db, user.id, sealSecret(t.web.app.keyring, TOTP_PURPOSE, user.id, secret), null);
    await enableTotp(db, user.id, new Date(), 0);
    const assigned = spec.assign?.[name];
    if (assigned !== undefined) await assignCompanies(db, org.id, user.id, assigned.map((i) => companies[i]!));
    const { token } = await createSession(db, { userId: user.id, orgId: org.id, mfaPassed: true });
    const client = new WebClient(t.url);
    client.cookies.set(SESSION_COOKIE, token);
    await client.get('/account');
    members[name] = { userId: user.id, email, password, role, totpSecret: secret, client };
  }
  return { orgId: org.id, kind: spec.kind, companies, members };
}

/**
 * Connects one of the demo simulator's companies (the first unless `index` says otherwise) as a company
 * of the organisation, and backs it up once unless `backup: false`. Returns the tenant id.
 */
export async function connectSimulatorCompany(t: TestWeb, orgId: string, options: { index?: number; backup?: boolean } = {}): Promise<string> {
  const sim = t.web.simulator!;
  const company = sim.tenants[options.index ?? 0]!;
  const { tenant } = await addSimulatorTenant(t.web.app, sim.url, { fortnoxTenantId: String(company.tenantId) });
  await linkCompany(t.db, orgId, tenant.id);
  if (options.backup !== false) await backupTenant(t.web.app, tenant.id);
  return tenant.id;
}

/** The current TOTP code of a secret (what the user's phone shows). */
export function currentCode(secret: string, at = new Date()): string {
  return totpCode(secret, at);
}
