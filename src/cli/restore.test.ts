/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- the commands' JSON output is read field by field */
/**
 * `noxbackup restore …` end to end through `main()`: a temporary data directory, companies connected
 * from an in-process simulator over HTTP, backups by the backup engine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { cli, type Run } from './cli.test-support.ts';


// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
const json = (r: Run): any => {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.err}\n${r.out}`);
  return JSON.parse(r.out);
};

describe('noxbackup restore', () => {
  let sim: RunningSimulator;
  let dataDir: string;
  let d: string[];
  let a: string;
  let b: string;
  let snapshot: string;
  before(async () => {
    sim = await startSimulator({ seed: 9, size: 'small', companies: 1, emptyCompanies: 1, rateLimit: 1000, rateWindowMs: 1000 });
    dataDir = await mkdtemp(join(tmpdir(), 'nox-cli-restore-'));
    d = ['--data-dir', dataDir];
    process.env.FORTNOX_RATE_LIMIT = '1000';
    process.env.FORTNOX_RATE_WINDOW_MS = '1000';
    a = json(await cli('tenant', 'add', '--simulator', sim.url, '--tenant-id', String(sim.tenants[0]!.tenantId), '--json', ...d)).id;
    b = json(await cli('tenant', 'add', '--simulator', sim.url, '--tenant-id', String(sim.tenants[1]!.tenantId), '--json', ...d)).id;
    snapshot = json(await cli('backup', '--tenant', a, '--json', ...d)).snapshotId;
  });
  after(async () => {
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('plans and applies a deleted customer back, with a report on disk', async () => {
    // The simulator's API cannot delete; its state can.
    const company = sim.simulator.companies.get(sim.tenants[0]!.tenantId)!;
    const [key] = [...company.customers.keys()];
    company.customers.delete(key!);
    sim.simulator.sortCache.invalidate();
    const plan = json(await cli('restore', 'plan', '--tenant', a, '--snapshot', snapshot.slice(0, 8), '--datasets', 'customers', '--json', ...d));
    assert.deepEqual(plan.items.filter((i: { action: string }) => i.action !== 'unchanged').map((i: { action: string; key: string }) => [i.action, i.key]), [['create', key]]);
    const text = await cli('restore', 'plan', '--tenant', a, '--snapshot', snapshot, '--keys', `customers:${key!}`, ...d);
    assert.match(text.out, new RegExp(`CREATE customers ${key!}`));
    assert.match(text.out, /Name: "/);
    const report = json(await cli('restore', 'apply', '--tenant', a, '--snapshot', snapshot, '--datasets', 'customers', '--yes', '--json', ...d));
    assert.equal(report.status, 'succeeded');
    assert.notEqual(report.undoSnapshotId, null);
    await access(report.reportFiles.json);
    await access(report.reportFiles.text);
    assert.ok(company.customers.has(key!));
    const again = await cli('restore', 'apply', '--tenant', a, '--snapshot', snapshot, '--datasets', 'customers', '--yes', ...d);
    assert.equal(again.code, 0);
    assert.match(again.out, /nothing to restore/);
  });

  it('refuses vouchers in the same company, and writing without --yes outside a terminal', async () => {
    const vouchers = await cli('restore', 'plan', '--tenant', a, '--snapshot', snapshot, '--datasets', 'vouchers', ...d);
    assert.equal(vouchers.code, 2);
    assert.match(vouchers.err, /never rewritten/);
    const company = sim.simulator.companies.get(sim.tenants[0]!.tenantId)!;
    const [key] = [...company.projects.keys()];
    company.projects.delete(key!);
    sim.simulator.sortCache.invalidate();
    const noYes = await cli('restore', 'apply', '--tenant', a, '--snapshot', snapshot, '--datasets', 'projects', ...d);
    assert.equal(noYes.code, 2);
    assert.match(noYes.err, /--yes/);
  });

  it('restores into the new, empty company and maps the voucher numbers', async () => {
    const report = json(await cli('restore', 'new-company', '--from-tenant', a, '--to-tenant', b, '--snapshot', snapshot, '--yes', '--json', ...d));
    assert.equal(report.status, 'succeeded');
    assert.ok(Object.keys(report.numberMaps.vouchers).length > 0);
  });

  it('tracks an assisted restore request against its 48 hours', async () => {
    const r = json(await cli('restore', 'request', 'create', '--tenant', a, '--by', 'anna@example.se', '--keys', 'customers:1', '--what', 'Kund 1 saknas', '--json', ...d));
    assert.equal(Date.parse(r.deadlineAt) - Date.parse(r.createdAt), 48 * 3600 * 1000);
    const listed = json(await cli('restore', 'request', 'list', '--json', ...d));
    assert.equal(listed[0].id, r.id);
    assert.ok(listed[0].timeLeftMs > 47 * 3600 * 1000);
    const text = await cli('restore', 'request', 'list', ...d);
    assert.match(text.out, /47 h 59 min left|1 d 23 h/);
    const done = json(await cli('restore', 'request', 'update', r.id, '--tenant', a, '--status', 'done', '--by', 'support', '--report', 'run x', '--json', ...d));
    assert.equal(done.status, 'done');
    assert.deepEqual(json(await cli('restore', 'request', 'list', '--json', ...d)), []);
  });
});
