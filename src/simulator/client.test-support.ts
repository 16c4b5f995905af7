/* eslint-disable @typescript-eslint/no-unsafe-member-access -- answers are parsed JSON read field by field */
/** A tiny HTTP client for the simulator's own tests: tokens and raw answers, nothing clever. */
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from './server.ts';
import { fixtureCompany } from './fixture.test-support.ts';

export interface Answer {
  status: number;
  headers: Headers;
  raw: Buffer;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
}

/** Starts a simulator on the hand-made fixture company (not the generator), so tests know the data. */
export async function startFixtureSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator(options);
  const s = sim.simulator;
  // Replace generated companies with fixture ones under the same tenant ids, keeping the consents.
  for (const [index, id] of [...s.companies.keys()].slice(0, options.companies ?? 1).entries()) {
    s.companies.set(id, fixtureCompany({ tenantId: id, now: s.clock.now(), index }));
  }
  s.sortCache.invalidate();
  return sim;
}

export function basic(sim: RunningSimulator, id = sim.clientId, secret = sim.clientSecret): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const raw = Buffer.from(await res.arrayBuffer());
  const text = raw.toString('utf8');
  let json: unknown;
  if ((res.headers.get('content-type') ?? '').includes('json') || text.startsWith('{')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, raw, text, json };
}

export async function tokenRequest(sim: RunningSimulator, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return request(`${sim.authUrl}/oauth-v1/token`, {
    method: 'POST',
    headers: { Authorization: basic(sim), 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

export async function serviceToken(sim: RunningSimulator, tenantId = sim.tenants[0]?.tenantId ?? 0): Promise<string> {
  const a = await tokenRequest(sim, { grant_type: 'client_credentials' }, { TenantId: String(tenantId) });
  assert.equal(a.status, 200, a.text);
  return a.json.access_token as string;
}

export function api(sim: RunningSimulator, token: string) {
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
    request(`${sim.apiUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    call,
  };
}

export async function control(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<Answer> {
  return request(`${sim.url}/__sim/${path}`, {
    method, ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
}
