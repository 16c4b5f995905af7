/** Alerts raised by real backups of simulated companies (through backupTenant, as the CLI, jobs and web app run them). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appTargets, type TestApp } from '../app.test-support.ts';
import { getAlert, listAlerts, type Alert } from '../db/alerts.ts';
import { backupTenant } from '../jobs/backup-job.ts';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { addSimulatorTenant } from '../tenants/index.ts';
import { MASS_DELETION } from './detect.ts';
import { getBackupRun } from '../db/backup-runs.ts';

interface BankChange { supplierNumber: string; name: string; before: Record<string, string>; after: Record<string, string> }

for (const target of appTargets()) {
  describe(`alerts after backups (${target.name})`, () => {
    let sim: RunningSimulator;
    let t: TestApp;
    let a: string;
    let b: string;
    const fortnoxA = (): number => sim.tenants[0]!.tenantId;
    const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const res = await fetch(`${sim.url}/__sim/${path}`, { method, ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) });
      return res.json();
    };
    const alertsOf = async (tenantId: string, kind: Alert['kind']): Promise<Alert[]> => (await listAlerts(t.app.db, [tenantId])).filter((x) => x.kind === kind);

    before(async () => {
      sim = await startSimulator({ seed: 11, size: 'small', companies: 2, rateLimit: 1000, rateWindowMs: 1000 });
      t = await target.open();
      a = (await addSimulatorTenant(t.app, sim.url)).tenant.id;
      b = (await addSimulatorTenant(t.app, sim.url, { fortnoxTenantId: String(sim.tenants[1]!.tenantId) })).tenant.id;
      const first = await backupTenant(t.app, a, { trigger: 'manual' });
      assert.equal(first.status, 'succeeded');
    });
    after(async () => {
      await t.cleanup();
      await sim.close();
    });

    it('raises exactly one supplier_bank_changed alert per supplier whose bank details changed, naming the changed fields', async () => {
      let changes: BankChange[] = [];
      for (let day = 0; day < 30 && changes.length === 0; day++) {
        const r = (await control('POST', 'business-days', { days: 1, tenantId: fortnoxA() })) as { summaries: { summary: { bankDetailChanges: BankChange[] } }[] };
        changes = r.summaries.flatMap((s) => s.summary.bankDetailChanges);
      }
      assert.ok(changes.length > 0, 'the simulator changed a supplier\'s bank details within 30 days');
      const result = await backupTenant(t.app, a, { trigger: 'manual' });
      assert.equal(result.status, 'succeeded');

      const alerts = await alertsOf(a, 'supplier_bank_changed');
      assert.equal(alerts.length, changes.length, JSON.stringify(alerts.map((x) => x.details)));
      for (const change of changes) {
        const alert = alerts.find((x) => x.kind === 'supplier_bank_changed' && x.details.supplierNumber === change.supplierNumber);
        assert.ok(alert?.kind === 'supplier_bank_changed', `an alert for supplier ${change.supplierNumber}`);
        assert.equal(alert.details.name, change.name);
        assert.equal(alert.severity, 'critical');
        assert.equal(alert.snapshotId, result.snapshotId);
        const expected = Object.keys(change.after).filter((f) => change.before[f] !== change.after[f]);
        assert.deepEqual(alert.details.changes.map((c) => c.field).sort(), expected.sort());
        for (const c of alert.details.changes) {
          assert.equal(c.before, change.before[c.field] || null);
          assert.equal(c.after, change.after[c.field] || null);
        }
      }
      assert.deepEqual(await alertsOf(a, 'mass_deletion'), [], 'an ordinary day deletes nothing worth an alert');
    });

    it('raises mass_deletion when a data set loses many records in one run', async () => {
      // Fortnox refuses to delete a customer with invoices; the small company has few without, so add some to delete.
      const company = sim.simulator.companies.get(fortnoxA())!;
      const customers = company.customers;
      const [model] = customers.values();
      const added = Math.max(MASS_DELETION.minRecords, Math.ceil(customers.size * 0.3));
      const numbers = Array.from({ length: added }, (_, i) => String(90_000 + i));
      for (const n of numbers) customers.set(n, { data: { ...structuredClone(model!.data), CustomerNumber: n, Name: `Kund ${n} AB` }, modified: sim.simulator.clock.now() });
      sim.simulator.sortCache.invalidate(customers);
      assert.equal((await backupTenant(t.app, a, { trigger: 'manual' })).status, 'succeeded');
      assert.deepEqual(await alertsOf(a, 'mass_deletion'), []);
      const before = customers.size;
      const doomed = added;
      for (const n of numbers) customers.delete(n);
      sim.simulator.sortCache.invalidate(customers);

      const result = await backupTenant(t.app, a, { trigger: 'manual' });
      assert.equal(result.status, 'succeeded', JSON.stringify(result.datasets.filter((d) => d.status !== 'complete')));
      const alerts = await alertsOf(a, 'mass_deletion');
      assert.deepEqual(alerts.map((x) => x.details), [{ dataset: 'customers', deleted: doomed, before }]);
      assert.equal(alerts[0]?.severity, 'warning');
    });

    it('raises backup_failed for a failed run, once however often it fails, and a later successful run resolves it', async () => {
      await control('POST', 'faults', { kind: '5xx', status: 503, tenantId: fortnoxA() });
      const failures: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        await backupTenant(t.app, a, { trigger: 'manual' }).then(
          (r) => failures.push(r.status),
          (err: unknown) => failures.push((err as { code?: string }).code),
        );
      }
      await control('DELETE', `faults?tenantId=${fortnoxA()}`);
      assert.ok(failures.every((f) => f !== 'succeeded' && f !== 'partial'), JSON.stringify(failures));
      const open = await alertsOf(a, 'backup_failed');
      assert.equal(open.length, 1, 'two failed runs, one alert');
      assert.equal(open[0]?.resolvedAt, null);
      assert.equal(open[0]?.severity, 'critical');
      assert.ok(open[0]?.kind === 'backup_failed' && /FORTNOX|BACKUP/.test(open[0].details.code), JSON.stringify(open[0]?.details));
      assert.deepEqual(await alertsOf(a, 'reconnect_needed'), [], 'a server error is no reason to reconnect');

      assert.equal((await backupTenant(t.app, a, { trigger: 'manual' })).status, 'succeeded');
      assert.notEqual((await getAlert(t.app.db, [a], open[0].id))?.resolvedAt, null);
      assert.deepEqual(await listAlerts(t.app.db, [a], { open: true }).then((l) => l.filter((x) => x.kind === 'backup_failed')), []);
    });

    it('raises reconnect_needed when the company withdrew its consent, and keeps it from other tenants\' lists', async () => {
      await control('POST', 'consents/revoke', { tenantId: sim.tenants[1]!.tenantId });
      const failed = await backupTenant(t.app, b, { trigger: 'manual' });
      assert.equal(failed.status, 'failed', 'the run is recorded as failed, not thrown');
      assert.match(failed.error?.code ?? '', /RECONNECT/);
      assert.equal((await getBackupRun(t.app.db, b, failed.runId))?.status, 'failed', 'and its run row says so');
      const reconnect = await alertsOf(b, 'reconnect_needed');
      assert.equal(reconnect.length, 1);
      assert.equal(reconnect[0]?.severity, 'critical');
      assert.equal((await alertsOf(b, 'backup_failed')).length, 1);

      const ofB = await listAlerts(t.app.db, [b]);
      const ofA = await listAlerts(t.app.db, [a]);
      assert.ok(ofA.length > 0);
      assert.ok(ofA.every((x) => x.tenantId === a) && ofB.every((x) => x.tenantId === b));
      for (const x of ofB) assert.equal(await getAlert(t.app.db, [a], x.id), undefined);
      assert.equal((await listAlerts(t.app.db, [a, b])).length, ofA.length + ofB.length);
    });
  });
}
