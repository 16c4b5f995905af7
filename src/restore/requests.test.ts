import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant } from '../db/index.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { RestoreError } from './errors.ts';
import { formatTimeLeft, handleRequest, listRequests, requestRestore } from './requests.ts';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-02T08:00:00.000Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

for (const target of testDatabases()) {
  describe(`assisted restore requests (${target.name})`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.open();
      await createTenant(t.db, { id: 'acme', name: 'Acme AB' });
      await createTenant(t.db, { id: 'other', name: 'Other AB' });
    });
    after(() => t.cleanup());

    it('gives a request a deadline 48 hours after it was made', async () => {
      const r = await requestRestore(t.db, 'acme', { requestedBy: 'anna@acme.se', snapshotId: 'snap-1', datasets: ['customers'], records: ['customers:1042'], description: 'Kund 1042 raderad', createdAt: T0 });
      assert.equal(r.deadlineAt, '2026-03-04T08:00:00.000Z');
      assert.equal(r.status, 'open');
      assert.deepEqual(r.records, ['customers:1042']);
    });

    it('lists open requests with the time left, earliest deadline first, and flags the overdue', async () => {
      await requestRestore(t.db, 'acme', { requestedBy: 'bo@acme.se', description: 'Allt från i tisdags', createdAt: at(-47) });
      await requestRestore(t.db, 'other', { requestedBy: 'eva@other.se', description: 'Leverantörer', createdAt: at(-50) });
      const list = await listRequests(t.db, { now: at(2) });
      assert.deepEqual(list.map((r) => [r.tenantId, r.overdue, formatTimeLeft(r)]), [
        ['other', true, 'OVERDUE by 4 h 0 min'],
        ['acme', true, 'OVERDUE by 1 h 0 min'],
        ['acme', false, '1 d 22 h 0 min left'],
      ]);
      assert.equal((await listRequests(t.db, { tenantId: 'acme', now: at(2) })).length, 2);
    });

    it('records who handled a request and its result, and leaves it out of the open list', async () => {
      const r = await requestRestore(t.db, 'acme', { requestedBy: 'anna@acme.se', description: 'Artiklar', createdAt: at(0) });
      const started = await handleRequest(t.db, 'acme', r.id, { status: 'in_progress', handledBy: 'support@noxbackup.se', now: at(1) });
      assert.equal(started.handledBy, 'support@noxbackup.se');
      const done = await handleRequest(t.db, 'acme', r.id, { status: 'done', report: 'restore run 7f3a', result: '12 artiklar återskapade', now: at(3) });
      assert.equal(done.status, 'done');
      assert.equal(done.report, 'restore run 7f3a');
      assert.equal(done.overdue, false);
      assert.ok(!(await listRequests(t.db, { now: at(3) })).some((x) => x.id === r.id));
      assert.ok((await listRequests(t.db, { all: true, now: at(3) })).some((x) => x.id === r.id));
    });

    it('refuses to reject without a reason, to finish without a handler, or to touch another tenant\'s request', async () => {
      const r = await requestRestore(t.db, 'acme', { requestedBy: 'anna@acme.se', description: 'Projekt', createdAt: at(0) });
      const code = (c: string) => (e: unknown) => e instanceof RestoreError && e.code === c;
      await assert.rejects(handleRequest(t.db, 'acme', r.id, { status: 'rejected', handledBy: 'support' }), code('RESTORE_REQUEST_NO_RESULT'));
      await assert.rejects(handleRequest(t.db, 'acme', r.id, { status: 'done', result: 'klart' }), code('RESTORE_REQUEST_NO_HANDLER'));
      await assert.rejects(handleRequest(t.db, 'other', r.id, { status: 'in_progress', handledBy: 'x' }), code('RESTORE_REQUEST_NOT_FOUND'));
      await assert.rejects(requestRestore(t.db, 'acme', { requestedBy: 'anna', description: '', records: ['1042'] }), code('RESTORE_REQUEST_BAD_RECORD'));
    });
  });
}
