import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant } from '../db/index.ts';
import { createRestoreRun, getRestoreRun, listRestoreRuns, updateRestoreRun } from '../db/restore-runs.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { FortnoxBadRequestError } from '../fortnox/index.ts';
import { Journal } from './journal.ts';

for (const target of testDatabases()) {
  describe(`the restore journal (${target.name})`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.open();
      await createTenant(t.db, { id: 'acme', name: 'Acme AB' });
      await createRestoreRun(t.db, { tenantId: 'acme', id: 'run-1', kind: 'new_company', snapshotId: 's1', sourceTenantId: 'acme', planJson: '{}', startedBy: 'anna', startedAt: '2026-03-02T08:00:00.000Z' });
    });
    after(() => t.cleanup());

    it('remembers across openings what was written, what is in flight and what Fortnox refused', async () => {
      const j = await Journal.open(t.db, 'acme', 'run-1');
      await j.writing('vouchers:1/A/1:create', '1/A/7');
      await j.done('vouchers:1/A/1:create', '1/A/7');
      await j.writing('vouchers:1/A/2:create', '1/A/8');
      await j.writing('customers:9:create');
      await j.failed('customers:9:create', new FortnoxBadRequestError({ status: 400, fortnoxCode: 2000729, fortnoxMessage: 'Namn måste anges (Name).' }));
      const again = await Journal.open(t.db, 'acme', 'run-1');
      assert.equal(again.finished('vouchers:1/A/1:create')?.newKey, '1/A/7');
      assert.equal(again.finished('vouchers:1/A/2:create'), undefined);
      assert.equal(again.get('vouchers:1/A/2:create')?.status, 'writing');
      assert.equal(again.get('vouchers:1/A/2:create')?.expectedKey, '1/A/8');
      assert.deepEqual([again.get('customers:9:create')?.status, again.get('customers:9:create')?.fortnoxCode, again.get('customers:9:create')?.message], ['failed', 2000729, 'Namn måste anges (Name).']);
      assert.equal((await Journal.open(t.db, 'acme', 'other-run')).get('vouchers:1/A/1:create'), undefined);
    });

    it('keeps the run with its plan, undo point and report', async () => {
      await updateRestoreRun(t.db, 'acme', 'run-1', { status: 'partial', undoSnapshotId: 'u1', reportJson: '{"x":1}', finishedAt: '2026-03-02T09:00:00.000Z' });
      const run = await getRestoreRun(t.db, 'acme', 'run-1');
      assert.deepEqual([run?.status, run?.undoSnapshotId, run?.reportJson, run?.planJson], ['partial', 'u1', '{"x":1}', '{}']);
      assert.equal(await getRestoreRun(t.db, 'other', 'run-1'), undefined);
      assert.equal((await listRestoreRuns(t.db, 'acme')).length, 1);
    });
  });
}
