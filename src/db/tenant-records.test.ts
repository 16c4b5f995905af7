import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createBackupRun,
  finishBackupRun,
  getBackupRun,
  listBackupRuns,
  saveBackupRunDataset,
  startBackupRun,
} from './backup-runs.ts';
import { DatabaseError } from './errors.ts';
import { deleteFortnoxConnection, loadFortnoxConnection, saveFortnoxConnection, type FortnoxConnection } from './fortnox-connections.ts';
import { createTenant, getTenant, listTenants, updateTenant } from './tenants.ts';
import { testDatabases, type TestDatabase } from './test-databases.test-support.ts';

const connection: FortnoxConnection = {
  fortnoxTenantId: '1234567',
  authMode: 'refresh_token',
  tokenCiphertext: new Uint8Array([0, 1, 2, 250, 255]),
  tokenKeyId: 'token-key-1',
  accessTokenExpiresAt: '2025-03-01T03:00:00.000Z',
  status: 'ok',
  statusReason: null,
  scopes: 'customer invoice bookkeeping',
  lease: null,
};

for (const target of testDatabases()) {
  describe(target.name, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.open();
    });
    after(() => t.cleanup());

    it('creates, finds and updates tenants through their lifecycle', async () => {
      const a = await createTenant(t.db, { name: 'Bygg & Måleri AB', orgNumber: '556000-0001', dataKeyId: 'dk-1', createdAt: '2025-01-01T00:00:00Z' });
      assert.deepEqual(await getTenant(t.db, a.id), a);
      assert.equal(a.status, 'active');
      const terminated = await updateTenant(t.db, a.id, { status: 'terminated', terminatedAt: '2025-02-01T00:00:00Z', deletionDueAt: new Date('2025-03-31T00:00:00Z') });
      assert.deepEqual([terminated?.status, terminated?.terminatedAt, terminated?.deletionDueAt, terminated?.name], [
        'terminated', '2025-02-01T00:00:00.000Z', '2025-03-31T00:00:00.000Z', 'Bygg & Måleri AB',
      ]);
      assert.ok((await listTenants(t.db, { status: 'terminated' })).some((x) => x.id === a.id));
      assert.ok(!(await listTenants(t.db, { status: 'active' })).some((x) => x.id === a.id));
      assert.equal(await updateTenant(t.db, 'nobody', { name: 'x' }), undefined);
      await assert.rejects(updateTenant(t.db, a.id, { status: 'gone' as never }));
    });

    it('saves a Fortnox connection compare-and-set, so only one of two writers of a version wins', async () => {
      const tenant = (await createTenant(t.db, { name: 'Kaffe AB' })).id;
      assert.equal(await loadFortnoxConnection(t.db, tenant), undefined);
      assert.equal(await saveFortnoxConnection(t.db, tenant, connection, undefined), 1);
      assert.equal(await saveFortnoxConnection(t.db, tenant, connection, undefined), null);
      const stored = await loadFortnoxConnection(t.db, tenant);
      assert.deepEqual(stored?.tokenCiphertext, connection.tokenCiphertext);
      assert.equal(stored?.version, 1);

      const refreshed = { ...connection, tokenCiphertext: new Uint8Array([9, 9]), lease: { owner: 'worker-1', until: '2025-03-01T02:00:30.000Z' } };
      const [x, y] = await Promise.all([
        saveFortnoxConnection(t.db, tenant, refreshed, 1),
        saveFortnoxConnection(t.db, tenant, { ...connection, status: 'reconnect_needed', statusReason: 'invalid_grant' }, 1),
      ]);
      assert.deepEqual([x, y].sort(), [2, null]);
      const after = await loadFortnoxConnection(t.db, tenant);
      assert.equal(after?.version, 2);
      assert.ok(after?.status === 'ok' ? after.lease?.owner === 'worker-1' : after?.statusReason === 'invalid_grant');

      await deleteFortnoxConnection(t.db, tenant);
      assert.equal(await loadFortnoxConnection(t.db, tenant), undefined);
    });

    it('keeps each tenant\'s connection and runs to itself', async () => {
      const a = (await createTenant(t.db, { name: 'A' })).id;
      const b = (await createTenant(t.db, { name: 'B' })).id;
      await saveFortnoxConnection(t.db, a, connection, undefined);
      assert.equal(await loadFortnoxConnection(t.db, b), undefined);
      assert.equal(await saveFortnoxConnection(t.db, b, connection, 1), null);
      const run = await createBackupRun(t.db, a, { id: 'run-1', trigger: 'schedule' });
      await createBackupRun(t.db, b, { id: 'run-1', trigger: 'manual' });
      assert.equal((await getBackupRun(t.db, b, 'run-1'))?.trigger, 'manual');
      assert.deepEqual((await listBackupRuns(t.db, a)).map((r) => r.trigger), ['schedule']);
      await assert.rejects(startBackupRun(t.db, b, 'run-2'), (err: unknown) => err instanceof DatabaseError && err.code === 'DB_RUN_NOT_FOUND');
      assert.equal(run.status, 'queued');
    });

    it('records a backup run and its data sets from queued to finished', async () => {
      const tenant = (await createTenant(t.db, { name: 'Körning AB' })).id;
      const run = await createBackupRun(t.db, tenant, { trigger: 'schedule', queuedAt: new Date('2025-03-01T02:00:00Z') });
      await startBackupRun(t.db, tenant, run.id, new Date('2025-03-01T02:00:05Z'));
      await saveBackupRunDataset(t.db, tenant, run.id, 'customers', { status: 'running', startedAt: new Date('2025-03-01T02:00:06Z'), requests: 3 });
      await saveBackupRunDataset(t.db, tenant, run.id, 'customers', { status: 'succeeded', finishedAt: new Date('2025-03-01T02:01:00Z'), records: 1000, recordsChanged: 12, requests: 14, bytesWritten: 2_000_000_000_000 });
      await saveBackupRunDataset(t.db, tenant, run.id, 'suppliers', { status: 'failed', errorCode: 'FORTNOX_RATE_LIMITED', errorMessage: 'Too many requests' });
      await finishBackupRun(t.db, tenant, run.id, { status: 'partial', snapshotId: 'abc123', records: 1000, recordsChanged: 12, requests: 20, bytesWritten: 5_000_000, errors: 1 });
      const got = await getBackupRun(t.db, tenant, run.id);
      assert.equal(got?.status, 'partial');
      assert.equal(got?.startedAt, '2025-03-01T02:00:05.000Z');
      assert.equal(got?.snapshotId, 'abc123');
      assert.deepEqual([got?.records, got?.requests, got?.bytesWritten, got?.errors], [1000, 20, 5_000_000, 1]);
      assert.deepEqual(got?.datasets.map((d) => [d.dataset, d.status, d.startedAt, d.requests, d.bytesWritten, d.errorCode]), [
        ['customers', 'succeeded', '2025-03-01T02:00:06.000Z', 14, 2_000_000_000_000, null],
        ['suppliers', 'failed', null, 0, 0, 'FORTNOX_RATE_LIMITED'],
      ]);
      const second = await createBackupRun(t.db, tenant, { trigger: 'manual', queuedAt: new Date('2025-03-02T02:00:00Z') });
      assert.deepEqual((await listBackupRuns(t.db, tenant)).map((r) => r.id), [second.id, run.id]);
      assert.deepEqual((await listBackupRuns(t.db, tenant, { before: second.queuedAt })).map((r) => r.id), [run.id]);
    });
  });
}
