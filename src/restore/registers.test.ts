/**
 * Same-company register restore against the simulator over HTTP: plan field by field, apply with an
 * undo snapshot, idempotent resume after a lost answer and after a crash between write and journal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRestoreRun, journalRestoreItem, getRestoreRun } from '../db/restore-runs.ts';
import { applyRestore, itemId } from './apply.ts';
import { planRestore } from './plan.ts';
import { RestoreError } from './errors.ts';
import { runBackup } from '../backup/index.ts';
import { getSnapshot } from '../db/index.ts';
import { undoSnapshotByBackup } from './undo.ts';
import { startRestoreEnv, type RestoreTestEnv, type TenantHandle } from './test-env.test-support.ts';
import { formatReport } from './report.ts';

describe('restoring registers into the same company', () => {
  let env: RestoreTestEnv;
  let a: TenantHandle;
  let snapshotId: string;
  // Test set-up reaches into the simulator's state for what its API cannot do (delete a record).
  const company = () => env.sim.simulator.companies.get(Number(a.tenantId))!;
  const deleteCustomer = (): string => {
    const [key] = [...company().customers.keys()];
    company().customers.delete(key!);
    env.sim.simulator.sortCache.invalidate();
    return key!;
  };

  before(async () => {
    env = await startRestoreEnv({ emptyCompanies: 0 });
    a = env.tenants[0]!;
    snapshotId = (await runBackup({ db: env.db, repository: a.repository, reader: a.reader, tenantId: a.tenantId })).snapshotId!;
  });
  after(() => env.close());

  it('plans nothing when Fortnox still holds what the snapshot holds', async () => {
    const plan = await planRestore({ repository: a.repository, reader: a.reader, snapshotId });
    assert.ok(plan.items.length > 50);
    assert.deepEqual(plan.items.filter((i) => i.action !== 'unchanged'), []);
  });

  it('lists a deleted customer as a create and an edited supplier as an update, field by field', async () => {
    const customerKey = deleteCustomer();
    const [supplierKey] = [...company().suppliers.keys()];
    const supplier = await a.reader.detail('suppliers', supplierKey!);
    await a.writer.update('suppliers', supplierKey!, { BG: '9999-9999', City: 'Ändrad stad' });
    const plan = await planRestore({ repository: a.repository, reader: a.reader, snapshotId, datasets: ['customers', 'suppliers'] });
    const changed = plan.items.filter((i) => i.action !== 'unchanged');
    assert.equal(changed.length, 2);
    const create = changed.find((i) => i.dataset === 'customers')!;
    assert.equal(create.action, 'create');
    assert.equal(create.key, customerKey);
    assert.equal(create.body.CustomerNumber, customerKey);
    const update = changed.find((i) => i.dataset === 'suppliers')!;
    assert.equal(update.action, 'update');
    assert.deepEqual(update.changes.map((c) => [c.field, c.now, c.snapshot]), [['BG', '9999-9999', supplier.BG], ['City', 'Ändrad stad', supplier.City]].sort());
    assert.deepEqual(update.body, { BG: supplier.BG, City: supplier.City });
  });

  it('applies the plan after taking the undo snapshot, and afterwards nothing is left to restore', async () => {
    const plan = await planRestore({ repository: a.repository, reader: a.reader, snapshotId });
    const undoFor: string[][] = [];
    const backup = undoSnapshotByBackup({ db: env.db, repository: a.repository, reader: a.reader, tenantId: a.tenantId });
    const report = await applyRestore({
      db: env.db, tenantId: a.tenantId, reader: a.reader, writer: a.writer, plan,
      undoSnapshot: async (datasets) => {
        undoFor.push([...datasets]);
        return backup(datasets);
      },
    });
    assert.equal(report.status, 'succeeded', formatReport(report));
    assert.deepEqual(undoFor, [['customers', 'suppliers']]);
    // The undo point holds the state before the restore: the deleted customer is absent from it.
    const created = report.items.find((i) => i.status === 'created')!;
    await assert.rejects(a.repository.readRecord(report.undoSnapshotId!, 'customers', created.key));
    assert.ok(await getSnapshot(env.db, a.tenantId, report.undoSnapshotId!));
    assert.deepEqual(report.items.filter((i) => i.status !== 'unchanged').map((i) => [i.dataset, i.status]).sort(), [['customers', 'created'], ['suppliers', 'updated']]);
    const again = await planRestore({ repository: a.repository, reader: a.reader, snapshotId });
    assert.deepEqual(again.items.filter((i) => i.action !== 'unchanged'), []);
    const run = await getRestoreRun(env.db, a.tenantId, report.runId);
    assert.equal(run?.status, 'succeeded');
    assert.match(formatReport(report), /created\s+customers/);
  });

  it('retries a create whose answer was lost only after looking in Fortnox, and creates it once', async () => {
    const customers = company().customers;
    const key = deleteCustomer();
    const plan = await planRestore({ repository: a.repository, reader: a.reader, snapshotId, records: [{ dataset: 'customers', key: key }] });
    await env.control('POST', 'faults', { kind: 'drop', tenantId: Number(a.tenantId), path: '/3/customers', count: 1 });
    const first = await applyRestore({ db: env.db, tenantId: a.tenantId, reader: a.reader, writer: a.writer, plan });
    assert.equal(first.items[0]!.status, 'failed');
    assert.match(first.items[0]!.message ?? '', /run again/);
    await env.control('POST', 'counters/reset');
    const second = await applyRestore({ db: env.db, tenantId: a.tenantId, reader: a.reader, writer: a.writer, resumeRunId: first.runId });
    assert.equal(second.items[0]!.status, 'created');
    assert.equal((await env.counters()).requests['POST /3/customers'], 1);
    assert.ok(customers.has(key));
  });

  it('does not write again an item that reached Fortnox just before a crash', async () => {
    const customers = company().customers;
    const key = deleteCustomer();
    const plan = await planRestore({ repository: a.repository, reader: a.reader, snapshotId, records: [{ dataset: 'customers', key: key }] });
    const runId = 'crashed-run';
    await createRestoreRun(env.db, { tenantId: a.tenantId, id: runId, kind: 'registers', snapshotId, sourceTenantId: a.tenantId, planJson: JSON.stringify(plan), startedBy: null, startedAt: new Date().toISOString() });
    // What the crashed process did: journalled "writing", sent the create, died before journalling "done".
    await journalRestoreItem(env.db, a.tenantId, runId, itemId('customers', key, 'create'), { status: 'writing' });
    await a.writer.create('customers', plan.items[0]!.body);
    await env.control('POST', 'counters/reset');
    const count = customers.size;
    const report = await applyRestore({ db: env.db, tenantId: a.tenantId, reader: a.reader, writer: a.writer, resumeRunId: runId });
    assert.equal(report.items[0]!.status, 'created');
    assert.match(report.items[0]!.message ?? '', /found in Fortnox/);
    assert.equal((await env.counters()).requests['POST /3/customers'], undefined);
    assert.equal(customers.size, count);
  });

  it('restores an account in its financial year but never its opening balance, and warns without an undo point', async () => {
    const year = [...company().accounts.keys()][0]!;
    const number = [...company().accounts.get(year)!.keys()][0]!;
    const id = { Year: year, Number: number };
    const before = await a.reader.detail('accounts', id);
    await a.writer.update('accounts', id, { Description: 'Fel namn', BalanceBroughtForward: 4711 });
    const plan = await planRestore({ repository: a.repository, reader: a.reader, snapshotId, datasets: ['accounts'] });
    const changed = plan.items.filter((i) => i.action !== 'unchanged');
    assert.deepEqual(changed.map((i) => [i.key, i.changes.map((c) => c.field)]), [[`${year}/${number}`, ['Description']]]);
    const report = await applyRestore({ db: env.db, tenantId: a.tenantId, reader: a.reader, writer: a.writer, plan });
    assert.equal(report.status, 'succeeded');
    assert.match(report.warnings.join(' '), /No undo snapshot/);
    const after = await a.reader.detail('accounts', id);
    assert.equal(after.Description, before.Description);
    assert.equal(after.BalanceBroughtForward, 4711);
  });

  it('refuses to restore vouchers into the same company', async () => {
    await assert.rejects(planRestore({ repository: a.repository, reader: a.reader, snapshotId, datasets: ['vouchers'] }), (e: unknown) => e instanceof RestoreError && e.code === 'RESTORE_NOT_A_REGISTER');
  });
});
