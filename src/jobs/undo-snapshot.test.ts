import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryJobQueue } from './memory-job-queue.ts';
import { BACKUP_JOB, type BackupJobData } from './scheduler.ts';
import { undoSnapshotByQueue } from './undo-snapshot.ts';
import type { Job } from './job-queue.ts';

/** A queue whose backup handler records what ran, one at a time per tenant, and can be held. */
async function queueWithBackups() {
  const queue = new MemoryJobQueue();
  const ran: (readonly string[] | undefined)[] = [];
  let active = 0;
  let maxActive = 0;
  let hold: Promise<void> = Promise.resolve();
  let fail = false;
  await queue.work<BackupJobData>(BACKUP_JOB, async (job: Job<BackupJobData>) => {
    active++;
    maxActive = Math.max(maxActive, active);
    await hold;
    active--;
    ran.push(job.data.datasets);
    if (fail) throw new Error('Fortnox answered 503');
    return { snapshotId: `snap-${ran.length}`, status: 'succeeded' };
  });
  return {
    queue, ran,
    maxActive: () => maxActive,
    holdUntil: (p: Promise<void>) => { hold = p; },
    failNext: () => { fail = true; },
  };
}

test('the undo backup of a restore waits for the tenant\'s running full backup and uses its snapshot', async () => {
  const q = await queueWithBackups();
  let release!: () => void;
  q.holdUntil(new Promise<void>((r) => { release = r; }));
  await q.queue.enqueue<BackupJobData>({ name: BACKUP_JOB, tenantId: 't1', data: { trigger: 'schedule' } });
  const undo = undoSnapshotByQueue(q.queue, 't1', { pollMs: 5 })(['customers']);
  await new Promise((r) => setTimeout(r, 30));
  release();
  assert.equal(await undo, 'snap-1', 'the nightly full backup is the undo point');
  assert.deepEqual(q.ran, [undefined], 'no second backup ran');
  assert.equal(q.maxActive(), 1, 'never two backups of the tenant at once');
  await q.queue.stop();
});

test('after a running backup of other data sets, one more backup of the restored data sets is the undo point', async () => {
  const q = await queueWithBackups();
  let release!: () => void;
  q.holdUntil(new Promise<void>((r) => { release = r; }));
  await q.queue.enqueue<BackupJobData>({ name: BACKUP_JOB, tenantId: 't1', data: { trigger: 'manual', datasets: ['suppliers'] } });
  const undo = undoSnapshotByQueue(q.queue, 't1', { pollMs: 5 })(['customers']);
  await new Promise((r) => setTimeout(r, 30));
  release();
  assert.equal(await undo, 'snap-2');
  assert.deepEqual(q.ran, [['suppliers'], ['customers']]);
  assert.equal(q.maxActive(), 1);
  await q.queue.stop();
});

test('a failed undo backup stops the restore before anything is written, with a clear error', async () => {
  const q = await queueWithBackups();
  q.failNext();
  await assert.rejects(undoSnapshotByQueue(q.queue, 't1', { pollMs: 5 })(['customers']), (err: Error & { code?: string }) => err.code === 'RESTORE_NO_UNDO_POINT' && /503/.test(err.message));
  await q.queue.stop();
});
