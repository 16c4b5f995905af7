/** The deletion job and the end of the service: which tenants are deleted, and which are still backed up. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestApp, type TestApp } from '../app.test-support.ts';
import { createTenant, getTenant, updateTenant } from '../db/index.ts';
import { startBackupService } from '../jobs/backup-service.ts';
import { BACKUP_JOB } from '../jobs/index.ts';
import type { MemoryJobQueue } from '../jobs/memory-job-queue.ts';
import { keyFileKey } from '../repository/layout.ts';
import { readCertificate } from './delete-tenant.ts';
import { runDeletionJob, startDeletionJob } from './deletion-job.ts';
import { backupsAllowed, terminationDates } from './termination.ts';

const NOW = new Date('2030-06-15T12:00:00Z');
const DAY = 86_400_000;

describe('the end of the service', () => {
  it('backs up a company during its notice, not after the notice ends, nor once its deletion is due or under way', () => {
    const active = { status: 'active' as const, terminatedAt: null, deletionDueAt: null };
    assert.equal(backupsAllowed(active, NOW), true);
    const inNotice = terminationDates(new Date(NOW.getTime() - 10 * DAY));
    assert.equal(backupsAllowed({ status: 'active', terminatedAt: inNotice.terminatedAt.toISOString(), deletionDueAt: inNotice.deletionDueAt.toISOString() }, NOW), true);
    const ended = terminationDates(new Date(NOW.getTime() - 40 * DAY));
    assert.ok(ended.noticeEndsAt < NOW && ended.deletionDueAt > NOW);
    assert.equal(backupsAllowed({ status: 'active', terminatedAt: ended.terminatedAt.toISOString(), deletionDueAt: ended.deletionDueAt.toISOString() }, NOW), false, 'notice over: kept for export, not backed up');
    assert.equal(backupsAllowed({ status: 'active', terminatedAt: null, deletionDueAt: NOW.toISOString() }, NOW), false, 'deletion due');
    assert.equal(backupsAllowed({ status: 'terminated', terminatedAt: null, deletionDueAt: null }, NOW), false, 'being deleted');
    assert.equal(backupsAllowed({ status: 'deleted', terminatedAt: null, deletionDueAt: null }, NOW), false);
  });
});

describe('the deletion job', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp();
  });
  after(async () => {
    await t.cleanup();
  });

  /** A tenant with a repository (its key file and nothing else) and the given termination state. */
  const tenant = async (name: string, terminatedDaysAgo: number | null) => {
    const created = await createTenant(t.app.db, { name });
    await t.app.repositoryFor(created.id);
    if (terminatedDaysAgo !== null) {
      const dates = terminationDates(new Date(NOW.getTime() - terminatedDaysAgo * DAY));
      await updateTenant(t.app.db, created.id, { terminatedAt: dates.terminatedAt, deletionDueAt: dates.deletionDueAt });
    }
    return created.id;
  };

  it('deletes only the companies whose deletion is due, and postpones a busy one', async () => {
    const due = await tenant('Förfallet AB', 70);
    const busy = await tenant('Upptaget AB', 65);
    const inGrace = await tenant('Efter uppsägningstiden AB', 40);
    const inNotice = await tenant('Uppsagt AB', 10);
    const active = await tenant('Aktivt AB', null);

    const result = await runDeletionJob(t.app, { now: NOW, busy: async (id) => id === busy });
    assert.deepEqual(result.deleted.map((c) => c.tenantId), [due]);
    assert.deepEqual(result.postponed, [busy]);
    assert.deepEqual(result.failed, []);
    assert.equal(result.deleted[0]?.reason, 'termination');
    assert.equal((await getTenant(t.app.db, due))?.status, 'deleted');
    assert.equal(await t.app.store.head(keyFileKey(due)), undefined);
    for (const id of [busy, inGrace, inNotice, active]) {
      assert.equal((await getTenant(t.app.db, id))?.status, 'active', `${id} is kept`);
      assert.notEqual(await t.app.store.head(keyFileKey(id)), undefined);
    }

    const next = await runDeletionJob(t.app, { now: new Date(NOW.getTime() + 60 * 60_000) });
    assert.deepEqual(next.deleted.map((c) => c.tenantId), [busy], 'the busy one goes the next hour; the deleted one is not done twice');
    assert.ok((await readCertificate(t.app.config.dataDir, busy)) !== undefined);
  });

  it('runs on a timer until stopped', async () => {
    const id = await tenant('Timer AB', 80);
    const job = startDeletionJob(t.app, { intervalMs: 0, now: () => NOW });
    const result = await job.runOnce();
    await job.stop();
    assert.deepEqual(result.deleted.map((c) => c.tenantId), [id]);
  });

  it('the backup service refuses to back up a company whose notice has ended, and backs up one still in notice', async () => {
    const ended = await tenant('Slut AB', 40);
    const inNotice = await tenant('Fortfarande AB', 10);
    const ran: string[] = [];
    const service = await startBackupService(t.app, {
      tickMs: 0,
      now: () => NOW,
      run: async (_app, tenantId) => {
        ran.push(tenantId);
        return { runId: 'r', status: 'succeeded', snapshotId: null, datasets: [], requests: 0, bytes: 0, seconds: 0, warnings: [], refreshed: 0 };
      },
    });
    try {
      const a = await service.queue.enqueue({ name: BACKUP_JOB, tenantId: ended, data: { trigger: 'manual' }, retryLimit: 0 });
      const b = await service.queue.enqueue({ name: BACKUP_JOB, tenantId: inNotice, data: { trigger: 'manual' }, retryLimit: 0 });
      await (service.queue as MemoryJobQueue).idle();
      assert.deepEqual(ran, [inNotice]);
      const failed = await service.queue.get(a.job.id);
      assert.equal(failed?.state, 'failed');
      assert.equal(failed?.error?.code, 'TENANT_SERVICE_ENDED');
      assert.equal((await service.queue.get(b.job.id))?.state, 'completed');
    } finally {
      await service.stop();
    }
  });
});
