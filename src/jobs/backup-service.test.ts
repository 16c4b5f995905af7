/** The scheduler, the in-process queue and the backup job on a real app against the simulator. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { openTestApp, type TestApp } from '../app.test-support.ts';
import { listSnapshots } from '../db/index.ts';
import { listVerificationRuns } from '../db/verification-runs.ts';
import { addSimulatorTenant } from '../tenants/index.ts';
import { parseBackupWindow, plannedRun } from './backup-window.ts';
import { startBackupService } from './backup-service.ts';
import type { MemoryJobQueue } from './memory-job-queue.ts';

describe('the backup service', () => {
  let sim: RunningSimulator;
  let t: TestApp;
  before(async () => {
    sim = await startSimulator({ seed: 9, size: 'small', companies: 2, rateLimit: 1000, rateWindowMs: 1000 });
    t = await openTestApp();
  });
  after(async () => {
    await t.cleanup();
    await sim.close();
  });

  it('backs up each tenant at its planned time; a broken connection fails only its own job', async () => {
    const a = (await addSimulatorTenant(t.app, sim.url)).tenant;
    const b = (await addSimulatorTenant(t.app, sim.url, { fortnoxTenantId: String(sim.tenants[1]!.tenantId) })).tenant;
    await fetch(`${sim.url}/__sim/consents/revoke`, { method: 'POST', body: JSON.stringify({ tenantId: sim.tenants[1]!.tenantId }), headers: { 'Content-Type': 'application/json' } });

    const window = parseBackupWindow('01:00-05:00');
    const night = '2025-01-15';
    let now = new Date(Math.max(plannedRun(window, a.id, night).at.getTime(), plannedRun(window, b.id, night).at.getTime()));
    const service = await startBackupService(t.app, { window, tickMs: 0, now: () => now });
    try {
      const ticked = await service.scheduler.tick();
      assert.deepEqual(ticked.map((x) => x.result.status), ['queued', 'queued']);
      const again = await service.scheduler.runNow(a.id);
      assert.equal(again.status, 'coalesced', 'an on-demand run while the nightly one is queued or running joins it');
      await (service.queue as MemoryJobQueue).idle();

      const jobA = await service.queue.get(ticked.find((x) => x.tenantId === a.id)!.result.job.id);
      const jobB = await service.queue.get(ticked.find((x) => x.tenantId === b.id)!.result.job.id);
      assert.equal(jobA?.state, 'completed', JSON.stringify(jobA?.error));
      assert.equal(jobB?.state, 'failed');
      assert.equal(jobB?.attempt, 1, 'a withdrawn consent is not retried');
      assert.match(jobB?.error?.code ?? '', /RECONNECT/);
      assert.equal((await listSnapshots(t.app.db, a.id)).length, 1);
      assert.equal((await listSnapshots(t.app.db, b.id)).length, 0);
      const verified = await listVerificationRuns(t.app.db, a.id);
      assert.equal(verified.length, 1, 'a sampled verification ran after the nightly backup');
      assert.equal(verified[0]?.trigger, 'schedule');
      assert.deepEqual((jobA?.result as { verification?: unknown } | undefined)?.verification, { ok: true, errors: 0, warnings: verified[0]?.warnings ?? 0 });
      assert.equal((await listVerificationRuns(t.app.db, b.id)).length, 0, 'no verification without a new snapshot');

      now = new Date(now.getTime() + 60 * 60_000);
      assert.deepEqual(await service.scheduler.tick(), [], 'once a night');
    } finally {
      await service.stop();
    }
  });
});
