import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKUP_SCOPES } from '../fortnox/catalogue.ts';
import { loadFortnoxConnection } from '../db/index.ts';
import { raiseAlert, listAlerts } from '../db/alerts.ts';
import { createTestOrg, startTestWeb, type FetchResult, type TestOrg, type TestWeb, type WebClient } from './web.test-support.ts';
import type { DialectName } from '../db/dialect.ts';

/**
 * Goes through Fortnox's (the simulator's) consent as a browser would: our form redirects to the consent
 * page, whose form is approved (or denied) for a company, and Fortnox's redirect comes back to our callback.
 */
async function consent(t: TestWeb, client: WebClient, started: FetchResult, choice: { tenantId: number; decision?: 'approve' | 'deny' }): Promise<{ callback: string; result: FetchResult }> {
  assert.equal(started.status, 303, started.text);
  const auth = new URL(started.location!);
  const sim = t.web.simulator!;
  assert.equal(`${auth.origin}${auth.pathname}`, `${sim.authUrl}/oauth-v1/auth`);
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
  assert.ok((auth.searchParams.get('state') ?? '').length >= 32);
  const consentPage = await fetch(auth);
  assert.equal(consentPage.status, 200);
  assert.match(await consentPage.text(), /Godkänn/);
  const form = new URLSearchParams(auth.searchParams);
  form.set('tenant_id', String(choice.tenantId));
  form.set('decision', choice.decision ?? 'approve');
  const answer = await fetch(`${sim.authUrl}/oauth-v1/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), redirect: 'manual' });
  assert.equal(answer.status, 302);
  const back = new URL(answer.headers.get('location')!);
  assert.equal(back.pathname, '/oauth/fortnox/callback');
  const callback = `${back.pathname}${back.search}`;
  return { callback, result: await client.get(callback) };
}

for (const dialect of ['sqlite', 'postgres'] as DialectName[]) {
  describe(`connecting Fortnox (${dialect})`, () => {
    let t: TestWeb;
    let org: TestOrg;
    let rival: TestOrg;
    let alice: WebClient;

    before(async () => {
      t = await startTestWeb({ dialect });
      org = await createTestOrg(t, { kind: 'company', name: 'Kunden AB', companies: [], members: { alice: 'admin', bob: 'user' } });
      rival = await createTestOrg(t, { kind: 'company', name: 'Någon annan AB', companies: [], members: { eve: 'admin' } });
      alice = org.members.alice!.client;
    });
    after(() => t.close());

    test('the connect page explains the service account, the scopes and revoking, in Swedish, and says Fortnox is the simulator in demo mode', async () => {
      const start = await alice.get('/dashboard');
      assert.equal(start.status, 200);
      assert.match(start.text, /href="\/companies\/connect"/);
      const page = await alice.get('/companies/connect');
      assert.equal(page.status, 200);
      assert.match(page.text, /Servicekonto \(rekommenderas\)/);
      assert.match(page.text, /Tillåt som serviceanvändare/);
      assert.match(page.text, /återkalla/);
      assert.match(page.text, /simulator/);
      for (const scope of BACKUP_SCOPES) assert.match(page.text, new RegExp(`<code>${scope}</code>`));
    });

    test('a user who is not an administrator may not connect', async () => {
      const bob = org.members.bob!.client;
      assert.equal((await bob.get('/companies/connect')).status, 403);
      assert.equal((await bob.post('/companies/connect', { mode: 'service' })).status, 403);
    });

    test('denying the consent shows the denial page and connects nothing', async () => {
      const sim = t.web.simulator!;
      const { result } = await consent(t, alice, await alice.post('/companies/connect', { mode: 'service' }), { tenantId: sim.tenants[0]!.tenantId, decision: 'deny' });
      assert.equal(result.status, 200);
      assert.match(result.text, /Anslutningen godkändes inte/);
      assert.equal((await t.db.selectFrom('org_companies').selectAll().where('org_id', '=', org.orgId).execute()).length, 0);
      assert.equal((await t.db.selectFrom('tenants').selectAll().execute()).length, 0);
    });

    test('an administrator connects a simulator company through OAuth and it appears on the dashboard; its state cannot be used again or forged', async () => {
      const sim = t.web.simulator!;
      const info = sim.tenants[0]!;
      const { callback, result } = await consent(t, alice, await alice.post('/companies/connect', { mode: 'service' }), { tenantId: info.tenantId });
      assert.equal(result.status, 303, result.text);
      const m = /^\/companies\/([\w-]+)\?notice=connected$/.exec(result.location ?? '');
      assert.ok(m, result.location ?? '');
      const companyId = m[1]!;
      const page = await alice.get(result.location!);
      assert.equal(page.status, 200);
      assert.match(page.text, /är anslutet/);
      assert.match(page.text, new RegExp(info.name));
      const connection = await loadFortnoxConnection(t.db, companyId);
      assert.equal(connection?.status, 'ok');
      assert.equal(connection?.authMode, 'service_account');
      // A company customer with one company lands on its page.
      const dash = await alice.get('/dashboard');
      assert.equal(dash.location, `/companies/${companyId}`);
      const listed = (await alice.get('/api/v1/companies')).json<{ companies: { id: string; name: string }[] }>();
      assert.deepEqual(listed.companies.map((c) => c.name), [info.name]);
      const audit = await t.db.selectFrom('audit_log').select(['action', 'tenant_id']).where('action', '=', 'company.connect').execute();
      assert.deepEqual(audit, [{ action: 'company.connect', tenant_id: companyId }]);

      // The first backup started at once. (Wait for it before the consents below: a new consent replaces
      // the one a running backup uses.)
      for (let i = 0; i < 600 && (await t.web.backups.queue.pending(companyId)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      const api = (await alice.get(`/api/v1/companies/${companyId}`)).json<{ status: string; records: number }>();
      assert.equal(api.status, 'ok', JSON.stringify(api).slice(0, 3000));
      assert.ok(api.records > 0);

      const reused = await alice.get(callback);
      assert.equal(reused.status, 400);
      assert.match(reused.text, /redan använts/);
      const forged = await alice.get(`/oauth/fortnox/callback?state=${'x'.repeat(32)}&code=abc`);
      assert.equal(forged.status, 400);
      // Nobody else can finish alice's request.
      const { result: wrongUser } = await consent(t, alice, await alice.post('/companies/connect', { mode: 'service' }), { tenantId: info.tenantId }).then(async (r) => ({ result: await rival.members.eve!.client.get(r.callback) }));
      assert.equal(wrongUser.status, 400);
    });

    test('a Fortnox company another organisation has connected is refused and stays theirs', async () => {
      const sim = t.web.simulator!;
      const eve = rival.members.eve!.client;
      const { result } = await consent(t, eve, await eve.post('/companies/connect', { mode: 'service' }), { tenantId: sim.tenants[0]!.tenantId });
      assert.equal(result.status, 409);
      assert.match(result.text, /redan anslutet/);
      assert.equal((await t.db.selectFrom('org_companies').selectAll().where('org_id', '=', rival.orgId).execute()).length, 0);
      assert.equal((await eve.get('/api/v1/companies')).json<{ companies: unknown[] }>().companies.length, 0);
    });

    test('after the consent is revoked, the company page offers to reconnect, and reconnecting restores the connection and resolves the alert', async () => {
      const sim = t.web.simulator!;
      const info = sim.tenants[0]!;
      const [companyId] = (await alice.get('/api/v1/companies')).json<{ companies: { id: string }[] }>().companies.map((c) => c.id);
      const res = await fetch(`${sim.url}/__sim/consents/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenantId: info.tenantId }) });
      assert.equal(res.status, 200);
      const started = await alice.follow(alice.post(`/companies/${companyId}/backups`));
      assert.equal(started.status, 200);
      for (let i = 0; i < 600 && (await t.web.backups.queue.pending(companyId!)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal((await loadFortnoxConnection(t.db, companyId!))?.status, 'reconnect_needed');
      await raiseAlert(t.db, { tenantId: companyId!, kind: 'reconnect_needed', severity: 'critical', details: { runId: null, code: null, reason: null } });
      const page = await alice.get(`/companies/${companyId}`);
      assert.match(page.text, /Anslut igen/);
      assert.equal((await alice.get('/api/v1/dashboard')).json<{ companies: { status: string }[] }>().companies[0]!.status, 'reconnect');

      // Approving another company than the one being reconnected changes nothing.
      const { result: wrong } = await consent(t, alice, await alice.post(`/companies/${companyId}/reconnect`), { tenantId: sim.tenants[1]!.tenantId });
      assert.equal(wrong.status, 409);
      assert.equal((await t.db.selectFrom('org_companies').selectAll().where('org_id', '=', org.orgId).execute()).length, 1);

      const { result } = await consent(t, alice, await alice.post(`/companies/${companyId}/reconnect`), { tenantId: info.tenantId });
      assert.equal(result.status, 303, result.text);
      assert.equal(result.location, `/companies/${companyId}?notice=connected`);
      assert.equal((await loadFortnoxConnection(t.db, companyId!))?.status, 'ok');
      assert.equal((await listAlerts(t.db, [companyId!], { open: true })).filter((a) => a.kind === 'reconnect_needed').length, 0);
      for (let i = 0; i < 600 && (await t.web.backups.queue.pending(companyId!)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal((await alice.get(`/api/v1/companies/${companyId}`)).json<{ status: string }>().status, 'ok');
    });

    test('reconnecting is for administrators, and only of the organisation\'s own companies', async () => {
      const [companyId] = (await alice.get('/api/v1/companies')).json<{ companies: { id: string }[] }>().companies.map((c) => c.id);
      assert.equal((await org.members.bob!.client.post(`/companies/${companyId}/reconnect`)).status, 403);
      assert.equal((await rival.members.eve!.client.post(`/companies/${companyId}/reconnect`)).status, 404);
    });
  });
}
