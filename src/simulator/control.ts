/**
 * The control API under `/__sim/` (never a Fortnox path): tests and the demo use it to read tenants,
 * move the clock, run business days, inject faults, read counters and side effects, and reset. Plain
 * JSON in and out, no authentication.
 */
import { text } from './values.ts';
import { fortnoxDateTime } from './clock.ts';
import { FaultSpecError, type FaultSpec } from './faults.ts';
import { Router, type Reply } from './http.ts';
import type { Simulator } from './simulator.ts';
import { companyContents } from './contents.ts';

type Body = Record<string, unknown>;
type Handler = (sim: Simulator, body: Body, query: URLSearchParams) => unknown;

class ControlError extends Error {}

const reply = (status: number, value: unknown): Reply => ({ status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) });

function int(body: Body, name: string, fallback?: number): number {
  const v = body[name];
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new ControlError(`${name} is required`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ControlError(`${name} must be a number ≥ 0`);
  return v;
}

function tenant(sim: Simulator, raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const id = Number(raw);
  if (!sim.companies.has(id)) throw new ControlError(`unknown tenant ${text(raw)}`);
  return id;
}

function clock(sim: Simulator): unknown {
  const now = sim.clock.now();
  return { now, iso: new Date(now).toISOString(), stockholm: fortnoxDateTime(now) };
}

function sideEffects(sim: Simulator, tenantId: number | undefined): unknown {
  return Object.fromEntries([...sim.companies.values()].filter((c) => tenantId === undefined || c.tenantId === tenantId).map((c) => [c.tenantId, {
    printed: [...c.sideEffects.printed], emailed: [...c.sideEffects.emailed], eprinted: [...c.sideEffects.eprinted], einvoiced: [...c.sideEffects.einvoiced],
    writes: c.sideEffects.writes,
  }]));
}

const routes = new Router<Handler>()
  .add('GET', '/__sim/tenants', (sim) => ({ clientId: sim.config.clientId, tenants: sim.tenants() }))
  .add('GET', '/__sim/clock', (sim) => clock(sim))
  .add('POST', '/__sim/clock/advance', (sim, b) => {
    const ms = ((int(b, 'days', 0) * 24 + int(b, 'hours', 0)) * 60 + int(b, 'minutes', 0)) * 60_000 + int(b, 'seconds', 0) * 1000;
    sim.clock.advance(ms);
    return clock(sim);
  })
  .add('POST', '/__sim/business-days', (sim, b) => {
    const days = int(b, 'days', 1);
    if (!Number.isInteger(days) || days > 3650) throw new ControlError('days must be a whole number up to 3650');
    return { summaries: sim.runBusinessDays(days, tenant(sim, b.tenantId)), clock: clock(sim) };
  })
  .add('GET', '/__sim/faults', (sim) => ({ faults: sim.faults.list() }))
  .add('POST', '/__sim/faults', (sim, b) => {
    if (b.tenantId !== undefined) tenant(sim, b.tenantId);
    try {
      return { fault: sim.faults.add(b as unknown as FaultSpec) };
    } catch (err) {
      if (err instanceof FaultSpecError) throw new ControlError(err.message);
      throw err;
    }
  })
  .add('DELETE', '/__sim/faults', (sim, _b, q) => ({ cleared: sim.faults.clear(tenant(sim, q.get('tenantId'))) }))
  .add('GET', '/__sim/counters', (sim, _b, q) => {
    const t = tenant(sim, q.get('tenantId'));
    return { ...sim.counters(t), sideEffects: sideEffects(sim, t) };
  })
  .add('GET', '/__sim/contents', (sim, _b, q) => {
    const t = tenant(sim, q.get('tenantId'));
    return Object.fromEntries([...sim.companies.values()].filter((c) => t === undefined || c.tenantId === t).map((c) => [c.tenantId, companyContents(c)]));
  })
  .add('POST', '/__sim/counters/reset', (sim) => {
    sim.resetCounters();
    return { ok: true };
  })
  .add('POST', '/__sim/reset', (sim) => {
    sim.reset();
    return { tenants: sim.tenants(), clock: clock(sim) };
  })
  .add('POST', '/__sim/companies', (sim, b) => {
    if (b.name !== undefined && typeof b.name !== 'string') throw new ControlError('name must be a string');
    const c = sim.createEmptyCompany(b.name);
    return { tenantId: c.tenantId, name: text(c.info.CompanyName), orgNumber: text(c.info.OrganizationNumber) };
  })
  .add('POST', '/__sim/auto-approve', (sim, b) => {
    const t = tenant(sim, b.tenantId);
    sim.oauth.autoApprove = t === undefined ? undefined : { tenantId: t, userId: typeof b.userId === 'string' ? b.userId : 'sim-user' };
    return { autoApprove: sim.oauth.autoApprove ?? null };
  })
  .add('GET', '/__sim/consents', (sim) => ({ consents: [...sim.oauth.consents.values()] }))
  .add('POST', '/__sim/consents/revoke', (sim, b) => ({ revoked: sim.oauth.revokeTenant(tenant(sim, b.tenantId) ?? int(b, 'tenantId')) }))
  .add('POST', '/__sim/consents/service', (sim, b) => {
    const c = sim.oauth.grantServiceConsent(tenant(sim, b.tenantId) ?? int(b, 'tenantId'));
    return { consent: c };
  });

export function handleControl(sim: Simulator, method: string, path: string, query: URLSearchParams, raw: Buffer): Reply {
  const match = routes.match(method, path);
  if (match === undefined) return reply(404, { error: `no control route ${method} ${path}` });
  if (match === 'method-not-allowed') return reply(405, { error: `${method} is not allowed on ${path}` });
  let body: Body = {};
  if (raw.length > 0) {
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return reply(400, { error: 'the body must be a JSON object' });
      body = parsed as Body;
    } catch {
      return reply(400, { error: 'the body is not valid JSON' });
    }
  }
  try {
    return reply(200, match.route.handler(sim, body, query));
  } catch (err) {
    if (err instanceof ControlError || err instanceof RangeError) return reply(400, { error: err.message });
    throw err;
  }
}
