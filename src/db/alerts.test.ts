import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acknowledgeAlert, alertsToNotify, getAlert, listAlerts, markAlertsNotified, raiseAlert, resolveAlerts } from './alerts.ts';
import { testDatabases, type TestDatabase } from './test-databases.test-support.ts';
import { createTenant } from './tenants.ts';

const at = (day: number, hour = 2): Date => new Date(Date.UTC(2026, 0, day, hour));

for (const target of testDatabases()) {
  describe(`alerts (${target.name})`, () => {
    let t: TestDatabase;
    let a: string;
    let b: string;
    before(async () => {
      t = await target.open();
      a = (await createTenant(t.db, { name: 'A AB' })).id;
      b = (await createTenant(t.db, { name: 'B AB' })).id;
    });
    after(() => t.cleanup());

    const failed = (tenantId: string, day: number, runId: string) =>
      raiseAlert(t.db, { tenantId, kind: 'backup_failed', severity: 'critical', details: { runId, code: 'FORTNOX_SERVER_ERROR', message: 'HTTP 503' }, runId, at: at(day) });

    it('keeps one unresolved backup_failed per tenant, and raises a new one once it is resolved', async () => {
      const first = await failed(a, 1, 'r1');
      assert.equal(first.created, true);
      const second = await failed(a, 2, 'r2');
      assert.equal(second.created, false);
      assert.equal(second.alert.id, first.alert.id);
      assert.equal(second.alert.kind === 'backup_failed' && second.alert.details.runId, 'r1', 'the first open alert is kept unchanged');
      assert.equal((await listAlerts(t.db, [a])).filter((x) => x.kind === 'backup_failed').length, 1);

      assert.equal(await resolveAlerts(t.db, a, 'backup_failed', at(3)), 1);
      assert.equal(await resolveAlerts(t.db, a, 'backup_failed', at(4)), 0);
      assert.equal((await getAlert(t.db, [a], first.alert.id))?.resolvedAt, at(3).toISOString());
      const third = await failed(a, 5, 'r3');
      assert.equal(third.created, true);
      assert.notEqual(third.alert.id, first.alert.id);
    });

    it('raises every supplier bank change, even for the same supplier, and parses the details back', async () => {
      const details = { supplierNumber: '7', name: 'Elbolaget AB', changes: [{ field: 'BG', before: '5050-1055', after: '123-4567' }] };
      const x = await raiseAlert(t.db, { tenantId: a, kind: 'supplier_bank_changed', severity: 'critical', details, snapshotId: 's1', at: at(6) });
      const y = await raiseAlert(t.db, { tenantId: a, kind: 'supplier_bank_changed', severity: 'critical', details, snapshotId: 's2', at: at(7) });
      assert.equal(x.created && y.created, true);
      const got = await getAlert(t.db, [a], x.alert.id);
      assert.deepEqual(got?.details, details);
      assert.equal(got?.snapshotId, 's1');
      assert.equal(got?.severity, 'critical');
    });

    it('lists only the given tenants\' alerts, newest first, page by page, and open or closed', async () => {
      const other = await failed(b, 8, 'rb');
      const all = await listAlerts(t.db, [a]);
      assert.ok(all.every((x) => x.tenantId === a));
      assert.deepEqual(all.map((x) => x.createdAt), [...all.map((x) => x.createdAt)].sort().reverse());
      assert.equal(all.length, 4);
      assert.equal(await getAlert(t.db, [a], other.alert.id), undefined);
      assert.equal(await getAlert(t.db, [], other.alert.id), undefined);
      assert.deepEqual(await listAlerts(t.db, []), []);
      assert.deepEqual((await listAlerts(t.db, [a, b])).map((x) => x.id).slice(0, 1), [other.alert.id]);

      const page1 = await listAlerts(t.db, [a], { limit: 3 });
      const page2 = await listAlerts(t.db, [a], { limit: 3, before: page1.at(-1)!.id });
      assert.deepEqual([...page1, ...page2].map((x) => x.id), all.map((x) => x.id));
      assert.deepEqual(await listAlerts(t.db, [a], { before: other.alert.id }), [], 'another tenant\'s id is no cursor');

      const open = await listAlerts(t.db, [a], { open: true });
      const closed = await listAlerts(t.db, [a], { open: false });
      assert.equal(open.length, 3);
      assert.deepEqual(closed.map((x) => x.resolvedAt), [at(3).toISOString()]);
    });

    it('acknowledges an alert once, by the first user, and only within the given tenants', async () => {
      const [latest] = await listAlerts(t.db, [b]);
      assert.equal(await acknowledgeAlert(t.db, [a], latest!.id, 'u-a', at(9)), undefined);
      assert.equal((await getAlert(t.db, [b], latest!.id))?.acknowledgedAt, null, 'a user of another tenant changes nothing');
      const acked = await acknowledgeAlert(t.db, [b], latest!.id, 'u-b', at(9));
      assert.equal(acked?.acknowledgedBy, 'u-b');
      const again = await acknowledgeAlert(t.db, [b], latest!.id, 'u-c', at(10));
      assert.equal(again?.acknowledgedBy, 'u-b');
      assert.equal(again?.acknowledgedAt, at(9).toISOString());
      assert.deepEqual(await listAlerts(t.db, [b], { open: true }), []);
      assert.equal((await failed(b, 11, 'rb2')).created, false, 'an acknowledged failure is still unresolved: no second alert');
    });

    it('hands the mailer each alert that still needs someone once, oldest first', async () => {
      const due = await alertsToNotify(t.db, 10);
      assert.deepEqual(due.map((x) => x.createdAt), [at(5), at(6), at(7)].map((d) => d.toISOString()));
      assert.equal((await alertsToNotify(t.db, 2)).length, 2);
      assert.equal(await markAlertsNotified(t.db, due.slice(0, 2).map((x) => x.id), at(12)), 2);
      assert.equal(await markAlertsNotified(t.db, due.map((x) => x.id), at(13)), 1);
      assert.equal(await markAlertsNotified(t.db, [], at(13)), 0);
      assert.deepEqual(await alertsToNotify(t.db, 10), []);
      assert.equal((await getAlert(t.db, [a], due[0]!.id))?.notifiedAt, at(12).toISOString());
    });
  });
}
