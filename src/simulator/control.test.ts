/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- answers are parsed JSON read field by field */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { api, control, startFixtureSimulator, serviceToken } from './client.test-support.ts';
import { startSimulator } from './server.ts';

test('the 26th request inside the window gets 429 without Retry-After, and the window slides', async () => {
  // A window long enough that 25 requests fit in it even on a loaded machine.
  const sim = await startFixtureSimulator({ rateWindowMs: 3000 });
  try {
    const fx = api(sim, await serviceToken(sim));
    for (let i = 0; i < 25; i++) assert.equal((await fx.get('/3/projects')).status, 200, `request ${i + 1}`);
    const limited = await fx.get('/3/projects');
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.json, { message: 'Too Many Requests' });
    assert.equal(limited.headers.get('retry-after'), null);
    await sleep(3100);
    assert.equal((await fx.get('/3/projects')).status, 200);
    const counters = (await control(sim, 'GET', 'counters')).json;
    assert.equal(counters.rateLimited, 1);
    assert.equal(counters.requests['GET /3/projects'], 27, 'rejected requests are counted too');
  } finally {
    await sim.close();
  }
});

test('timeScale shortens the window and tenants have separate windows', async () => {
  const sim = await startFixtureSimulator({ companies: 2, rateLimit: 3, rateWindowMs: 60_000, timeScale: 20 });
  try {
    const a = api(sim, await serviceToken(sim, sim.tenants[0]!.tenantId));
    const b = api(sim, await serviceToken(sim, sim.tenants[1]!.tenantId));
    for (let i = 0; i < 3; i++) assert.equal((await a.get('/3/projects')).status, 200);
    assert.equal((await a.get('/3/projects')).status, 429);
    assert.equal((await b.get('/3/projects')).status, 200, 'another tenant has its own window');
    await sleep(3100);
    assert.equal((await a.get('/3/projects')).status, 200, 'a 60 s window at time scale 20 is 3 s');
  } finally {
    await sim.close();
  }
});

test('injected faults: 5xx with a count, a 429 storm, slow answers, dropped connections and revoked consents', async () => {
  const sim = await startFixtureSimulator({ rateLimit: 100_000 });
  try {
    const tenantId = sim.tenants[0]!.tenantId;
    const fx = api(sim, await serviceToken(sim));
    assert.equal((await control(sim, 'POST', 'faults', { kind: '5xx', status: 503, count: 2, path: '/3/invoices' })).status, 200);
    assert.equal((await fx.get('/3/customers')).status, 200, 'the path filter leaves others alone');
    assert.equal((await fx.get('/3/invoices')).status, 503);
    assert.equal((await fx.get('/3/invoices/1')).status, 503);
    assert.equal((await fx.get('/3/invoices')).status, 200, 'the fault is used up');

    await control(sim, 'POST', 'faults', { kind: '429', count: 3, tenantId });
    for (let i = 0; i < 3; i++) assert.equal((await fx.get('/3/customers')).status, 429);
    assert.equal((await fx.get('/3/customers')).status, 200);

    await control(sim, 'POST', 'faults', { kind: 'slow', delayMs: 50, count: 1 });
    assert.equal((await fx.get('/3/customers')).status, 200, 'slow still answers');

    await control(sim, 'POST', 'faults', { kind: 'drop', count: 1 });
    await assert.rejects(fx.get('/3/customers'), 'a dropped connection fails the request');
    assert.equal((await fx.get('/3/customers')).status, 200);

    await control(sim, 'POST', 'faults', { kind: '5xx', probability: 0 });
    assert.equal((await fx.get('/3/customers')).status, 200, 'probability 0 never fires');
    assert.equal((await control(sim, 'GET', 'faults')).json.faults.length, 1);
    assert.equal((await control(sim, 'DELETE', 'faults')).json.cleared, 1);

    assert.equal((await control(sim, 'POST', 'faults', { kind: 'nonsense' })).status, 400);

    await control(sim, 'POST', 'faults', { kind: 'revoke', count: 1 });
    assert.equal((await fx.get('/3/customers')).status, 401);
    assert.equal((await fx.get('/3/customers')).status, 401, 'the consent stays revoked');
    const t = await control(sim, 'GET', 'counters');
    assert.ok(t.json.rateLimited >= 3);
  } finally {
    await sim.close();
  }
});

test('the control API lists tenants, moves the clock, runs business days, creates empty companies and resets', async () => {
  // The generated company, not the fixture: a business day needs a full chart of accounts.
  const sim = await startSimulator({ rateLimit: 100_000 });
  try {
    const tenants = (await control(sim, 'GET', 'tenants')).json;
    assert.equal(tenants.tenants.length, 1);
    assert.equal(tenants.clientId, 'noxbackup-sim');
    const before = (await control(sim, 'GET', 'clock')).json.now as number;
    const after = (await control(sim, 'POST', 'clock/advance', { days: 1, hours: 2 })).json.now as number;
    assert.ok(after - before >= 26 * 3600_000);
    assert.equal((await control(sim, 'POST', 'clock/advance', { days: -1 })).status, 400);

    const days = await control(sim, 'POST', 'business-days', { days: 2 });
    assert.equal(days.status, 200);
    assert.equal(days.json.summaries.length, 2);
    assert.ok((days.json.clock.now as number) - after >= 2 * 86_400_000);

    const id = tenants.tenants[0].tenantId as number;
    const contents = (await control(sim, 'GET', `contents?tenantId=${id}`)).json[id] as { customers: number; financialYears: { accounts: number }[] };
    const listed = (await api(sim, await serviceToken(sim)).get('/3/customers?limit=1')).json.MetaInformation['@TotalResources'];
    assert.equal(contents.customers, listed, 'contents count what the API lists');
    assert.ok(contents.financialYears.length >= 3 && contents.financialYears.every((y) => y.accounts > 100));

    const empty = await control(sim, 'POST', 'companies', { name: 'Återställning AB' });
    assert.equal(empty.status, 200);
    const et = api(sim, await serviceToken(sim, empty.json.tenantId as number));
    assert.equal((await et.get('/3/customers')).json.MetaInformation['@TotalResources'], 0);
    assert.equal((await et.get('/3/companyinformation')).json.CompanyInformation.CompanyName, 'Återställning AB');
    assert.ok((await et.get('/3/financialyears')).json.MetaInformation['@TotalResources'] > 0, 'an empty company still has its financial years');

    const fx = api(sim, await serviceToken(sim));
    await fx.post('/3/customers', { Customer: { Name: 'Borta efter reset' } });
    const reset = await control(sim, 'POST', 'reset');
    assert.equal(reset.json.tenants.length, 1, 'reset regenerates from the seed only');
    const fresh = api(sim, await serviceToken(sim));
    assert.equal((await fresh.get('/3/customers?name=borta')).json.MetaInformation['@TotalResources'], 0);
    assert.equal((await control(sim, 'GET', 'nothing')).status, 404);
  } finally {
    await sim.close();
  }
});
