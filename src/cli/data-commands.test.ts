/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- the commands' JSON output is read field by field */
/**
 * The tenant, backup and browse commands end to end through `main()`, with `--data-dir` in a temporary
 * directory and `--simulator` pointing at an in-process simulator over HTTP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { cli, type Run } from './cli.test-support.ts';
import { main } from './main.ts';


// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
const json = (r: Run): any => {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.err}`);
  return JSON.parse(r.out);
};

describe('the data commands', () => {
  let sim: RunningSimulator;
  let dataDir: string;
  let d: string[];
  before(async () => {
    sim = await startSimulator({ seed: 8, size: 'small', companies: 2, rateLimit: 1000, rateWindowMs: 1000 });
    dataDir = await mkdtemp(join(tmpdir(), 'nox-cli-'));
    d = ['--data-dir', dataDir];
    process.env.FORTNOX_RATE_LIMIT = '1000';
    process.env.FORTNOX_RATE_WINDOW_MS = '1000';
  });
  after(async () => {
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('connects two simulated companies and lists them', async () => {
    assert.deepEqual(json(await cli('tenant', 'list', '--json', ...d)), []);
    const a = json(await cli('tenant', 'add', '--simulator', sim.url, '--json', ...d));
    assert.equal(a.fortnoxTenantId, String(sim.tenants[0]!.tenantId));
    assert.equal(a.name, sim.tenants[0]!.name);
    const b = json(await cli('tenant', 'add', '--simulator', sim.url, '--tenant-id', String(sim.tenants[1]!.tenantId), '--json', ...d));
    assert.notEqual(b.id, a.id);
    const list = json(await cli('tenant', 'list', '--json', ...d));
    assert.deepEqual(list.map((t: { connection: string }) => t.connection), ['ok', 'ok']);
    const text = await cli('tenant', 'list', ...d);
    assert.match(text.out, new RegExp(sim.tenants[0]!.name));
  });

  it('answers usage errors with exit code 2 and a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['backup', ...d], /2 tenants; choose one with --tenant/],
      [['backup', '--tenant', 'nobody', ...d], /No tenant "nobody"/],
      [['backup', '--tenant', String(sim.tenants[0]!.tenantId), '--datasets', 'nope', ...d], /unknown data set nope/],
      [['show', ...d], /expected SNAPSHOT/],
      [['show', 'xyz!', '--tenant', String(sim.tenants[0]!.tenantId), ...d], /at least 4 hex digits/],
      [['diff', 'abcd', ...d], /expected SNAP_A SNAP_B/],
      [['tenant', 'frob', ...d], /expected `add` or `list`/],
      [['tenant', 'add', '--tenant-id', '1', ...d], /--client-id and --client-secret/],
      [['gc', '--all', '--tenant', 'x', ...d], /not both/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
  });

  it('starts through bin/noxbackup.mjs on the same data directory', () => {
    const r = spawnSync(process.execPath, ['bin/noxbackup.mjs', 'tenant', 'list', '--json', ...d], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 2);
  });

  it('backs up, lists snapshots, shows, diffs and follows a record\'s history, scoped to the tenant', async () => {
    const A = String(sim.tenants[0]!.tenantId);
    const B = String(sim.tenants[1]!.tenantId);
    const first = json(await cli('backup', '--tenant', A, '--json', ...d));
    assert.equal(first.status, 'succeeded', JSON.stringify(first.datasets));
    const res = await fetch(`${sim.url}/__sim/business-days`, { method: 'POST', body: JSON.stringify({ days: 1, tenantId: Number(A) }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 200);
    const second = await cli('backup', '--tenant', A, ...d);
    assert.equal(second.code, 0, second.err + second.out);
    assert.match(second.out, /requests/);
    json(await cli('backup', '--tenant', B, '--datasets', 'costcenters', '--json', ...d));

    const snaps = json(await cli('snapshots', '--tenant', A, '--json', ...d)).snapshots;
    assert.equal(snaps.length, 2);
    const [newer, older] = snaps as { snapshotId: string }[];
    const shown = json(await cli('show', newer!.snapshotId.slice(0, 8), '--tenant', A, '--json', ...d));
    assert.equal(shown.snapshot.snapshotId, newer!.snapshotId);
    const customers = shown.snapshot.datasets.find((x: { dataset: string }) => x.dataset === 'customers');
    assert.ok(customers.count > 0 && customers.complete);

    const page = json(await cli('show', 'latest', 'customers', '--limit', '5', '--tenant', A, '--json', ...d));
    assert.equal(page.records.length, 5);
    const key = page.records[0].key as string;
    const record = json(await cli('show', 'latest', 'customers', key, '--tenant', A, '--json', ...d));
    assert.equal(String(record.Customer?.CustomerNumber ?? record.CustomerNumber), key);

    const diff = json(await cli('diff', older!.snapshotId.slice(0, 10), newer!.snapshotId.slice(0, 10), '--tenant', A, '--json', ...d));
    const changes = diff.added.length + diff.changed.length + diff.removed.length;
    assert.ok(changes > 0, 'a business day changed something');
    for (const c of diff.changed.filter((x: { fields?: unknown[] }) => x.fields !== undefined)) assert.ok(c.fields.length > 0, `${c.dataset}/${c.key} changed in some field`);
    const text = await cli('diff', older!.snapshotId.slice(0, 10), 'latest', '--tenant', A, ...d);
    assert.match(text.out, /added, \d+ changed, \d+ removed/);

    const history = json(await cli('history', 'customers', key, '--tenant', A, '--json', ...d));
    assert.equal(history.versions[0].firstSnapshot.snapshotId, older!.snapshotId);

    // Tenant scoping: A's snapshot and record are not found under B.
    const foreign = await cli('show', newer!.snapshotId.slice(0, 8), '--tenant', B, ...d);
    assert.equal(foreign.code, 1);
    assert.match(foreign.err, /has no snapshot/);
    const foreignHistory = await cli('history', 'customers', key, '--tenant', B, ...d);
    assert.equal(foreignHistory.code, 1);
    assert.match(foreignHistory.err, /has no record customers/);
    const bSnap = json(await cli('snapshots', '--tenant', B, '--json', ...d)).snapshots[0].snapshotId as string;
    assert.equal((await cli('diff', older!.snapshotId, bSnap, '--tenant', A, ...d)).code, 1);

    const gc = json(await cli('gc', '--all', '--json', ...d));
    assert.equal(gc.tenants.length, 2);
    assert.deepEqual(gc.tenants.map((t: { report: { deleted: unknown[] } }) => t.report.deleted.length), [0, 0], 'nothing referenced is deleted');
    assert.equal(json(await cli('snapshots', '--tenant', A, '--json', ...d)).snapshots.length, 2);
    json(await cli('show', older!.snapshotId, 'customers', key, '--tenant', A, '--json', ...d));
  });

  it('refuses to start over a run killed mid-way, and --resume continues it to a snapshot', async () => {
    const B = String(sim.tenants[1]!.tenantId);
    const before = json(await cli('snapshots', '--tenant', B, '--json', ...d)).snapshots.length as number;
    const child = spawn(process.execPath, ['bin/noxbackup.mjs', 'backup', '--tenant', B, ...d], { env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        // Well into the run (accounts come after the financial years), but long before its end.
        if (/accounts: details/.test(seen)) resolve();
      });
      child.on('exit', () => reject(new Error(`the backup ended before it could be killed:\n${seen}`)));
    });
    child.removeAllListeners('exit');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;

    const refused = await cli('backup', '--tenant', B, ...d);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /still marked running.*--resume/s);
    const resumed = json(await cli('backup', '--tenant', B, '--resume', '--json', ...d));
    assert.equal(resumed.status, 'succeeded');
    assert.equal(json(await cli('snapshots', '--tenant', B, '--json', ...d)).snapshots.length, before + 1);
    assert.equal((await cli('backup', '--tenant', B, '--resume', ...d)).code, 1, 'nothing left to resume');
  });

  it('exits 1 with the reasons when a data set fails and the run is partial', async () => {
    const B = sim.tenants[1]!.tenantId;
    const post = (path: string, body: unknown) => fetch(`${sim.url}/__sim/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    assert.equal((await post('faults', { kind: '5xx', tenantId: B, path: '/3/projects', status: 503 })).status, 200);
    try {
      const r = await cli('backup', '--tenant', String(B), '--datasets', 'projects,costcenters', ...d);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, /: partial\./);
      assert.match(r.out, /^projects: failed — FORTNOX_SERVER_ERROR/m);
      assert.match(r.out, /^costcenters\s+complete/m);
    } finally {
      await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' });
    }
  });

  it('connects a company by OAuth: prints the authorization URL and takes the redirect on the loopback listener', async () => {
    const company = (await (await fetch(`${sim.url}/__sim/companies`, { method: 'POST', body: JSON.stringify({ name: 'Webbläsarbolaget AB' }), headers: { 'Content-Type': 'application/json' } })).json()) as { tenantId: number };
    await fetch(`${sim.url}/__sim/auto-approve`, { method: 'POST', body: JSON.stringify({ tenantId: company.tenantId }), headers: { 'Content-Type': 'application/json' } });
    const err: string[] = [];
    const out: string[] = [];
    const { log, error } = console;
    console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
    console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
    let code: number;
    try {
      const running = main(['tenant', 'add', '--oauth', '--service', '--client-id', sim.clientId, '--client-secret', sim.clientSecret, '--api-url', sim.url, '--auth-url', sim.url, '--port', '0', '--json', ...d]);
      let url: string | undefined;
      while (url === undefined) {
        url = /https?:\/\/\S+oauth-v1\/auth\S+/.exec(err.join('\n'))?.[0];
        if (url === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(url, /code_challenge=/);
      assert.match(url, /account_type=service/);
      assert.equal((await fetch(url)).status, 200, 'the browser lands on the listener\'s page');
      code = await running;
    } finally {
      console.log = log;
      console.error = error;
    }
    assert.equal(code, 0, err.join('\n'));
    const added = JSON.parse(out.join('\n')) as { name: string; mode: string; fortnoxTenantId: string };
    assert.equal(added.name, 'Webbläsarbolaget AB');
    assert.equal(added.mode, 'service');
    assert.equal(added.fortnoxTenantId, String(company.tenantId));
  });
});
