/**
 * The security matrix: every route of the web app × every role × every tenant. Two accounting firms and
 * a company customer own three backed-up companies between them (Firm A: A1 and A2, Firm B: B1, Company
 * C: C1), A1 and B1 with real backups from the simulator. For each route in the server's own route table
 * it asserts that
 * - without a session, a member route is refused (401, or a redirect to the login page);
 * - a company the principal may not see — another organisation's, or in a firm one not assigned — is
 *   404 for every role and method, exactly like an id that does not exist;
 * - inside a visible company, another tenant's snapshot, run, export, restore run, alert or record id
 *   is 404 (or a 400 that names no data), never its data;
 * - a role without the route's permission gets 403 on its own company;
 * - a request that changes something without the CSRF token is refused;
 * - no page or API answer a principal can read names a company it may not see.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { can } from '../accounts/access.ts';
import { linkCompany } from '../accounts/organisations.ts';
import { newToken } from '../accounts/tokens.ts';
import { listBackupRuns, listSnapshots, type Role } from '../db/index.ts';
import { raiseAlert } from '../db/alerts.ts';
import { backupTenant } from '../jobs/index.ts';
import { addSimulatorTenant } from '../tenants/index.ts';
import type { RouteInfo } from './server.ts';
import { createTestOrg, startTestWeb, WebClient, type TestOrg, type TestWeb } from './web.test-support.ts';

interface Ids {
  companyId: string;
  snapshotId: string;
  runId: string;
  exportId: string;
  restoreRunId: string;
  alertId: string;
  jobId: string;
  key: string;
}

interface Principal {
  readonly label: string;
  readonly role: Role;
  readonly client: WebClient;
  /** Companies this principal may see, and the ids under one of them. */
  readonly own: Ids | undefined;
  /** Markers (tenant ids and names) of companies this principal must never see. */
  readonly forbiddenMarkers: string[];
  /** A user id and an invitation id of another organisation. */
  readonly foreignUserId: string;
  readonly foreignInvitationId: string;
}

let t: TestWeb;
let firmA: TestOrg;
let firmB: TestOrg;
let companyC: TestOrg;
const idsOf = new Map<string, Ids>();
const names = new Map<string, string>();
const principals: Principal[] = [];
let routes: readonly RouteInfo[];

/** Ids of everything a tenant owns that a URL can name. Rows the web app would create are inserted here. */
async function tenantIds(tenantId: string, backedUp: boolean): Promise<Ids> {
  const db = t.db;
  let snapshotId = randomUUID().replace(/-/g, '');
  let runId: string = randomUUID();
  if (backedUp) {
    snapshotId = (await listSnapshots(db, tenantId))[0]!.snapshotId;
    runId = (await listBackupRuns(db, tenantId, { limit: 1 }))[0]!.id;
  }
  const exportId = randomUUID();
  await db.insertInto('exports').values({ tenant_id: tenantId, id: exportId, snapshot_id: snapshotId, status: 'failed', files: 0, bytes: 0, path: null, error_message: 'matrix', created_by: null, created_at: new Date().toISOString(), finished_at: new Date().toISOString() }).execute();
  const restoreRunId = randomUUID();
  await db.insertInto('restore_runs').values({ tenant_id: tenantId, id: restoreRunId, kind: 'registers', snapshot_id: snapshotId, source_tenant_id: tenantId, status: 'failed', undo_snapshot_id: null, plan_json: '{"items":[]}', report_json: null, started_by: null, started_at: new Date().toISOString(), finished_at: new Date().toISOString() }).execute();
  const { alert } = await raiseAlert(db, { tenantId, kind: 'mass_deletion', severity: 'warning', details: { dataset: 'customers', deleted: 25, before: 100 } });
  // A finished job of the tenant's in the server's queue (a backup run the web app started).
  const { job } = await t.web.backups.queue.enqueue({ name: 'matrix-noop', tenantId, data: {}, singletonKey: `matrix-${tenantId}` });
  return { companyId: tenantId, snapshotId, runId, exportId, restoreRunId, alertId: alert.id, jobId: job.id, key: '1' };
}

before(async () => {
  t = await startTestWeb();
  await t.web.backups.queue.work('matrix-noop', async () => ({}));
  const sim = t.web.simulator!;
  firmA = await createTestOrg(t, { kind: 'firm', name: 'Byrå A', companies: ['A2 Hemlighetsmakarna AB'], members: { aadmin: 'admin', auser: 'user', areader: 'readonly', aunassigned: 'user' }, assign: {} });
  firmB = await createTestOrg(t, { kind: 'firm', name: 'Byrå B', companies: [], members: { badmin: 'admin', buser: 'user' } });
  companyC = await createTestOrg(t, { kind: 'company', name: 'Bolaget C', companies: ['C1 Ensamföretaget AB'], members: { cadmin: 'admin', creader: 'readonly' } });
  // A1 and B1 are real simulated companies with backups.
  const a1 = (await addSimulatorTenant(t.web.app, sim.url, { fortnoxTenantId: String(sim.tenants[0]!.tenantId) })).tenant;
  const b1 = (await addSimulatorTenant(t.web.app, sim.url, { fortnoxTenantId: String(sim.tenants[1]!.tenantId) })).tenant;
  await linkCompany(t.db, firmA.orgId, a1.id);
  await linkCompany(t.db, firmB.orgId, b1.id);
  firmA.companies.unshift(a1.id);
  firmB.companies.push(b1.id);
  await backupTenant(t.web.app, a1.id);
  await backupTenant(t.web.app, b1.id);
  // Firm A's user and auditor see A1 only; "aunassigned" sees nothing; Firm B's user sees B1.
  const { assignCompanies } = await import('../accounts/organisations.ts');
  await assignCompanies(t.db, firmA.orgId, firmA.members.auser!.userId, [a1.id]);
  await assignCompanies(t.db, firmA.orgId, firmA.members.areader!.userId, [a1.id]);
  await assignCompanies(t.db, firmB.orgId, firmB.members.buser!.userId, [b1.id]);

  for (const org of [firmA, firmB, companyC]) {
    for (const id of org.companies) {
      const tenant = await t.db.selectFrom('tenants').select(['name']).where('id', '=', id).executeTakeFirstOrThrow();
      names.set(id, tenant.name);
      idsOf.set(id, await tenantIds(id, id === a1.id || id === b1.id));
    }
  }
  const invitation = async (orgId: string, by: string) => {
    const id = randomUUID();
    await t.db.insertInto('invitations').values({ token_hash: newToken().hash, id, org_id: orgId, email: `inv-${id.slice(0, 6)}@example.se`, role: 'user', tenant_ids: null, invited_by: by, created_at: new Date().toISOString(), expires_at: new Date(Date.now() + 86400_000).toISOString(), accepted_at: null, revoked_at: null }).execute();
    return id;
  };
  const invA = await invitation(firmA.orgId, firmA.members.aadmin!.userId);
  const invB = await invitation(firmB.orgId, firmB.members.badmin!.userId);
  const all = [...firmA.companies, ...firmB.companies, ...companyC.companies];
  const visible: Record<string, string[]> = {
    aadmin: firmA.companies, auser: [a1.id], areader: [a1.id], aunassigned: [],
    badmin: [b1.id], buser: [b1.id],
    cadmin: companyC.companies, creader: companyC.companies,
  };
  for (const org of [firmA, firmB, companyC]) {
    for (const [label, member] of Object.entries(org.members)) {
      const sees = visible[label]!;
      const own = sees[0] === undefined ? undefined : idsOf.get(sees[0]);
      const forbidden = all.filter((id) => !sees.includes(id)).flatMap((id) => [id, names.get(id)!]);
      principals.push({
        label,
        role: member.role,
        client: member.client,
        own,
        forbiddenMarkers: forbidden,
        foreignUserId: org === firmB ? firmA.members.aadmin!.userId : firmB.members.badmin!.userId,
        foreignInvitationId: org === firmB ? invA : invB,
      });
    }
  }
  routes = t.web.server.noxRoutes.filter((r) => !r.url.startsWith('/assets/') && r.url !== '/api/openapi.json' && r.url !== '/healthz');
});

after(async () => {
  await t?.close();
});

/** Fills a route's path parameters; unknown parameter names fail the test (the matrix must cover every route). */
function fill(route: RouteInfo, ids: Ids, p: Principal | undefined, extra: Partial<Record<string, string>> = {}): string {
  return route.url.replace(/:(\w+)/g, (_m, name: string) => {
    const value =
      extra[name] ??
      (name === 'companyId' || name === 'tenantId' ? ids.companyId
        : name === 'snapshotId' ? ids.snapshotId
        : name === 'runId' ? (route.url.includes('/restore/') ? ids.restoreRunId : ids.runId)
        : name === 'exportId' ? ids.exportId
        : name === 'alertId' ? ids.alertId
        : name === 'jobId' ? ids.jobId
        : name === 'planId' ? ids.restoreRunId
        : name === 'dataset' ? 'customers'
        : name === 'key' ? ids.key
        : name === 'userId' ? p?.foreignUserId
        : name === 'invitationId' ? p?.foreignInvitationId
        : name === 'token' ? 'not-a-real-token-0000000000000000'
        : undefined);
    assert.ok(value !== undefined, `the security matrix has no value for :${name} in ${route.method} ${route.url}; add it`);
    return encodeURIComponent(value);
  });
}

/** The markers a response must not contain: what the request's own path holds is echoed, not leaked. */
function leaks(markers: readonly string[], path: string, body: string): string | undefined {
  return markers.find((m) => !path.includes(m) && body.includes(m));
}

async function call(client: WebClient, method: string, path: string, options: { csrf?: boolean } = {}) {
  if (method === 'GET') return client.get(path);
  if (options.csrf === false) return client.request(method, path, { form: { _csrf: 'forged' }, headers: { 'x-csrf-token': 'forged' } });
  return client.request(method, path, { form: {} });
}

const memberRoutes = () => routes.filter((r) => (r.config.access ?? 'member') === 'member');
const companyRoutes = () => memberRoutes().filter((r) => r.url.includes(':companyId'));

test('the matrix covers the whole app: pages and API, with every company route under :companyId', () => {
  assert.ok(routes.length >= 30, `only ${routes.length} routes`);
  assert.ok(companyRoutes().length >= 10, 'company routes exist');
  assert.ok(routes.some((r) => r.url.startsWith('/api/v1/')), 'API routes exist');
  for (const r of memberRoutes()) {
    // A route that reads or changes a company's data must name it in the path, or the hooks cannot scope it.
    assert.ok(!/\/(snapshots|records|browse|exports|restore|runs|files)\b/.test(r.url) || r.url.includes(':companyId'), `${r.method} ${r.url} handles company data without :companyId`);
  }
});

test('without a session every member route is refused, and no public route leaks company data', async () => {
  const anon = new WebClient(t.url);
  await anon.get('/login');
  const anyIds = idsOf.get(firmA.companies[0]!)!;
  for (const r of routes) {
    const path = fill(r, anyIds, principals[0]);
    const res = await call(anon, r.method, path);
    const where = `${r.method} ${path}`;
    if ((r.config.access ?? 'member') === 'member' || r.config.access === 'pending') {
      assert.ok(res.status === 401 || res.status === 404 || (res.status === 303 && (res.location ?? '').startsWith('/login')), `${where} answered ${res.status} without a session`);
    }
    assert.ok(res.status < 500, `${where} failed with ${res.status}`);
    assert.equal(leaks([...idsOf.keys()].flatMap((id) => [id, names.get(id)!]), path, res.text), undefined, `${where} shows a company to an anonymous visitor`);
  }
});

test('a company the principal may not see is 404 on every company route, for every role and method', async () => {
  let checked = 0;
  for (const p of principals) {
    const hidden = [...idsOf.keys()].filter((id) => p.forbiddenMarkers.includes(id));
    for (const r of companyRoutes()) {
      for (const id of hidden) {
        const path = fill(r, idsOf.get(id)!, p);
        const res = await call(p.client, r.method, path);
        assert.equal(res.status, 404, `${p.label} (${p.role}): ${r.method} ${path} answered ${res.status}, not 404`);
        assert.equal(leaks(p.forbiddenMarkers, path, res.text), undefined, `${p.label}: ${r.method} ${path} leaks a hidden company`);
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} combinations`);
});

test('inside a visible company, another tenant\'s snapshot, run, export, restore run, alert and record ids are not found', async () => {
  const foreign = idsOf.get(firmB.companies[0]!)!;
  let checked = 0;
  for (const p of principals.filter((x) => x.own !== undefined && x.role !== 'readonly')) {
    for (const r of companyRoutes().filter((x) => /:(snapshotId|runId|exportId|alertId|jobId)/.test(x.url))) {
      if (p.forbiddenMarkers.includes(foreign.companyId) === false) continue;
      const permission = r.config.permission;
      if (permission !== undefined && !can({ role: p.role }, permission)) continue;
      const path = fill(r, p.own!, p, { snapshotId: foreign.snapshotId, runId: r.url.includes('/restore/') ? foreign.restoreRunId : foreign.runId, exportId: foreign.exportId, alertId: foreign.alertId, jobId: foreign.jobId });
      const res = await call(p.client, r.method, path);
      assert.ok(res.status === 404 || res.status === 400, `${p.label}: ${r.method} ${path} answered ${res.status} for another tenant's id`);
      assert.equal(leaks(p.forbiddenMarkers, path, res.text), undefined, `${p.label}: ${r.method} ${path} leaks a hidden company`);
      checked++;
    }
  }
  assert.ok(checked > 0, 'routes with ids under a company were checked');
});

test('a role without a route\'s permission gets 403 on its own company and organisation', async () => {
  let checked = 0;
  for (const p of principals) {
    for (const r of memberRoutes()) {
      const permission = r.config.permission;
      if (permission === undefined || can({ role: p.role }, permission)) continue;
      if (r.url.includes(':companyId') && p.own === undefined) continue;
      const path = fill(r, p.own ?? idsOf.get(firmA.companies[0]!)!, p, { userId: p.foreignUserId });
      const res = await call(p.client, r.method, path);
      assert.ok(res.status === 403 || (r.url.includes(':userId') || r.url.includes(':invitationId') ? res.status === 404 : false), `${p.label} (${p.role}): ${r.method} ${path} answered ${res.status}, not 403`);
      checked++;
    }
  }
  assert.ok(checked > 20, `only ${checked} combinations`);
});

test('every route that changes something refuses a request without the session\'s CSRF token', async () => {
  const admin = principals.find((p) => p.label === 'aadmin')!;
  let checked = 0;
  for (const r of routes.filter((x) => x.method !== 'GET')) {
    const path = fill(r, admin.own!, admin);
    const res = await call(admin.client, r.method, path, { csrf: false });
    // A signed-in member gets 403; a route for the half-logged-in state refuses the session first (401).
    const expected = r.config.access === 'pending' ? [401, 403] : [403];
    assert.ok(expected.includes(res.status), `${r.method} ${path} accepted a forged CSRF token (${res.status})`);
    checked++;
  }
  assert.ok(checked >= 10, `only ${checked} state-changing routes`);
  assert.equal((await admin.client.get('/account')).status, 200, 'and the session is intact');
});

test('no page or API answer a principal may read names a company it may not see', async () => {
  for (const p of principals) {
    for (const r of memberRoutes().filter((x) => x.method === 'GET')) {
      const permission = r.config.permission;
      if (permission !== undefined && !can({ role: p.role }, permission)) continue;
      if (r.url.includes(':companyId') && p.own === undefined) continue;
      if (/:(userId|invitationId)/.test(r.url)) continue;
      const path = fill(r, p.own ?? idsOf.get(firmA.companies[0]!)!, p);
      const res = await p.client.get(path);
      assert.ok(res.status < 500, `${p.label}: GET ${path} failed with ${res.status}: ${res.text.slice(0, 300)}`);
      assert.equal(leaks(p.forbiddenMarkers, path, res.text), undefined, `${p.label} (${p.role}): GET ${path} names a company it may not see`);
    }
  }
});
