import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listAudit } from '../accounts/audit.ts';
import { assignCompanies } from '../accounts/organisations.ts';
import { getSnapshot, listSnapshots, type Snapshot } from '../db/index.ts';
import { createRestoreRun, updateRestoreRun } from '../db/restore-runs.ts';
import type { FortnoxReader } from '../fortnox/index.ts';
import { NOT_RESTORED } from '../restore/new-company.ts';
import type { RestoreReport } from '../restore/report.ts';
import { notRestoredText, servableSiePath, sieDir } from './restore-new-company.ts';
import { connectSimulatorCompany, createTestOrg, startTestWeb, type TestOrg, type TestWeb } from './web.test-support.ts';

interface RunJson {
  id: string;
  status: string;
  phase: string;
  total: number;
  done: number;
  failed: number;
  undoSnapshotId: string | null;
}

const countOf = (snapshot: Snapshot, dataset: string): number => snapshot.datasets.find((d) => d.dataset === dataset)?.count ?? 0;

/** Records of a data set in Fortnox now (per financial year for vouchers). */
async function fortnoxCount(reader: FortnoxReader, dataset: 'customers' | 'suppliers' | 'articles' | 'invoices' | 'supplierinvoices' | 'vouchers'): Promise<number> {
  const total = async (financialYear?: number) => {
    for await (const page of reader.pages(dataset, { pageSize: 1, ...(financialYear === undefined ? {} : { financialYear }) })) return page.totalResources;
    return 0;
  };
  if (dataset !== 'vouchers') return total();
  let sum = 0;
  for await (const year of reader.items('financialyears')) sum += await total(Number(year.Id));
  return sum;
}

// SQLite; the same file passes on PostgreSQL with 'postgres' here (about 20 s more).
for (const dialect of ['sqlite'] as const) describe(`web restore into a new, empty company (${dialect})`, () => {
  let t: TestWeb;
  let org: TestOrg;
  let other: TestOrg;
  let source: string;
  let target: string;
  let targetName: string;
  let full: string;
  let unconnected: string;
  let snapshot: Snapshot;
  let runId: string;

  before(async () => {
    t = await startTestWeb({ dialect });
    org = await createTestOrg(t, { kind: 'firm', name: 'Byrån AB', companies: ['Ej anslutet AB'], members: { anna: 'admin', bo: 'user', rut: 'readonly' } });
    unconnected = org.companies[0]!;
    other = await createTestOrg(t, { kind: 'company', name: 'Annat AB', companies: ['Annat bolag AB'], members: { olle: 'admin' } });
    source = await connectSimulatorCompany(t, org.orgId);
    // The demo simulator: companies 0 and 1 hold data, company 2 is the empty one.
    const sim = t.web.simulator!;
    assert.equal(sim.tenants.length, 3);
    target = await connectSimulatorCompany(t, org.orgId, { index: 2, backup: false });
    targetName = sim.tenants[2]!.name;
    full = await connectSimulatorCompany(t, org.orgId, { index: 1, backup: false });
    // Bo may restore, but only the source company is assigned to him; Rut reads.
    await assignCompanies(t.db, org.orgId, org.members.bo!.userId, [source]);
    await assignCompanies(t.db, org.orgId, org.members.rut!.userId, [source, target]);
    snapshot = (await listSnapshots(t.db, source, { limit: 1 }))[0]!;
  });

  after(async () => {
    await t.close();
  });

  it('offers the organisation\'s other companies as targets, and no other organisation\'s', async () => {
    const page = await org.members.anna!.client.get(`/companies/${source}/restore`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h2 id="new-company-h">Återställ till ett nytt, tomt företag<\/h2>/);
    assert.match(page.text, new RegExp(`<option value="${target}">`));
    assert.match(page.text, new RegExp(`<option value="${full}">`));
    assert.match(page.text, new RegExp(`<option value="${unconnected}">Ej anslutet AB \\(inte anslutet till Fortnox\\)</option>`));
    assert.doesNotMatch(page.text, new RegExp(`<option value="${source}">`));
    assert.doesNotMatch(page.text, new RegExp(other.companies[0]!));
    assert.doesNotMatch(page.text, /Annat bolag AB/);
    // Bo sees only the source company: there is nothing to restore into.
    const bo = await org.members.bo!.client.get(`/companies/${source}/restore`);
    assert.match(bo.text, /Det finns inget annat företag i organisationen som du kan se/);
  });

  it('shows what will be created, what is not restored, and asks for the target\'s name', async () => {
    const anna = org.members.anna!.client;
    const plan = await anna.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target });
    assert.equal(plan.status, 200, plan.text.slice(0, 500));
    assert.match(plan.text, new RegExp(`<th scope="row">Kunder</th><td class="num">${countOf(snapshot, 'customers')}</td>`));
    assert.match(plan.text, new RegExp(`<th scope="row">Verifikationer</th><td class="num">${new Intl.NumberFormat('sv-SE').format(countOf(snapshot, 'vouchers'))}</td>`));
    assert.match(plan.text, /SIE 4I-fil/);
    assert.match(plan.text, /Det här återställs inte/);
    assert.match(plan.text, /Verifikationsnummer: Fortnox sätter dem/);
    assert.match(plan.text, /name="confirm_name"/);
    assert.match(plan.text, new RegExp(`name="snapshot" value="${snapshot.snapshotId}"`));
    assert.match(plan.text, new RegExp(`name="target" value="${target}"`));
    assert.match(plan.text, /data-confirm=/);
    for (const tenantId of [source, target]) {
      const actions = (await listAudit(t.db, org.orgId, { tenantIds: [tenantId] })).map((e) => e.action);
      assert.ok(actions.includes('restore.new_company.plan'), `${tenantId}: ${actions.join(', ')}`);
    }
  });

  it('refuses a target that is not empty, not connected, the source itself, or another organisation\'s', async () => {
    const anna = org.members.anna!.client;
    const notEmpty = await anna.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target: full });
    assert.equal(notEmpty.status, 409);
    assert.match(notEmpty.text, /är inte tomt i Fortnox: det har redan kunder, leverantörer/);
    const notConnected = await anna.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target: unconnected });
    assert.equal(notConnected.status, 409);
    assert.match(notConnected.text, /Ej anslutet AB är inte anslutet till Fortnox/);
    const same = await anna.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target: source });
    assert.equal(same.status, 400);
    const none = await anna.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target: '' });
    assert.equal(none.status, 400);
    // Another organisation's company, or one not assigned to the user, is not found: plan and apply alike.
    const foreign = other.companies[0]!;
    assert.equal((await anna.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target: foreign })).status, 404);
    assert.equal((await anna.post(`/companies/${source}/restore/new-company/apply`, { snapshot: snapshot.snapshotId, target: foreign, confirm_name: 'Annat bolag AB', understand: 'yes' })).status, 404);
    const bo = org.members.bo!.client;
    assert.equal((await bo.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target })).status, 404);
    assert.equal((await bo.post(`/companies/${source}/restore/new-company/apply`, { snapshot: snapshot.snapshotId, target, confirm_name: targetName, understand: 'yes' })).status, 404);
    // Another organisation's source company is not found either.
    assert.equal((await other.members.olle!.client.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target })).status, 404);
  });

  it('refuses a read-only member', async () => {
    const rut = org.members.rut!.client;
    assert.equal((await rut.post(`/companies/${source}/restore/new-company/plan`, { nc_snapshot: 'latest', target })).status, 403);
    assert.equal((await rut.post(`/companies/${source}/restore/new-company/apply`, { snapshot: snapshot.snapshotId, target, confirm_name: targetName, understand: 'yes' })).status, 403);
  });

  it('writes nothing without the target\'s exact name and the box ticked, or with a snapshot of another company', async () => {
    const anna = org.members.anna!.client;
    const wrong = await anna.post(`/companies/${source}/restore/new-company/apply`, { snapshot: snapshot.snapshotId, target, confirm_name: `${targetName}x`, understand: 'yes' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /Namnet stämmer inte med målföretagets namn/);
    const unticked = await anna.post(`/companies/${source}/restore/new-company/apply`, { snapshot: snapshot.snapshotId, target, confirm_name: targetName });
    assert.equal(unticked.status, 400);
    assert.match(unticked.text, /Kryssa i att du förstår/);
    const fullSnapshot = (await listSnapshots(t.db, source, { limit: 1 }))[0]!.snapshotId.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    assert.equal((await anna.post(`/companies/${source}/restore/new-company/apply`, { snapshot: fullSnapshot, target, confirm_name: targetName, understand: 'yes' })).status, 400);
    assert.equal(await fortnoxCount(await t.web.app.readerFor(target), 'customers'), 0);
  });

  it('restores the backup into the empty company in the background, with progress and the report', async () => {
    const anna = org.members.anna!.client;
    const applied = await anna.post(`/companies/${source}/restore/new-company/apply`, { snapshot: snapshot.snapshotId, target, confirm_name: ` ${targetName} `, understand: 'yes' });
    assert.equal(applied.status, 303, applied.text.slice(0, 500));
    const match = new RegExp(`^/companies/${target}/restore/runs/([0-9a-f-]{36})$`).exec(applied.location ?? '');
    assert.ok(match, applied.location ?? '');
    runId = match[1]!;

    const running = await anna.get(applied.location!);
    assert.equal(running.status, 200);
    assert.match(running.text, /Hela företaget till ett nytt, tomt företag/);
    let run: RunJson | undefined;
    let sawProgress = false;
    for (let i = 0; i < 1200; i++) {
      const res = await anna.get(`/api/v1/companies/${target}/restore/runs/${runId}`);
      assert.equal(res.status, 200, res.text);
      run = res.json<RunJson>();
      if (run.status === 'running') {
        assert.equal(run.phase, 'writing');
        if (run.done > 0) sawProgress = run.total >= run.done;
      }
      if (run.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(run?.status, 'succeeded', JSON.stringify(run));
    assert.equal(run.failed, 0);
    assert.equal(run.undoSnapshotId, null);
    assert.ok(sawProgress, 'the run reported progress while running');

    // Fortnox (the simulator) now holds what the snapshot holds.
    const reader = await t.web.app.readerFor(target);
    for (const dataset of ['customers', 'suppliers', 'articles', 'invoices', 'supplierinvoices', 'vouchers'] as const) {
      assert.equal(await fortnoxCount(reader, dataset), countOf(snapshot, dataset), dataset);
    }
    assert.ok(countOf(snapshot, 'vouchers') > 0 && countOf(snapshot, 'customers') > 0);

    const page = await anna.get(`/companies/${target}/restore/runs/${runId}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /data-poll/);
    assert.match(page.text, /<h2 id="maps-h">Nya nummer<\/h2>/);
    assert.match(page.text, new RegExp(`Fortnox gav ${new Intl.NumberFormat('sv-SE').format(countOf(snapshot, 'vouchers'))} verifikationer`));
    assert.match(page.text, /<td>Verifikation<\/td><td>[^<]+<\/td><td>[^<]+<\/td>/);
    assert.match(page.text, /Inga: Fortnox tog emot allt via API:t/);
    assert.match(page.text, /behövs inte \(företaget var tomt\)/);
    assert.match(page.text, new RegExp(`<a href="/companies/${source}/restore">`));
    // The run is listed under the source company too.
    const sourcePage = await anna.get(`/companies/${source}/restore`);
    assert.match(sourcePage.text, new RegExp(`/companies/${target}/restore/runs/${runId}`));
    for (const tenantId of [source, target]) {
      const actions = (await listAudit(t.db, org.orgId, { tenantIds: [tenantId] })).map((e) => e.action);
      assert.ok(actions.includes('restore.new_company.apply'), `${tenantId}: ${actions.join(', ')}`);
    }
    // Bo may not see the target: its run is not found for him, and the source page does not list it.
    assert.equal((await org.members.bo!.client.get(`/companies/${target}/restore/runs/${runId}`)).status, 404);
    assert.doesNotMatch((await org.members.bo!.client.get(`/companies/${source}/restore`)).text, new RegExp(runId));
  });

  it('refuses a second restore into the company it has filled', async () => {
    const anna = org.members.anna!.client;
    const again = await anna.post(`/companies/${source}/restore/new-company/apply`, { snapshot: snapshot.snapshotId, target, confirm_name: targetName, understand: 'yes' });
    assert.equal(again.status, 409);
    assert.match(again.text, /är inte tomt i Fortnox/);
  });

  it('serves a run\'s SIE file only from the run\'s own directory, to its company', async () => {
    // A run whose report names an SIE file (the simulator takes every voucher, so the file is made here).
    const id = '00000000-0000-4000-8000-000000000001';
    const dir = sieDir(t.dataDir, target, id);
    await mkdir(dir, { recursive: true });
    const sie = join(dir, `restore-${id}-2024-01-01-vouchers.si`);
    await writeFile(sie, '#FLAGGA 0\r\n#SIETYP 4\r\n');
    await createRestoreRun(t.db, { tenantId: target, id, kind: 'new_company', snapshotId: snapshot.snapshotId, sourceTenantId: source, planJson: '{}', startedBy: null, startedAt: new Date().toISOString() });
    const report: RestoreReport = {
      runId: id, kind: 'new_company', tenantId: target, sourceTenantId: source, snapshotId: snapshot.snapshotId, undoSnapshotId: null, startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(), status: 'partial', warnings: [], items: [{ dataset: 'vouchers', key: '1/A/1', status: 'failed', message: 'locked period' }],
      numberMaps: {}, notRestored: NOT_RESTORED,
      sieFiles: [
        { path: sie, type: '4I', financialYear: '2024-01-01–2024-12-31', vouchers: 1, balances: 0, why: 'refused' },
        { path: '/etc/passwd', type: '1', financialYear: 'x', vouchers: 0, balances: 1, why: 'edited' },
      ],
    };
    await updateRestoreRun(t.db, target, id, { status: 'partial', reportJson: JSON.stringify(report), finishedAt: new Date().toISOString() });
    const anna = org.members.anna!.client;
    const page = await anna.get(`/companies/${target}/restore/runs/${id}`);
    assert.match(page.text, new RegExp(`href="/companies/${target}/restore/runs/${id}/sie\\?file=0"`));
    const file = await anna.get(`/companies/${target}/restore/runs/${id}/sie?file=0`);
    assert.equal(file.status, 200);
    assert.equal(file.text, '#FLAGGA 0\r\n#SIETYP 4\r\n');
    assert.match(file.headers.get('content-disposition') ?? '', /attachment; filename="restore-/);
    assert.equal((await anna.get(`/companies/${target}/restore/runs/${id}/sie?file=1`)).status, 404);
    assert.equal((await anna.get(`/companies/${target}/restore/runs/${id}/sie?file=2`)).status, 404);
    // Under another company (the run is the target's), or for another organisation, it is not found.
    assert.equal((await anna.get(`/companies/${source}/restore/runs/${id}/sie?file=0`)).status, 404);
    assert.equal((await other.members.olle!.client.get(`/companies/${target}/restore/runs/${id}/sie?file=0`)).status, 404);
    assert.equal((await org.members.rut!.client.get(`/companies/${target}/restore/runs/${id}/sie?file=0`)).status, 403);
    const downloads = (await listAudit(t.db, org.orgId, { tenantIds: [target] })).filter((e) => e.action === 'file.download');
    assert.equal(downloads.length, 1);
    assert.equal(servableSiePath(t.dataDir, target, id, join(dir, '..', 'x.si')), undefined);
    assert.ok(await getSnapshot(t.db, source, snapshot.snapshotId));
  });

  it('has the Swedish of every entry the service says it does not restore', () => {
    const sv = notRestoredText('sv', NOT_RESTORED);
    assert.equal(sv.length, NOT_RESTORED.length);
    for (let i = 0; i < sv.length; i++) assert.notEqual(sv[i], NOT_RESTORED[i], `entry ${i} has no Swedish`);
    assert.deepEqual(notRestoredText('en', NOT_RESTORED), [...NOT_RESTORED]);
    assert.deepEqual(notRestoredText('sv', ['Something new.']), ['Something new.']);
  });
});
