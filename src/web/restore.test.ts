import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAudit } from '../accounts/audit.ts';
import { listSnapshots } from '../db/index.ts';
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

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

for (const dialect of ['sqlite', 'postgres'] as const) describe(`web restore (${dialect})`, () => {
  let t: TestWeb;
  let org: TestOrg;
  let other: TestOrg;
  let tenantId: string;
  let customerKey: string;
  let originalName: string;
  let runId: string;

  before(async () => {
    t = await startTestWeb({ dialect });
    org = await createTestOrg(t, { kind: 'company', name: 'Återställarna AB', companies: [], members: { anna: 'user', rut: 'readonly' } });
    other = await createTestOrg(t, { kind: 'company', name: 'Annat AB', companies: ['Annat bolag'], members: { olle: 'user' } });
    tenantId = await connectSimulatorCompany(t, org.orgId);
    const [snapshot] = await listSnapshots(t.db, tenantId, { limit: 1 });
    const repo = await t.web.app.repositoryFor(tenantId);
    for await (const { key, record } of repo.listRecords(snapshot!.snapshotId, 'customers')) {
      customerKey = key;
      originalName = String((record as { Name: string }).Name);
      break;
    }
  });

  after(async () => {
    await t.close();
  });

  it('offers a record from its page for a restore', async () => {
    const page = await org.members.anna!.client.get(`/companies/${tenantId}/restore?records=suppliers:12`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Bokförda verifikationer skrivs aldrig om/);
    assert.match(page.text, /<textarea id="f-records" name="records"[^>]*>suppliers:12<\/textarea>/);
  });

  it('plans a customer changed in Fortnox field by field, applies it after confirmation and reports it', async () => {
    const anna = org.members.anna!.client;
    // Someone renames the customer in Fortnox (through the simulator's API, as a Fortnox user would).
    const writer = await t.web.app.writerFor(tenantId);
    await writer.update('customers', customerKey, { Name: 'Fel namn AB' });

    const planned = await anna.post(`/companies/${tenantId}/restore/plan`, { snapshot: 'latest', records: `customers:${customerKey}` });
    assert.equal(planned.status, 303, planned.text);
    const planPage = await anna.get(planned.location!);
    assert.equal(planPage.status, 200);
    assert.match(planPage.text, /<th scope="row">Name<\/th><td class="diff-removed">Fel namn AB<\/td><td class="diff-added">([^<]*)<\/td>/);
    assert.equal(/<td class="diff-added">([^<]*)<\/td>/.exec(planPage.text)?.[1], escape(originalName));
    assert.match(planPage.text, /Jag förstår att detta skriver till Fortnox/);
    assert.match(planPage.text, /data-confirm=/);
    const planId = /name="plan" value="([^"]+)"/.exec(planPage.text)![1]!;
    const hash = /name="hash" value="([^"]+)"/.exec(planPage.text)![1]!;
    // Nothing was written by planning.
    const reader = await t.web.app.readerFor(tenantId);
    assert.equal((await reader.detail('customers', customerKey)).Name, 'Fel namn AB');

    // Without the box ticked, or with a plan that is not the one shown, nothing starts.
    const unticked = await anna.post(`/companies/${tenantId}/restore/apply`, { plan: planId, hash });
    assert.equal(unticked.status, 400, /class="notice error"[^<]*<\/div>|role="alert">[^<]*/.exec(unticked.text)?.[0]);
    assert.equal((await anna.post(`/companies/${tenantId}/restore/apply`, { plan: planId, hash: 'f'.repeat(64), understand: 'yes' })).status, 409);

    const applied = await anna.post(`/companies/${tenantId}/restore/apply`, { plan: planId, hash, understand: 'yes' });
    assert.equal(applied.status, 303, applied.text);
    const match = new RegExp(`^/companies/${tenantId}/restore/runs/([0-9a-f-]{36})$`).exec(applied.location ?? '');
    assert.ok(match, applied.location ?? '');
    runId = match[1]!;
    // A plan is used once.
    assert.equal((await anna.post(`/companies/${tenantId}/restore/apply`, { plan: planId, hash, understand: 'yes' })).status, 409);

    let run: RunJson | undefined;
    for (let i = 0; i < 600; i++) {
      const res = await anna.get(`/api/v1/companies/${tenantId}/restore/runs/${runId}`);
      assert.equal(res.status, 200, res.text);
      run = res.json<RunJson>();
      if (run.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(run?.status, 'succeeded');
    assert.equal(run.total, 1);
    assert.equal(run.done, 1);
    assert.ok(run.undoSnapshotId !== null);
    assert.equal((await reader.detail('customers', customerKey)).Name, originalName);

    const report = await anna.get(`/companies/${tenantId}/restore/runs/${runId}`);
    assert.equal(report.status, 200);
    assert.match(report.text, /Rapport/);
    assert.match(report.text, new RegExp(`<td>Kunder</td><td>${customerKey}</td>\\s*<td><span class="badge ok">Uppdaterad</span>`));
    assert.match(report.text, new RegExp(`säkerhetskopian ${run.undoSnapshotId.slice(0, 8)}`));
    assert.doesNotMatch(report.text, /data-poll/);

    const list = await anna.get(`/companies/${tenantId}/restore`);
    assert.match(list.text, new RegExp(`/companies/${tenantId}/restore/runs/${runId}`));
    const actions = (await listAudit(t.db, org.orgId, { tenantIds: [tenantId] })).map((e) => e.action);
    assert.ok(actions.includes('restore.plan'));
    assert.ok(actions.includes('restore.apply'));
  });

  it('refuses a record that is not a register, and a restore without a choice', async () => {
    const anna = org.members.anna!.client;
    const voucher = await anna.post(`/companies/${tenantId}/restore/plan`, { snapshot: 'latest', records: 'vouchers:1/A/1' });
    assert.equal(voucher.status, 400);
    assert.match(voucher.text, /Poster anges som register:nyckel/);
    const nothing = await anna.post(`/companies/${tenantId}/restore/plan`, { snapshot: 'latest', records: '' });
    assert.equal(nothing.status, 400);
    assert.match(nothing.text, /Välj minst ett register/);
  });

  it('records an assisted restore request with its 48-hour deadline', async () => {
    const anna = org.members.anna!.client;
    const before = Date.now();
    const sent = await anna.post(`/companies/${tenantId}/restore/requests`, { description: 'Hela företaget till ett nytt Fortnox-företag', request_records: 'customers:1' });
    assert.equal(sent.status, 303);
    const page = await anna.get(sent.location!);
    assert.match(page.text, /Begäran är skickad/);
    assert.match(page.text, /Hela företaget till ett nytt Fortnox-företag/);
    const deadline = /<time datetime="([^"]+)">/.exec(page.text)?.[1];
    assert.ok(deadline !== undefined);
    const ms = Date.parse(deadline) - before;
    assert.ok(ms > 48 * 3600_000 - 60_000 && ms <= 48 * 3600_000 + 60_000, `deadline ${deadline}`);
    assert.match(page.text, /47 h 5\d min kvar|48 h kvar|2 d 0 min kvar|1 d 23 h 5\d min kvar/);
    const actions = (await listAudit(t.db, org.orgId, { tenantIds: [tenantId] })).map((e) => e.action);
    assert.ok(actions.includes('restore.request'));
    const empty = await anna.post(`/companies/${tenantId}/restore/requests`, { description: '' });
    assert.equal(empty.status, 400);
  });

  it('refuses a read-only member every restore route', async () => {
    const rut = org.members.rut!.client;
    assert.equal((await rut.get(`/companies/${tenantId}/restore`)).status, 403);
    assert.equal((await rut.post(`/companies/${tenantId}/restore/plan`, { snapshot: 'latest', datasets: 'customers' })).status, 403);
    assert.equal((await rut.post(`/companies/${tenantId}/restore/apply`, { plan: 'x', hash: 'y', understand: 'yes' })).status, 403);
    assert.equal((await rut.post(`/companies/${tenantId}/restore/requests`, { description: 'x' })).status, 403);
    assert.equal((await rut.get(`/companies/${tenantId}/restore/runs/${runId}`)).status, 403);
    assert.equal((await rut.get(`/api/v1/companies/${tenantId}/restore/runs/${runId}`)).status, 403);
  });

  it('answers 404 for another organisation\'s company and for its run ids', async () => {
    const olle = other.members.olle!.client;
    const own = other.companies[0]!;
    assert.equal((await olle.get(`/companies/${tenantId}/restore`)).status, 404);
    assert.equal((await olle.get(`/companies/${tenantId}/restore/runs/${runId}`)).status, 404);
    assert.equal((await olle.get(`/companies/${own}/restore/runs/${runId}`)).status, 404);
    assert.equal((await olle.get(`/api/v1/companies/${own}/restore/runs/${runId}`)).status, 404);
    assert.equal((await olle.post(`/companies/${tenantId}/restore/requests`, { description: 'x' })).status, 404);
    assert.equal((await olle.get(`/companies/${own}/restore`)).status, 200);
  });
});
