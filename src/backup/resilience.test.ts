/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- simulator control answers are read field by field */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listRunItems } from '../db/backup-run-journal.ts';
import { getBackupRun, listBackupRuns } from '../db/backup-runs.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { contentsOf, startBackupFixture, TIME_SCALE, type BackupFixture } from './backup.test-support.ts';
import { lowerBoundRequests, sweepRequests } from './lower-bound.ts';
import { BACKUP_SCOPES, FortnoxClient, MemoryTokenStore } from '../fortnox/index.ts';
import { runBackup, type BackupProgress, type BackupResult } from './run-backup.ts';

const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

async function entries(f: BackupFixture, snapshotId: string, dataset: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for await (const e of f.repo.listEntries(snapshotId, dataset)) m.set(e.key, e.id);
  return m;
}

describe('a failing data set', () => {
  let t: TestDatabase;
  let f: BackupFixture;
  let first: BackupResult;
  const events: BackupProgress[] = [];

  before(async () => {
    t = await sqlite.open();
    f = await startBackupFixture(t);
    first = await runBackup(f.deps, { refreshFraction: 0, onProgress: (e) => events.push(e) });
  });
  after(async () => {
    await f.close();
    await t.cleanup();
  });

  it('reports progress per data set with totals, requests, bytes and an estimate of the time left', () => {
    assert.ok(events.length > 100);
    const datasets = new Set(events.map((e) => e.dataset));
    for (const d of ['customers', 'accounts', 'invoicepdfs', 'filecontents', 'sie']) assert.ok(datasets.has(d), d);
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.requests >= events[i - 1]!.requests, 'requests never go back');
    assert.ok(events.every((e) => e.runId === first.runId));
    assert.ok(events.some((e) => e.total !== null && e.total > 0 && e.done <= e.total));
    assert.ok(events.some((e) => e.etaSeconds !== null));
    assert.equal(events.at(-1)!.bytes, first.bytes);
  });

  it('is reported with its error and keeps its previous records while the other data sets are backed up', async () => {
    const day = (await f.control('POST', 'business-days', { days: 1 })).summaries[0].summary;
    await f.control('POST', 'faults', { kind: '5xx', tenantId: Number(f.fortnoxTenant), path: '/3/articles', status: 503 });
    const r = await runBackup(f.deps, { refreshFraction: 0 });
    await f.control('DELETE', 'faults');
    assert.equal(r.status, 'partial');
    const articles = r.datasets.find((d) => d.dataset === 'articles')!;
    assert.equal(articles.status, 'failed');
    assert.equal(articles.error?.code, 'FORTNOX_SERVER_ERROR');
    assert.ok(r.datasets.filter((d) => d.dataset !== 'articles').every((d) => d.status === 'complete'), JSON.stringify(r.datasets.filter((d) => d.status !== 'complete')));
    const snap = await f.repo.readSnapshot(r.snapshotId!);
    assert.equal(snap.datasets.articles?.complete, false);
    assert.match(snap.datasets.articles?.incompleteReason ?? '', /FORTNOX_SERVER_ERROR/);
    assert.deepEqual(await entries(f, r.snapshotId!, 'articles'), await entries(f, first.snapshotId!, 'articles'), 'nothing disappears');
    for (const key of day.customers.created as string[]) assert.ok((await entries(f, r.snapshotId!, 'customers')).has(key), 'the other data sets moved on');
    const run = await getBackupRun(t.db, f.tenantId, r.runId);
    assert.equal(run?.status, 'partial');
    const row = run?.datasets.find((d) => d.dataset === 'articles');
    assert.equal(row?.status, 'failed');
    assert.equal(row?.errorCode, 'FORTNOX_SERVER_ERROR');

    // The next run reads the whole data set again, since its last copy is not known to be complete.
    const next = await runBackup(f.deps, { refreshFraction: 0 });
    assert.equal(next.status, 'succeeded');
    const a = next.datasets.find((d) => d.dataset === 'articles')!;
    assert.equal(a.fetched, a.records);
    assert.equal((await f.repo.readSnapshot(next.snapshotId!)).datasets.articles?.complete, true);
    for (const key of day.articles.created as string[]) assert.ok((await entries(f, next.snapshotId!, 'articles')).has(key));
  });

  it('is reported as forbidden when the consent lacks its scope, the other data sets backed up', async () => {
    await f.control('POST', 'auto-approve', { tenantId: Number(f.fortnoxTenant) });
    const client = new FortnoxClient({
      clientId: f.sim.clientId, clientSecret: f.sim.clientSecret, apiUrl: f.sim.apiUrl, authUrl: f.sim.authUrl,
      tokenStore: new MemoryTokenStore(), rateLimit: 25, rateWindowMs: 5000 / TIME_SCALE, retry: { baseDelayMs: 20, maxDelayMs: 200 },
    });
    const redirectUri = 'http://localhost/callback';
    const request = client.oauth.authorizationRequest({ scopes: BACKUP_SCOPES.filter((s) => s !== 'supplier'), redirectUri });
    const location = new URL((await fetch(request.url, { redirect: 'manual' })).headers.get('location') ?? 'http://missing/');
    const tokens = await client.oauth.exchangeCode(location.searchParams.get('code') ?? '', { codeVerifier: request.codeVerifier, redirectUri });
    await client.tokens.saveAuthorizedConnection(tokens);
    await f.control('POST', 'auto-approve', { tenantId: null });
    const parent = (await f.repo.latestSnapshot())!;
    const r = await runBackup({ ...f.deps, reader: client.reader(f.fortnoxTenant) }, { refreshFraction: 0 });
    assert.equal(r.status, 'partial');
    const suppliers = r.datasets.find((d) => d.dataset === 'suppliers')!;
    assert.equal(suppliers.status, 'failed');
    assert.equal(suppliers.error?.code, 'FORTNOX_FORBIDDEN');
    assert.ok(r.datasets.filter((d) => d.dataset !== 'suppliers').every((d) => d.status === 'complete'));
    assert.deepEqual(await entries(f, r.snapshotId!, 'suppliers'), await entries(f, parent.id, 'suppliers'));
  });

  it('fails the run clearly when the consent is revoked, committing nothing', async () => {
    const before = (await f.repo.listSnapshots()).length;
    await f.control('POST', 'consents/revoke', { tenantId: Number(f.fortnoxTenant) });
    const r = await runBackup(f.deps, { refreshFraction: 0 });
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'FORTNOX_RECONNECT_NEEDED');
    assert.equal(r.snapshotId, null);
    assert.equal((await f.repo.listSnapshots()).length, before);
    const run = await getBackupRun(t.db, f.tenantId, r.runId);
    assert.equal(run?.status, 'failed');
    assert.equal(run?.errorCode, 'FORTNOX_RECONNECT_NEEDED');
  });
});

describe('a cancelled run', () => {
  it('commits nothing and resumes in the same process without requesting what it journaled', async () => {
    const t = await sqlite.open();
    const f = await startBackupFixture(t);
    try {
      const controller = new AbortController();
      const first = await runBackup(f.deps, {
        refreshFraction: 0,
        journalEvery: 20,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.requests >= 400) controller.abort();
        },
      });
      assert.equal(first.status, 'failed');
      assert.equal(first.error?.code, 'BACKUP_ABORTED');
      assert.deepEqual(await f.repo.listSnapshots(), []);
      const journaled = await listRunItems(t.db, f.tenantId, first.runId);
      assert.ok(journaled.length >= 300, `${journaled.length} entries journaled`);
      const resumed = await runBackup(f.deps, { refreshFraction: 0, resumeRunId: first.runId });
      assert.equal(resumed.status, 'succeeded');
      assert.equal(resumed.runId, first.runId);
      // Both attempts together: one full backup, plus the lists swept again, plus at most what was
      // fetched after the last journal flush (20 entries) — nothing journaled is requested twice.
      const contents = contentsOf(f.sim.simulator.companies.get(Number(f.fortnoxTenant))!);
      const samples = 5 * contents.financialYears.length;
      const limit = lowerBoundRequests(contents) + samples + sweepRequests(contents) + 20 + 2;
      assert.ok(first.requests + resumed.requests <= limit, `${first.requests} + ${resumed.requests} requests > ${limit}`);
      assert.equal((await getBackupRun(t.db, f.tenantId, first.runId))?.status, 'succeeded');
    } finally {
      await f.close();
      await t.cleanup();
    }
  });
});

describe('a run killed at many points', () => {
  let t: TestDatabase;
  let f: BackupFixture;
  let reference: BackupFixture;
  let tRef: TestDatabase;

  before(async () => {
    t = await sqlite.open();
    f = await startBackupFixture(t);
  });
  after(async () => {
    await f.close();
    await t.cleanup();
    await reference?.close();
    await tRef?.cleanup();
  });

  function child(extra: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
    const fixture = fileURLToPath(new URL('./kill.fixture.ts', import.meta.url));
    const env = {
      ...process.env,
      NOX_SIM_CLIENT_ID: f.sim.clientId, NOX_SIM_CLIENT_SECRET: f.sim.clientSecret, NOX_SIM_API_URL: f.sim.apiUrl, NOX_SIM_AUTH_URL: f.sim.authUrl,
      NOX_RATE_WINDOW_MS: String(5000 / TIME_SCALE), NOX_FORTNOX_TENANT: f.fortnoxTenant, NOX_SQLITE_PATH: t.config.sqlitePath!,
      NOX_MASTER_KEY: f.masterKeys.current.key.toString('base64'), NOX_REPO_DIR: f.repoDir, NOX_TENANT_ID: f.tenantId,
      NOX_NOW: String(f.sim.simulator.clock.now()), ...extra,
    };
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [fixture], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('error', reject);
      p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  }

  const ROUTES: Record<string, string[]> = {
    accounts: ['GET /3/accounts/{number}'],
    customers: ['GET /3/customers/{id}'],
    invoices: ['GET /3/invoices/{id}'],
    invoicepdfs: ['GET /3/invoices/{id}/preview'],
    filecontents: ['GET /3/archive/{id}'],
    sie: ['GET /3/sie/{type}'],
  };
  const routeCount = (c: any, route: string): number =>
    Object.entries((c.requests ?? {}) as Record<string, number>).filter(([k]) => k === route).reduce((s, [, n]) => s + n, 0);

  it('continues without refetching what it stored, never exposing a partial snapshot, and ends equal to an uninterrupted backup', async () => {
    const company = f.sim.simulator.companies.get(Number(f.fortnoxTenant))!;
    const totals: Record<string, number> = {
      accounts: [...company.accounts.values()].reduce((s, m) => s + m.size, 0),
      customers: company.customers.size,
      invoices: company.invoices.size,
      invoicepdfs: company.invoices.size,
      filecontents: new Set([...company.supplierInvoiceFileConnections.keys(), ...company.voucherFileConnections.keys()]).size,
      sie: company.financialYears.length * 4,
    };
    let runId: string | undefined;
    const killPoints = [7, 60, 180, 300, 300];
    for (const [i, killAfter] of killPoints.entries()) {
      const journaled = new Map<string, number>();
      if (runId !== undefined) for (const it of await listRunItems(t.db, f.tenantId, runId)) journaled.set(it.dataset, (journaled.get(it.dataset) ?? 0) + 1);
      const before = await f.control('GET', 'counters');
      const r = await child({ NOX_KILL_AFTER: String(killAfter), ...(runId === undefined ? {} : { NOX_RESUME_RUN_ID: runId }) });
      const after = await f.control('GET', 'counters');
      assert.equal(r.signal, 'SIGKILL', `attempt ${i} was killed (${r.stderr.slice(-400)})`);
      assert.equal((await f.repo.listSnapshots()).length, 0, 'no snapshot is visible before the run completes');
      runId ??= (await listBackupRuns(t.db, f.tenantId))[0]?.id;
      assert.ok(runId !== undefined);
      // What the journal held when this attempt started was not requested again.
      for (const [dataset, routes] of Object.entries(ROUTES)) {
        const sent = routes.reduce((s, route) => s + routeCount(after, route) - routeCount(before, route), 0);
        assert.ok(sent <= totals[dataset]! - (journaled.get(dataset) ?? 0), `attempt ${i}: ${dataset} requested ${sent} times though ${journaled.get(dataset) ?? 0} of ${totals[dataset]} were journaled`);
      }
    }
    const journaledAtEnd = await listRunItems(t.db, f.tenantId, runId!);
    assert.ok(journaledAtEnd.length > 500, `the killed attempts journaled ${journaledAtEnd.length} entries`);
    const before = await f.control('GET', 'counters');
    const last = await child({ NOX_RESUME_RUN_ID: runId! });
    assert.equal(last.code, 0, last.stderr.slice(-2000));
    const after = await f.control('GET', 'counters');
    const result = JSON.parse(last.stdout) as BackupResult;
    assert.equal(result.status, 'succeeded');
    assert.equal(result.runId, runId);
    const byDataset = new Map<string, number>();
    for (const it of journaledAtEnd) byDataset.set(it.dataset, (byDataset.get(it.dataset) ?? 0) + 1);
    for (const [dataset, routes] of Object.entries(ROUTES)) {
      const sent = routes.reduce((s, route) => s + routeCount(after, route) - routeCount(before, route), 0);
      assert.equal(sent, totals[dataset]! - (byDataset.get(dataset) ?? 0), `the last attempt requested only the ${dataset} not journaled`);
    }
    assert.deepEqual(await listRunItems(t.db, f.tenantId, runId!), [], 'the journal is cleared after the commit');
    const snaps = await f.repo.listSnapshots();
    assert.equal(snaps.length, 1);
    assert.equal((await getBackupRun(t.db, f.tenantId, runId!))?.snapshotId, snaps[0]!.id);
    assert.equal((await f.repo.checkStructure()).ok, true);

    // Equal, record for record, to a backup that was never interrupted (another repository, same data).
    tRef = await sqlite.open();
    reference = await startBackupFixture(tRef);
    const ref = await runBackup(reference.deps, { refreshFraction: 0 });
    const ours = await f.repo.readSnapshot(snaps[0]!.id);
    const theirs = await reference.repo.readSnapshot(ref.snapshotId!);
    assert.deepEqual(Object.keys(ours.datasets).sort(), Object.keys(theirs.datasets).sort());
    for (const dataset of Object.keys(theirs.datasets)) {
      assert.equal(ours.datasets[dataset]!.count, theirs.datasets[dataset]!.count, dataset);
      if (['filecontents', 'invoicepdfs', 'sie'].includes(dataset)) continue;
      const expected = new Map<string, unknown>();
      for await (const { key, record } of reference.repo.listRecords(ref.snapshotId!, dataset)) expected.set(key, record);
      for await (const { key, record } of f.repo.listRecords(ours.id, dataset)) assert.deepEqual(record, expected.get(key), `${dataset} ${key}`);
    }
  });
});
