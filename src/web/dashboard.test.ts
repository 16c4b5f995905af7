import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assignCompanies, linkCompany } from '../accounts/organisations.ts';
import { createBackupRun, finishBackupRun, loadFortnoxConnection, type BackupRun } from '../db/index.ts';
import { backupTenant } from '../jobs/index.ts';
import { addSimulatorTenant } from '../tenants/connect.ts';
import { companyStatus, nextPlannedRun, type CompanyOverview, type CompanyState } from './company-status.ts';
import { arrangeTable, parseTableQuery } from './dashboard-table.ts';
import { parseBackupWindow } from '../jobs/backup-window.ts';
import { createTestOrg, startTestWeb, type TestOrg, type TestWeb, type WebClient } from './web.test-support.ts';

const NOW = new Date('2025-03-10T12:00:00Z');

function run(status: BackupRun['status'], finishedAt: string | null, records = 10): BackupRun {
  return { id: `r-${status}-${finishedAt}`, tenantId: 't', status, trigger: 'schedule', queuedAt: finishedAt ?? NOW.toISOString(), startedAt: finishedAt, finishedAt, snapshotId: status === 'failed' ? null : 's', records, recordsChanged: 0, requests: 5, bytesWritten: 0, errors: 0, errorCode: null, errorMessage: null };
}

describe('company status', () => {
  const base = { connection: 'ok' as const, job: undefined, openAlerts: 0, now: NOW };
  test('a recent successful run with a working connection and no alerts is ok, with its record count', () => {
    const s = companyStatus({ ...base, runs: [run('succeeded', '2025-03-10T02:00:00Z', 42)] });
    assert.equal(s.state, 'ok');
    assert.equal(s.records, 42);
    assert.deepEqual(s.reasons, []);
  });
  test('a revoked or missing connection needs reconnecting, whatever the runs say', () => {
    assert.equal(companyStatus({ ...base, connection: 'reconnect_needed', runs: [run('succeeded', '2025-03-10T02:00:00Z')] }).state, 'reconnect');
    assert.equal(companyStatus({ ...base, connection: undefined, runs: [] }).state, 'reconnect');
  });
  test('the latest finished run failing makes it failed even when an older one succeeded', () => {
    const s = companyStatus({ ...base, runs: [run('failed', '2025-03-10T02:00:00Z'), run('succeeded', '2025-03-09T02:00:00Z', 7)] });
    assert.equal(s.state, 'failed');
    assert.equal(s.records, 7, 'the records are those of the last snapshot');
  });
  test('a partial run, open alerts or no success in two days are warnings', () => {
    assert.equal(companyStatus({ ...base, runs: [run('partial', '2025-03-10T02:00:00Z')] }).state, 'warning');
    assert.equal(companyStatus({ ...base, openAlerts: 2, runs: [run('succeeded', '2025-03-10T02:00:00Z')] }).state, 'warning');
    assert.equal(companyStatus({ ...base, runs: [run('succeeded', '2025-03-07T02:00:00Z')] }).state, 'warning');
  });
  test('no run at all is never backed up, and a queued or active job is running', () => {
    assert.equal(companyStatus({ ...base, runs: [] }).state, 'never');
    assert.equal(companyStatus({ ...base, job: 'queued', runs: [] }).state, 'running');
    assert.equal(companyStatus({ ...base, job: 'active', runs: [run('failed', '2025-03-10T02:00:00Z')] }).state, 'running');
  });
  test('the next planned run is the first one after now, inside the window', () => {
    const window = parseBackupWindow('01:00-05:00', 'Europe/Stockholm');
    const at = nextPlannedRun(window, 'tenant-a', NOW);
    assert.ok(at > NOW);
    assert.ok(at.getTime() - NOW.getTime() < 24 * 3600_000);
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Stockholm', hour: 'numeric', hourCycle: 'h23' }).format(at));
    assert.ok(hour >= 1 && hour < 5, `planned at ${at.toISOString()}`);
  });
});

describe('firm table', () => {
  const row = (name: string, state: CompanyState, orgNumber: string, last: string | null): CompanyOverview => ({
    company: { id: name, name, orgNumber, status: 'active', createdAt: '', terminatedAt: null, deletionDueAt: null, deletedAt: null, dataKeyId: null },
    status: { state, reasons: [], lastRun: last === null ? undefined : run('succeeded', last), lastGoodRun: undefined, records: 1, openAlerts: 0 },
    connection: undefined,
    nextRun: null,
  });
  const rows = [row('Ankan AB', 'ok', '556000-0001', '2025-03-10T01:00:00Z'), row('Bävern AB', 'failed', '556000-0002', '2025-03-09T01:00:00Z'), row('Citronen AB', 'reconnect', '556000-0003', null), row('Duvan AB', 'never', '556000-0004', null), row('Ekorren AB', 'warning', '556000-0005', '2025-03-08T01:00:00Z')];
  const names = (q: Record<string, string>) => arrangeTable(rows, parseTableQuery(q)).rows.map((r) => r.company.name);

  test('lists problems first by default: reconnect, failed, warning, never, ok', () => {
    assert.deepEqual(names({}), ['Citronen AB', 'Bävern AB', 'Ekorren AB', 'Duvan AB', 'Ankan AB']);
  });
  test('sorts by name and by last backup either way, companies without a backup last', () => {
    assert.deepEqual(names({ sort: 'name', dir: 'desc' }), ['Ekorren AB', 'Duvan AB', 'Citronen AB', 'Bävern AB', 'Ankan AB']);
    assert.deepEqual(names({ sort: 'last', dir: 'desc' }), ['Ankan AB', 'Bävern AB', 'Ekorren AB', 'Citronen AB', 'Duvan AB']);
    assert.deepEqual(names({ sort: 'last' }), ['Ekorren AB', 'Bävern AB', 'Ankan AB', 'Citronen AB', 'Duvan AB']);
  });
  test('filters by name, by organisation number with or without the dash, and by status', () => {
    assert.deepEqual(names({ q: 'bäv' }), ['Bävern AB']);
    assert.deepEqual(names({ q: '5560000004' }), ['Duvan AB']);
    assert.deepEqual(names({ status: 'ok' }), ['Ankan AB']);
    assert.deepEqual(names({ status: 'nonsense', sort: 'nonsense' }), names({}), 'unknown values fall back to the defaults');
  });
  test('pages by 50', () => {
    const many = Array.from({ length: 120 }, (_, i) => row(`Bolag ${String(i).padStart(3, '0')}`, 'ok', `556${i}`, null));
    const third = arrangeTable(many, parseTableQuery({ sort: 'name', page: '3' }));
    assert.equal(third.pages, 3);
    assert.equal(third.total, 120);
    assert.equal(third.rows.length, 20);
    assert.equal(third.rows[0]!.company.name, 'Bolag 100');
  });
});

interface DashboardRow { id: string; name: string; status: string; records: number | null; reasons: string[]; lastBackup: { status: string } | null }

describe('dashboard and company pages against the demo server', () => {
  let t: TestWeb;
  let firm: TestOrg;
  let other: TestOrg;
  let alice: WebClient;
  let good: string;
  let revoked: string;
  let failed: string;
  let unconnected: string;

  before(async () => {
    t = await startTestWeb();
    firm = await createTestOrg(t, { kind: 'firm', name: 'Byrån', companies: ['Ej ansluten AB'], members: { alice: 'admin', bob: 'user', rita: 'readonly' }, assign: { bob: [0] } });
    other = await createTestOrg(t, { kind: 'firm', name: 'Andra byrån', companies: ['Främmande AB'], members: { olle: 'admin' } });
    alice = firm.members.alice!.client;
    unconnected = firm.companies[0]!;
    const sim = t.web.simulator!;
    const ids: string[] = [];
    for (const info of sim.tenants) {
      const connected = await addSimulatorTenant(t.web.app, sim.url, { fortnoxTenantId: String(info.tenantId) });
      await linkCompany(t.db, firm.orgId, connected.tenant.id);
      ids.push(connected.tenant.id);
    }
    [good, revoked, failed] = ids as [string, string, string];
    await assignCompanies(t.db, firm.orgId, firm.members.rita!.userId, [unconnected, good]);
  });
  after(() => t.close());

  test('a backup started from the company page runs, shows its progress page, and the dashboard then shows it ok with its records', async () => {
    const page = await alice.get(`/companies/${good}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Säkerhetskopiera nu/);
    assert.match(page.text, /Aldrig säkerhetskopierad/);
    const started = await alice.post(`/companies/${good}/backups`);
    assert.equal(started.status, 303);
    const jobPath = started.location!;
    assert.match(jobPath, new RegExp(`^/companies/${good}/backups/[\\w-]+$`));
    const jobId = jobPath.split('/').pop()!;
    let job: { state: string; phase: string; runId: string | null } = { state: '', phase: '', runId: null };
    for (let i = 0; i < 600 && job.phase !== 'done'; i++) {
      job = (await alice.get(`/api/v1/companies/${good}/backups/${jobId}`)).json();
      if (job.phase !== 'done') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job.state, 'completed');
    assert.ok(job.runId !== null);
    const jobPage = await alice.get(jobPath);
    assert.equal(jobPage.status, 303, 'a job that started a run sends the browser to the run');
    assert.equal(jobPage.location, `/companies/${good}/runs/${job.runId}`);
    const runPage = await alice.get(jobPage.location);
    assert.equal(runPage.status, 200);
    assert.match(runPage.text, /Lyckades/);
    assert.match(runPage.text, /Kunder/);
    const runApi = (await alice.get(`/api/v1/companies/${good}/runs/${job.runId}`)).json<{ status: string; progress: { done: number; total: number }; datasets: Record<string, { status: string; records: number }> }>();
    assert.equal(runApi.status, 'succeeded');
    assert.equal(runApi.progress.done, runApi.progress.total);
    assert.ok(runApi.datasets.customers!.records > 0);

    const dash = (await alice.get('/api/v1/dashboard')).json<{ companies: DashboardRow[] }>();
    const row = dash.companies.find((c) => c.id === good)!;
    assert.equal(row.status, 'ok', JSON.stringify(row));
    assert.ok(row.records !== null && row.records > 0);
    const company = (await alice.get(`/api/v1/companies/${good}`)).json<{ snapshot: { datasets: { dataset: string; count: number; complete: boolean }[] }; recentRuns: unknown[] }>();
    assert.ok(company.snapshot.datasets.some((d) => d.dataset === 'customers' && d.count > 0 && d.complete));
    assert.equal(company.recentRuns.length, 1);
    const html = (await alice.get(`/companies/${good}`)).text;
    assert.match(html, /Innehåll i senaste säkerhetskopian/);
    assert.match(html, /badge ok/);
    const audit = await t.db.selectFrom('audit_log').select(['action', 'tenant_id']).where('action', '=', 'backup.start').execute();
    assert.deepEqual(audit, [{ action: 'backup.start', tenant_id: good }]);
  });

  test('a second start while one is queued or running says so instead of starting another', async () => {
    const first = (await alice.request('POST', `/api/v1/companies/${failed}/backups`, { json: {} })).json<{ status: string; job: { id: string } }>();
    const second = await alice.post(`/companies/${failed}/backups`);
    assert.equal(second.location, `/companies/${failed}/backups/${first.job.id}?already=1`);
    for (let i = 0; i < 600 && (await t.web.backups.queue.pending(failed)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  });

  test('the firm table lists problems first, sorts and filters, with links and aria-sort in its headers', async () => {
    // One company loses its consent in Fortnox; the next backup finds out.
    const sim = t.web.simulator!;
    const revokedInfo = sim.tenants[1]!;
    const res = await fetch(`${sim.url}/__sim/consents/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenantId: revokedInfo.tenantId }) });
    assert.equal(res.status, 200);
    await backupTenant(t.web.app, revoked).catch(() => undefined);
    assert.equal((await loadFortnoxConnection(t.db, revoked))?.status, 'reconnect_needed');
    // Another one's latest run failed.
    const r = await createBackupRun(t.db, failed, { trigger: 'schedule' });
    await finishBackupRun(t.db, failed, r.id, { status: 'failed', errorCode: 'X', errorMessage: 'broken' });

    const dash = (await alice.get('/api/v1/dashboard')).json<{ companies: DashboardRow[] }>();
    const states = dash.companies.map((c) => [c.id, c.status]);
    assert.deepEqual(states.slice(0, 2).map((s) => s[1]), ['reconnect', 'reconnect']);
    assert.ok(states.slice(0, 2).some((s) => s[0] === revoked) && states.slice(0, 2).some((s) => s[0] === unconnected));
    assert.deepEqual(states.slice(2), [[failed, 'failed'], [good, 'ok']]);

    const page = await alice.get('/dashboard');
    assert.equal(page.status, 200);
    assert.match(page.text, /aria-sort="ascending"><a href="\/dashboard\?dir=desc"/);
    assert.match(page.text, /href="\/dashboard\?sort=name"/);
    const order = [...page.text.matchAll(/<tr data-company="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(order.at(-1), good);
    assert.equal(order[2], failed);

    const byName = (await alice.get('/api/v1/dashboard?sort=name&dir=desc')).json<{ companies: DashboardRow[] }>().companies.map((c) => c.name);
    assert.deepEqual(byName, [...byName].sort((a, b) => b.localeCompare(a, 'sv')));
    const onlyFailed = await alice.get('/dashboard?status=failed');
    assert.deepEqual([...onlyFailed.text.matchAll(/<tr data-company="([^"]+)"/g)].map((m) => m[1]), [failed]);
    const search = (await alice.get('/api/v1/dashboard?q=ej%20anslut')).json<{ companies: DashboardRow[] }>();
    assert.deepEqual(search.companies.map((c) => c.id), [unconnected]);

    const companyPage = await alice.get(`/companies/${revoked}`);
    assert.match(companyPage.text, /Anslut igen/);
    assert.match(companyPage.text, new RegExp(`action="/companies/${revoked}/reconnect"`));
    assert.doesNotMatch(companyPage.text, /Säkerhetskopiera nu/);
  });

  test('a firm user sees only the companies assigned to them; a read-only user cannot start a backup', async () => {
    const bob = firm.members.bob!.client;
    const dash = await bob.get('/dashboard');
    assert.equal(dash.status, 200, 'a firm user gets the table even with one company');
    assert.deepEqual([...dash.text.matchAll(/<tr data-company="([^"]+)"/g)].map((m) => m[1]), [unconnected]);
    assert.doesNotMatch(dash.text, /Anslut ett företag till/, 'only administrators connect companies');
    const rita = firm.members.rita!.client;
    assert.equal((await rita.post(`/companies/${good}/backups`)).status, 403);
    assert.doesNotMatch((await rita.get(`/companies/${good}`)).text, /Säkerhetskopiera nu/);
  });

  test('a company of another organisation, or another company\'s run, answers 404 on every route', async () => {
    const olle = other.members.olle!.client;
    const [run] = (await alice.get(`/api/v1/companies/${good}`)).json<{ recentRuns: { id: string }[] }>().recentRuns;
    const job = (await alice.request('POST', `/api/v1/companies/${good}/backups`, { json: {} })).json<{ job: { id: string } }>().job;
    const gets = [`/companies/${good}`, `/api/v1/companies/${good}`, `/companies/${good}/runs/${run!.id}`, `/api/v1/companies/${good}/runs/${run!.id}`, `/companies/${good}/backups/${job.id}`, `/api/v1/companies/${good}/backups/${job.id}`];
    for (const path of gets) assert.equal((await olle.get(path)).status, 404, path);
    for (const path of [`/companies/${good}/backups`, `/companies/${good}/reconnect`]) assert.equal((await olle.post(path)).status, 404, path);
    assert.equal((await olle.request('POST', `/api/v1/companies/${good}/backups`, { json: {} })).status, 404);
    // Within the firm: another company's ids under a visible company are not found either.
    assert.equal((await alice.get(`/api/v1/companies/${failed}/runs/${run!.id}`)).status, 404);
    assert.equal((await alice.get(`/api/v1/companies/${failed}/backups/${job.id}`)).status, 404);
    // A firm user not assigned the company.
    assert.equal((await firm.members.bob!.client.get(`/companies/${good}`)).status, 404);
    const listed = (await olle.get('/api/v1/companies')).json<{ companies: DashboardRow[] }>().companies.map((c) => c.id);
    assert.deepEqual(listed, [other.companies[0]]);
    for (let i = 0; i < 600 && (await t.web.backups.queue.pending(good)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  });
});
