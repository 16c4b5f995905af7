import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAudit } from '../accounts/audit.ts';
import { getAlert, raiseAlert } from '../db/alerts.ts';
import { createTestOrg, startTestWeb, type TestOrg, type TestWeb } from './web.test-support.ts';

interface AlertJson { id: string; companyId: string; kind: string; title: string; acknowledgedAt: string | null }

describe('alerts in the web app', () => {
  let t: TestWeb;
  let firm: TestOrg;
  let other: TestOrg;
  let bankAlert: string;
  let failedA: string;
  let failedB: string;

  before(async () => {
    t = await startTestWeb();
    firm = await createTestOrg(t, { kind: 'firm', name: 'Larmbyrån AB', companies: ['Klient A AB', 'Klient B AB'], members: { anna: 'admin', bo: 'user', rut: 'readonly' }, assign: { bo: [0], rut: [0] } });
    other = await createTestOrg(t, { kind: 'company', name: 'Annat AB', companies: ['Annat AB'], members: { olle: 'admin' } });
    const [a, b] = firm.companies as [string, string];
    failedA = (await raiseAlert(t.db, { tenantId: a, kind: 'backup_failed', severity: 'critical', details: { runId: null, code: 'FORTNOX_SERVER_ERROR', message: 'HTTP 503 från Fortnox' } })).alert.id;
    bankAlert = (await raiseAlert(t.db, {
      tenantId: a, kind: 'supplier_bank_changed', severity: 'critical',
      details: { supplierNumber: '42', name: 'Leverantören <AB>', changes: [{ field: 'BG', before: '123-4567', after: '999-8888' }] },
    })).alert.id;
    await raiseAlert(t.db, { tenantId: a, kind: 'mass_deletion', severity: 'warning', details: { dataset: 'customers', deleted: 120, before: 150 } });
    failedB = (await raiseAlert(t.db, { tenantId: b, kind: 'reconnect_needed', severity: 'critical', details: { runId: null, code: 'FORTNOX_UNAUTHORIZED', reason: 'Behörigheten återkallades' } })).alert.id;
    await raiseAlert(t.db, { tenantId: other.companies[0]!, kind: 'backup_failed', severity: 'critical', details: { runId: null, code: 'X', message: 'annan organisations larm' } });
  });
  after(() => t.close());

  it('shows an administrator every company\'s open alerts, in words, with the fraud warning and the links', async () => {
    const page = await firm.members.anna!.client.get('/alerts');
    assert.equal(page.status, 200);
    for (const text of ['Säkerhetskopieringen misslyckades', 'Fortnox-anslutningen måste förnyas', 'Leverantörens bankuppgifter har ändrats', 'Många poster raderades', 'Klient A AB', 'Klient B AB', 'HTTP 503 från Fortnox']) assert.ok(page.text.includes(text), text);
    assert.match(page.text, /Kontrollera ändringen med leverantören via ett känt telefonnummer innan ni betalar/);
    assert.ok(page.text.includes(`/companies/${firm.companies[0]!}/records/suppliers/42`));
    assert.ok(page.text.includes(`/companies/${firm.companies[1]!}#reconnect-h`));
    assert.ok(page.text.includes('Leverantören &lt;AB&gt;'), 'data from Fortnox is escaped');
    assert.match(page.text, /123-4567/);
    assert.match(page.text, /999-8888/);
    assert.doesNotMatch(page.text, /annan organisations larm/);
  });

  it('shows a firm user only the alerts of the companies assigned to them', async () => {
    const bo = firm.members.bo!.client;
    const page = await bo.get('/alerts');
    assert.match(page.text, /Leverantörens bankuppgifter har ändrats/);
    assert.doesNotMatch(page.text, /Fortnox-anslutningen måste förnyas/);
    assert.doesNotMatch(page.text, /Klient B AB/);
    const api = (await bo.get('/api/v1/alerts')).json<{ alerts: AlertJson[] }>();
    assert.ok(api.alerts.length >= 3);
    assert.ok(api.alerts.every((a) => a.companyId === firm.companies[0]));
    assert.equal((await bo.get(`/companies/${firm.companies[1]!}/alerts`)).status, 404);
    assert.equal((await bo.get(`/api/v1/companies/${firm.companies[1]!}/alerts`)).status, 404);
    assert.equal((await bo.post(`/companies/${firm.companies[0]!}/alerts/${failedB}/acknowledge`)).status, 404, 'another company\'s alert id through an assigned company');
    assert.equal((await getAlert(t.db, [firm.companies[1]!], failedB))?.acknowledgedAt, null);
  });

  it('lets a user acknowledge an alert, refuses a read-only user, and then lists it only with all=1', async () => {
    const [a] = firm.companies as [string];
    const rut = firm.members.rut!.client;
    await rut.get('/alerts');
    assert.equal((await rut.post(`/companies/${a}/alerts/${failedA}/acknowledge`)).status, 403);
    assert.equal((await rut.request('POST', `/api/v1/companies/${a}/alerts/${failedA}/acknowledge`)).status, 403);
    assert.equal((await getAlert(t.db, [a], failedA))?.acknowledgedAt, null);
    assert.doesNotMatch((await rut.get('/alerts')).text, /Kvittera/, 'no button for those who may not');

    const bo = firm.members.bo!;
    const done = await bo.client.post(`/companies/${a}/alerts/${failedA}/acknowledge`, { next: '/alerts' });
    assert.equal(done.status, 303);
    assert.equal(done.location, '/alerts');
    const alert = await getAlert(t.db, [a], failedA);
    assert.equal(alert?.acknowledgedBy, bo.userId);
    const open = (await bo.client.get(`/api/v1/companies/${a}/alerts`)).json<{ alerts: AlertJson[] }>();
    assert.ok(!open.alerts.some((x) => x.id === failedA));
    const all = (await bo.client.get(`/api/v1/companies/${a}/alerts?all=1`)).json<{ alerts: AlertJson[] }>();
    assert.ok(all.alerts.find((x) => x.id === failedA)?.acknowledgedAt !== null);
    assert.match((await bo.client.get(`/companies/${a}/alerts?all=1`)).text, /Kvitterat/);
    const [entry] = await listAudit(t.db, firm.orgId, { action: 'alert.acknowledge' });
    assert.equal(entry?.tenantId, a);
    assert.equal(entry?.target, failedA);

    const api = await firm.members.anna!.client.request('POST', `/api/v1/companies/${a}/alerts/${bankAlert}/acknowledge`);
    assert.equal(api.status, 200);
    assert.equal(api.json<AlertJson>().kind, 'supplier_bank_changed');
    assert.equal((await firm.members.anna!.client.post(`/companies/${other.companies[0]!}/alerts/${bankAlert}/acknowledge`)).status, 404);
  });

  it('pages the list newest first', async () => {
    const [, b] = firm.companies as [string, string];
    for (let i = 0; i < 3; i++) await raiseAlert(t.db, { tenantId: b, kind: 'mass_deletion', severity: 'warning', details: { dataset: `set${i}`, deleted: 10 + i, before: 20 }, at: new Date(Date.UTC(2026, 0, 1, i)) });
    const anna = firm.members.anna!.client;
    const first = (await anna.get(`/api/v1/companies/${b}/alerts?limit=2`)).json<{ alerts: AlertJson[]; next: string | null }>();
    assert.equal(first.alerts.length, 2);
    assert.ok(first.next !== null);
    const second = (await anna.get(`/api/v1/companies/${b}/alerts?limit=2&before=${first.next}`)).json<{ alerts: AlertJson[]; next: string | null }>();
    assert.equal(second.alerts.length, 2);
    assert.ok(!second.alerts.some((x) => first.alerts.some((y) => y.id === x.id)));
    const page = await anna.get(`/companies/${b}/alerts?before=${first.next}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Nyaste/);
  });
});
