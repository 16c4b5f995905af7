import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type TestDatabase } from './test-databases.test-support.ts';
import { getVerificationRun, lastReadSlot, listVerificationRuns, saveVerificationRun } from './verification-runs.ts';

for (const target of testDatabases()) {
  describe(`verification runs (${target.name})`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.open();
    });
    after(() => t.cleanup());

    const run = (id: string, at: string, slot: number | null, slots: number | null, tenantId = 't1') => ({
      tenantId, id, trigger: 'schedule', startedAt: at, finishedAt: at, snapshotId: null, ok: slot !== 3, errors: slot === 3 ? 2 : 0, warnings: 1,
      readPercent: slots === null ? null : 100 / slots, readSlot: slot, readSlots: slots, packsRead: 4, bytesRead: 5_000_000_000, report: { id, findings: [] },
    });

    it('stores runs with their reports, lists them newest first per tenant and remembers the last read slot', async () => {
      await saveVerificationRun(t.db, run('a', '2026-01-01T02:00:00.000Z', 0, 10));
      await saveVerificationRun(t.db, run('b', '2026-01-02T02:00:00.000Z', 1, 10));
      await saveVerificationRun(t.db, run('c', '2026-01-03T02:00:00.000Z', 3, 40));
      await saveVerificationRun(t.db, run('d', '2026-01-04T02:00:00.000Z', null, null));
      await saveVerificationRun(t.db, run('x', '2026-01-05T02:00:00.000Z', 7, 10, 't2'));
      const list = await listVerificationRuns(t.db, 't1');
      assert.deepEqual(list.map((r) => r.id), ['d', 'c', 'b', 'a']);
      assert.equal(list[1]!.ok, false);
      assert.equal(list[1]!.errors, 2);
      assert.equal(list[0]!.bytesRead, 5_000_000_000);
      assert.equal(list[0]!.report, undefined);
      assert.deepEqual((await getVerificationRun(t.db, 't1', 'b'))!.report, { id: 'b', findings: [] });
      assert.equal(await lastReadSlot(t.db, 't1', 10), 1);
      assert.equal(await lastReadSlot(t.db, 't1', 40), 3);
      assert.equal(await lastReadSlot(t.db, 't1', 20), undefined);
      assert.equal(await getVerificationRun(t.db, 't2', 'a'), undefined);
    });
  });
}
