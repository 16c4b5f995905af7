/**
 * Starts the Fortnox simulator: one HTTP server for the API (`/3/...`), OAuth (`/oauth-v1/...`) and the
 * control API (`/__sim/...`). For every API request, in order: authentication (401), the rate limit
 * (429), injected faults, the endpoint's scope (403), then the endpoint.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiRouter, type ApiRoute } from './api.ts';
import { handleControl } from './control.ts';
import { ApiError, json, readBody, send, type Reply } from './http.ts';
import { KIT } from './kit.ts';
import type { SimulatorSize } from './model.ts';
import type { TenantInfo } from './oauth.ts';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Simulator } from './simulator.ts';
import { DEFAULT_START } from './clock.ts';

export interface SimulatorOptions {
  /** 0 = any free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 42. */
  seed?: number;
  /** Default 'small'. */
  size?: SimulatorSize;
  /** Companies with generated data (default 1). */
  companies?: number;
  clientId?: string;
  clientSecret?: string;
  /** Requests per window per (client, tenant); default 25. */
  rateLimit?: number;
  /** Default 5000. */
  rateWindowMs?: number;
  /** Divides the rate window: 10 makes the window ten times shorter. Default 1. */
  timeScale?: number;
  /** Extra companies with no data, for restore tests. */
  emptyCompanies?: number;
  /** Simulated start instant (epoch ms); default clock.ts's DEFAULT_START. */
  start?: number;
}

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** Base of the API: requests go to `${apiUrl}/3/...`. */
  apiUrl: string;
  /** Base of OAuth: `${authUrl}/oauth-v1/token`. */
  authUrl: string;
  clientId: string;
  clientSecret: string;
  tenants: TenantInfo[];
  simulator: Simulator;
  close(): Promise<void>;
}

const UNAUTHORIZED: Reply = json(401, { message: 'unauthorized' });
// Fortnox documents 429 but not its body; this one is our choice (docs/simulator.md). No Retry-After.
const TOO_MANY: Reply = json(429, { message: 'Too Many Requests' });
const SCOPE_DENIED = new ApiError(403, 'Har inte behörighet för scope.', 2001101, false);
const UNKNOWN_RESOURCE = new ApiError(404, 'Kan inte hitta resursen.', 2000180);
const METHOD_NOT_ALLOWED = new ApiError(400, 'Metoden stöds inte för resursen.', 2000588);

function positive(name: string, value: number, min = 1): number {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`${name} must be ≥ ${min}, got ${value}`);
  return value;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = new Simulator({
    seed: options.seed ?? 42,
    size: options.size ?? 'small',
    companies: positive('companies', options.companies ?? 1, 0),
    emptyCompanies: positive('emptyCompanies', options.emptyCompanies ?? 0, 0),
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? DEFAULT_CLIENT_SECRET,
    rateLimit: positive('rateLimit', options.rateLimit ?? 25),
    rateWindowMs: positive('rateWindowMs', options.rateWindowMs ?? 5000),
    timeScale: positive('timeScale', options.timeScale ?? 1, Number.MIN_VALUE),
    start: options.start ?? DEFAULT_START,
  }, KIT);
  const router = apiRouter();

  const server = createServer((req, res) => {
    // Fortnox's clock is the simulated one: `lastmodified` values and the Date header agree, so a
    // client that reads the server's time (as a backup must) sees one consistent clock.
    res.setHeader('Date', new Date(sim.clock.now()).toUTCString());
    handle(sim, router, req, res).catch((err: unknown) => {
      console.error('simulator: internal error', err);
      if (!res.headersSent) send(res, new ApiError(500, 'Ett internt fel uppstod.', 1000003, false).reply());
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url, apiUrl: url, authUrl: url, clientId: sim.config.clientId, clientSecret: sim.config.clientSecret, tenants: sim.tenants(), simulator: sim,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(sim: Simulator, router: ReturnType<typeof apiRouter>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://simulator');
  const path = url.pathname;
  if (path.startsWith('/__sim/')) {
    send(res, handleControl(sim, method, path, url.searchParams, await readBody(req)));
    return;
  }
  if (path.startsWith('/oauth-v1/')) {
    send(res, await oauth(sim, method, path, url.searchParams, req));
    return;
  }
  if (path === '/3' || path.startsWith('/3/')) {
    await api(sim, router, method, path, url.searchParams, req, res);
    return;
  }
  send(res, { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not Found\n' });
}

async function oauth(sim: Simulator, method: string, path: string, query: URLSearchParams, req: IncomingMessage): Promise<Reply> {
  const trimmed = path.replace(/\/+$/, '');
  sim.count(undefined, `${method} ${trimmed}`);
  const form = async (): Promise<URLSearchParams> => new URLSearchParams((await readBody(req, 1024 * 1024)).toString('utf8'));
  if (trimmed === '/oauth-v1/auth' && method === 'GET') return sim.oauth.authorize('GET', query);
  if (trimmed === '/oauth-v1/auth' && method === 'POST') return sim.oauth.authorize('POST', await form());
  if (trimmed === '/oauth-v1/token' && method === 'POST') {
    const tenantHeader = req.headers.tenantid;
    return sim.oauth.token(req.headers.authorization, Array.isArray(tenantHeader) ? tenantHeader[0] : tenantHeader, await form());
  }
  if (trimmed === '/oauth-v1/revoke' && method === 'POST') return sim.oauth.revoke(req.headers.authorization, await form());
  return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not Found\n' };
}

async function api(
  sim: Simulator, router: ReturnType<typeof apiRouter>, method: string, path: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse,
): Promise<void> {
  const match = router.match(method, path);
  const key = typeof match === 'object' ? `${method} ${match.route.template}` : `${method} ${path.replace(/\/+$/, '')}`;
  const auth = sim.oauth.authenticate(req.headers.authorization);
  const tenantId = auth?.claims.tenantId;
  const company = tenantId === undefined ? undefined : sim.companies.get(tenantId);
  if (auth === undefined || company === undefined) {
    sim.count(undefined, key);
    send(res, UNAUTHORIZED);
    return;
  }
  if (!sim.limiter.take(`${auth.claims.clientId}:${company.tenantId}`)) {
    sim.count(company.tenantId, key, true);
    send(res, TOO_MANY);
    return;
  }
  for (const fault of sim.faults.fire(company.tenantId, path).sort((a, b) => (a.kind === 'slow' ? -1 : b.kind === 'slow' ? 1 : 0))) {
    if (fault.kind === 'slow') {
      await sleep(fault.delayMs ?? 2000);
      continue;
    }
    if (fault.kind === 'drop') {
      sim.count(company.tenantId, key);
      req.socket.destroy();
      return;
    }
    if (fault.kind === '429') {
      sim.count(company.tenantId, key, true);
      send(res, TOO_MANY);
      return;
    }
    if (fault.kind === 'revoke') {
      sim.oauth.revokeTenant(company.tenantId);
      sim.count(company.tenantId, key);
      send(res, UNAUTHORIZED);
      return;
    }
    sim.count(company.tenantId, key);
    send(res, new ApiError(fault.status ?? 500, 'Ett internt fel uppstod.', 1000003, false).reply());
    return;
  }
  sim.count(company.tenantId, key);
  if (match === undefined) {
    send(res, UNKNOWN_RESOURCE.reply());
    return;
  }
  if (match === 'method-not-allowed') {
    send(res, METHOD_NOT_ALLOWED.reply());
    return;
  }
  const route: ApiRoute = match.route.handler;
  if (!auth.consent.scopes.includes(route.scope)) {
    send(res, SCOPE_DENIED.reply());
    return;
  }
  try {
    const body = method === 'POST' || method === 'PUT' ? await readBody(req) : Buffer.alloc(0);
    const host = req.headers.host ?? 'localhost';
    send(res, route.handler({ sim, company, base: `http://${host}`, query, params: match.params, body, contentType: req.headers['content-type'] }));
  } catch (err) {
    if (err instanceof ApiError) send(res, err.reply());
    else throw err;
  }
}
