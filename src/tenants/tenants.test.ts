/** Connecting companies through the app against the simulator over HTTP, in a temporary data directory. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { appTargets, type TestApp } from '../app.test-support.ts';
import { getTenant, listTenants as listDbTenants } from '../db/index.ts';
import { toText } from '../fortnox/values.ts';
import { addServiceAccountTenant, addSimulatorTenant, fortnoxApp, listTenants, resolveTenant, startOAuthConnect } from './index.ts';

async function control(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/__sim/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
  assert.equal(res.status, 200);
  return res.json();
}

for (const target of appTargets()) describe(`tenants on ${target.name}`, () => {
  let sim: RunningSimulator;
  let t: TestApp;
  before(async () => {
    sim = await startSimulator({ seed: 5, size: 'small', companies: 2, rateLimit: 1000, rateWindowMs: 1000 });
    t = await target.open();
  });
  after(async () => {
    await t.cleanup();
    await sim.close();
  });

  it('connects a simulated company by its control API, naming the tenant from its company information', async () => {
    const { tenant, fortnoxTenantId, mode, reconnected } = await addSimulatorTenant(t.app, sim.url);
    assert.equal(fortnoxTenantId, String(sim.tenants[0]!.tenantId));
    assert.equal(tenant.name, sim.tenants[0]!.name);
    assert.equal(tenant.orgNumber, sim.tenants[0]!.orgNumber);
    assert.equal(mode, 'service');
    assert.equal(reconnected, false);
    assert.equal(tenant.dataKeyId, t.app.keyring.current.id);
    assert.deepEqual(await (await t.app.repositoryFor(tenant.id)).listSnapshots(), []);
    const keyObjects: string[] = [];
    for await (const o of t.app.store.list(`keys/${tenant.id}`)) keyObjects.push(o.key);
    assert.equal(keyObjects.length, 1, 'the repository keys exist');

    const info = await (await t.app.readerFor(tenant.id)).companyInformation();
    assert.equal(toText(info.DatabaseNumber), fortnoxTenantId);

    const again = await addSimulatorTenant(t.app, sim.url, { fortnoxTenantId });
    assert.equal(again.reconnected, true);
    assert.equal(again.tenant.id, tenant.id, 'the same company is not connected twice');
  });

  it('keeps each tenant\'s reader on its own Fortnox company', async () => {
    const second = await addSimulatorTenant(t.app, sim.url, { fortnoxTenantId: String(sim.tenants[1]!.tenantId) });
    const first = await resolveTenant(t.app, String(sim.tenants[0]!.tenantId));
    assert.notEqual(first.id, second.tenant.id);
    const a = await (await t.app.readerFor(first.id)).companyInformation();
    const b = await (await t.app.readerFor(second.tenant.id)).companyInformation();
    assert.equal(toText(a.DatabaseNumber), String(sim.tenants[0]!.tenantId));
    assert.equal(toText(b.DatabaseNumber), String(sim.tenants[1]!.tenantId));
  });

  it('refuses a service account with a wrong secret and creates nothing', async () => {
    const before = (await listDbTenants(t.app.db)).length;
    await assert.rejects(
      addServiceAccountTenant(t.app, fortnoxApp({ apiUrl: sim.apiUrl, authUrl: sim.authUrl, clientId: sim.clientId, clientSecret: 'wrong' }), String(sim.tenants[0]!.tenantId)),
      { code: 'TENANT_CONNECT_FAILED' },
    );
    assert.equal((await listDbTenants(t.app.db)).length, before);
  });

  it('connects by OAuth in the browser: state and PKCE, the loopback listener receives the code', async () => {
    const company = (await control(sim, 'POST', 'companies', { name: 'OAuth-bolaget AB' })) as { tenantId: number };
    await control(sim, 'POST', 'auto-approve', { tenantId: company.tenantId });
    const fortnox = fortnoxApp({ apiUrl: sim.apiUrl, authUrl: sim.authUrl, clientId: sim.clientId, clientSecret: sim.clientSecret });
    const flow = await startOAuthConnect(t.app, fortnox);
    const url = new URL(flow.url);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.ok((url.searchParams.get('state') ?? '').length >= 16);
    assert.match(flow.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const forged = await fetch(`${flow.redirectUri}?code=x&state=forged`);
    assert.equal(forged.status, 400, 'a callback with a foreign state is refused');
    const page = await fetch(flow.url); // the "browser": the simulator approves and redirects to the listener
    assert.equal(page.status, 200, await page.text());
    const connected = await flow.result;
    await control(sim, 'POST', 'auto-approve', { tenantId: null });

    assert.equal(connected.mode, 'refresh');
    assert.equal(connected.fortnoxTenantId, String(company.tenantId));
    assert.equal(connected.tenant.name, 'OAuth-bolaget AB');
    const info = await (await t.app.readerFor(connected.tenant.id)).companyInformation();
    assert.equal(toText(info.DatabaseNumber), String(company.tenantId));
  });

  it('lists tenants with connection status, and finds one by id, Fortnox id or unique name prefix', async () => {
    const all = await listTenants(t.app);
    assert.equal(all.length, 3);
    assert.ok(all.every((s) => s.connection === 'ok' && s.lastRun === null && s.lastSnapshot === null));
    assert.deepEqual(all.map((s) => s.authMode).sort(), ['refresh_token', 'service_account', 'service_account']);
    const oauth = all.find((s) => s.name === 'OAuth-bolaget AB')!;
    assert.equal((await resolveTenant(t.app, oauth.id)).id, oauth.id);
    assert.equal((await resolveTenant(t.app, oauth.fortnoxTenantId!)).id, oauth.id);
    assert.equal((await resolveTenant(t.app, 'oauth-')).id, oauth.id);
    await assert.rejects(resolveTenant(t.app, 'nobody'), { code: 'TENANT_UNKNOWN', exitCode: 2 });
    await assert.rejects(resolveTenant(t.app, undefined), { code: 'TENANT_REQUIRED' });
    await assert.rejects(resolveTenant(t.app, ''), { code: 'TENANT_REQUIRED' });
    assert.ok(await getTenant(t.app.db, oauth.id));
  });

  it('stores no client secret or token in clear in the database', async () => {
    const rows = await t.app.db.selectFrom('fortnox_connections').selectAll().execute();
    const dump = Buffer.from(rows.map((r) => JSON.stringify(r) + Buffer.from(r.token_ciphertext!).toString('latin1')).join('\n'));
    assert.equal(dump.includes(sim.clientSecret), false);
    assert.equal(dump.includes('eyJ'), false, 'no JWT');
  });
});
