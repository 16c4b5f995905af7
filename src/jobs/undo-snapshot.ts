import type { UndoSnapshot } from '../restore/apply.ts';
import { RestoreError } from '../restore/errors.ts';
import type { Job, JobQueue } from './job-queue.ts';
import { BACKUP_JOB, type BackupJobData } from './scheduler.ts';

/**
 * The undo point of a restore started in a server: a backup of the data sets about to be written, run
 * as a job on the server's queue, so it never overlaps the tenant's nightly or manual backup (the queue
 * runs one job per tenant). If a backup of the tenant is already queued or running, the restore waits
 * for it; when that one covered every data set needed (a full backup does), its snapshot is the undo
 * point, else one more backup of just those data sets follows.
 */
export function undoSnapshotByQueue(queue: JobQueue, tenantId: string, options: { pollMs?: number; signal?: AbortSignal } = {}): UndoSnapshot {
  return async (datasets) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { job } = await queue.enqueue<BackupJobData>({ name: BACKUP_JOB, tenantId, data: { trigger: 'manual', datasets }, retryLimit: 0 });
      const done = await finished(queue, job.id, options);
      const result = done.result as { snapshotId?: string | null; status?: string } | null;
      const covered = job.data.datasets === undefined || datasets.every((d) => job.data.datasets!.includes(d));
      if (done.state === 'completed' && typeof result?.snapshotId === 'string' && covered) return result.snapshotId;
      if (done.state !== 'completed') {
        throw new RestoreError('RESTORE_NO_UNDO_POINT', `The backup before the restore failed (${done.error?.message ?? done.state}); nothing was written. Fix the backup and try again.`);
      }
    }
    throw new RestoreError('RESTORE_NO_UNDO_POINT', 'No backup covering the data sets to restore could be taken before the restore; nothing was written. Try again.');
  };
}

async function finished(queue: JobQueue, id: string, options: { pollMs?: number; signal?: AbortSignal }): Promise<Job> {
  for (;;) {
    options.signal?.throwIfAborted();
    const job = await queue.get(id);
    if (job === undefined) throw new RestoreError('RESTORE_NO_UNDO_POINT', 'The backup before the restore was lost from the job queue; nothing was written. Try again.');
    if (job.state === 'completed' || job.state === 'failed') return job;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}
