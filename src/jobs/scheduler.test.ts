import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryJobQueue } from './memory-job-queue.ts';
import { Scheduler, BACKUP_JOB, type BackupJobData } from './scheduler.ts';
import { latestPlannedRun, parseBackupWindow, plannedRun, tenantOffset } from './backup-window.ts';
import type { Job } from './job-queue.ts';

const window = parseBackupWindow('01:00-05:00');
const tenants = Array.from({ length: 200 }, (_, i) => `tenant-${i}`);

function stockholm(at: Date): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'medium' }).format(at);
}

describe('the backup window', () => {
  it('parses local ranges, also past midnight, and names the variable when it cannot', () => {
    assert.deepEqual({ ...parseBackupWindow('23:30-02:00') }, { startMinute: 1410, lengthMinutes: 150, timeZone: 'Europe/Stockholm' });
    for (const bad of ['1-5', '25:00-03:00', '01:00-01:00', '']) assert.throws(() => parseBackupWindow(bad), /NOX_BACKUP_WINDOW/);
  });

  it('places every tenant inside the window in Stockholm time, winter and summer, the same each night', () => {
    for (const night of ['2025-01-15', '2025-07-15', '2025-03-30', '2025-10-26']) {
      for (const t of tenants) {
        const p = plannedRun(window, t, night);
        assert.ok(p.at >= p.windowStart && p.at < p.windowEnd);
        const local = stockholm(p.windowStart);
        assert.ok(local.startsWith(`${night} 01:00`), local);
      }
    }
    assert.equal(stockholm(plannedRun(window, 'x', '2025-01-15').windowEnd).slice(11, 16), '05:00');
    assert.equal(plannedRun(window, 'x', '2025-01-15').windowStart.toISOString(), '2025-01-15T00:00:00.000Z');
    assert.equal(plannedRun(window, 'x', '2025-07-15').windowStart.toISOString(), '2025-07-14T23:00:00.000Z');
    const a = plannedRun(window, 'tenant-7', '2025-01-15').at.getTime() - plannedRun(window, 'tenant-7', '2025-01-15').windowStart.getTime();
    const b = plannedRun(window, 'tenant-7', '2025-02-20').at.getTime() - plannedRun(window, 'tenant-7', '2025-02-20').windowStart.getTime();
    assert.equal(a, b);
  });

  it('handles a window past midnight: a run after midnight belongs to the night the window began', () => {
    const late = parseBackupWindow('23:00-03:00');
    for (const t of tenants.slice(0, 50)) {
      const p = plannedRun(late, t, '2025-01-15');
      assert.equal(p.windowStart.toISOString(), '2025-01-15T22:00:00.000Z');
      assert.equal(p.windowEnd.toISOString(), '2025-01-16T02:00:00.000Z');
      assert.ok(p.at >= p.windowStart && p.at < p.windowEnd);
      assert.equal(latestPlannedRun(late, t, p.at).night, '2025-01-15');
      assert.equal(latestPlannedRun(late, t, p.windowEnd).night, '2025-01-15', 'after midnight, still the night it began');
    }
  });

  it('spreads tenants evenly across the window', () => {
    const buckets = [0, 0, 0, 0];
    for (const t of tenants) buckets[Math.floor(tenantOffset(t) * 4)]!++;
    for (const n of buckets) assert.ok(n > 30 && n < 70, `quarter holds ${n} of 200`);
  });

  it('takes the latest planned run at or before now: last night before tonight\'s time, tonight\'s after', () => {
    const p = plannedRun(window, 'tenant-1', '2025-01-15');
    assert.equal(latestPlannedRun(window, 'tenant-1', p.at).night, '2025-01-15');
    assert.equal(latestPlannedRun(window, 'tenant-1', new Date(p.at.getTime() - 1)).night, '2025-01-14');
    assert.equal(latestPlannedRun(window, 'tenant-1', new Date('2025-01-15T22:00:00Z')).night, '2025-01-15');
  });
});

describe('the scheduler with the in-process queue', () => {
  it('enqueues each tenant once a night at its planned time, never before the window', async () => {
    let now = new Date('2025-01-14T23:59:00Z'); // 00:59 in Stockholm: before the window
    const queue = new MemoryJobQueue({ now: () => now.getTime() });
    const ran: Job<BackupJobData>[] = [];
    await queue.work<BackupJobData>(BACKUP_JOB, async (job) => { ran.push(job); }, { concurrency: 50 });
    const names = tenants.slice(0, 20);
    const scheduler = new Scheduler({ queue, tenants: async () => names, window, now: () => now, maxLatenessMs: 60 * 60_000 });

    // Last night's runs are more than an hour late: skipped.
    assert.deepEqual(await scheduler.tick(), []);
    const plans = names.map((t) => plannedRun(window, t, '2025-01-15'));
    for (let minute = 0; minute <= 4 * 60; minute += 7) {
      now = new Date(Date.parse('2025-01-15T00:00:00Z') + minute * 60_000);
      const enq = await scheduler.tick();
      for (const e of enq) {
        const plan = plans[names.indexOf(e.tenantId)]!;
        assert.ok(plan.at <= now && now.getTime() - plan.at.getTime() < 7 * 60_000, 'enqueued at the first tick after its time');
      }
      await queue.idle();
    }
    now = new Date('2025-01-15T05:00:00Z');
    await scheduler.tick();
    await queue.idle();
    assert.deepEqual(ran.map((j) => j.tenantId).sort(), [...names].sort(), 'every tenant once');
    assert.ok(ran.every((j) => j.data.trigger === 'schedule' && j.data.night === '2025-01-15'));
    await queue.stop();
  });

  it('keeps at most one job per tenant: a second request while one runs is coalesced into it', async () => {
    const queue = new MemoryJobQueue();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let active = 0;
    let maxActive = 0;
    await queue.work<BackupJobData>(BACKUP_JOB, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await gate;
      active--;
    }, { concurrency: 4 });
    const scheduler = new Scheduler({ queue, tenants: async () => [], window });
    const first = await scheduler.runNow('a');
    const second = await scheduler.runNow('a');
    const other = await scheduler.runNow('b');
    assert.equal(first.status, 'queued');
    assert.equal(second.status, 'coalesced');
    assert.equal(second.job.id, first.job.id);
    assert.equal(other.status, 'queued');
    assert.equal((await queue.pending('a')).length, 1);
    release();
    await queue.idle();
    assert.equal(maxActive, 2, 'two tenants ran side by side, one job each');
    assert.equal((await scheduler.runNow('a')).status, 'queued', 'a new run once the first finished');
    await queue.idle();
    await queue.stop();
  });

  it('a failing job is retried and then fails without stopping the other tenants\' jobs', async () => {
    const queue = new MemoryJobQueue();
    const attempts = new Map<string, number>();
    await queue.work<BackupJobData>(BACKUP_JOB, async (job) => {
      attempts.set(job.tenantId, (attempts.get(job.tenantId) ?? 0) + 1);
      if (job.tenantId === 'broken') throw Object.assign(new Error('Fortnox is down'), { code: 'FORTNOX_SERVER_ERROR' });
      return 'ok';
    }, { concurrency: 2 });
    const ids = [];
    for (const t of ['broken', 'fine-1', 'fine-2']) ids.push((await queue.enqueue({ name: BACKUP_JOB, tenantId: t, data: { trigger: 'manual' }, retryLimit: 2, retryDelayMs: 0 })).job.id);
    await queue.idle();
    const [broken, fine1, fine2] = await Promise.all(ids.map((id) => queue.get(id)));
    assert.equal(broken?.state, 'failed');
    assert.equal(broken?.attempt, 3);
    assert.equal(broken?.error?.code, 'FORTNOX_SERVER_ERROR');
    assert.equal(attempts.get('broken'), 3);
    assert.equal(fine1?.state, 'completed');
    assert.equal(fine2?.state, 'completed');
    await queue.stop();
  });

  it('does not retry a failure that waiting cannot fix', async () => {
    const queue = new MemoryJobQueue();
    await queue.work(BACKUP_JOB, async () => {
      throw Object.assign(new Error('reconnect'), { code: 'FORTNOX_RECONNECT_NEEDED', retryable: false });
    });
    const { job } = await queue.enqueue({ name: BACKUP_JOB, tenantId: 't', data: {}, retryLimit: 5, retryDelayMs: 0 });
    await queue.idle();
    assert.equal((await queue.get(job.id))?.attempt, 1);
    await queue.stop();
  });
});
