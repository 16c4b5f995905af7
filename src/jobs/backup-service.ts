import type { AppContext } from '../app.ts';
import { listTenants } from '../db/index.ts';
import { backupWindowFromEnv, type BackupWindow } from './backup-window.ts';
import { workBackups, type AfterBackup, type backupTenant } from './backup-job.ts';
import type { JobQueue } from './job-queue.ts';
import { MemoryJobQueue } from './memory-job-queue.ts';
import { Scheduler } from './scheduler.ts';

export interface BackupService {
  readonly queue: JobQueue;
  readonly scheduler: Scheduler;
  stop(): Promise<void>;
}

/**
 * The server's backup machinery: a queue (in-process unless given), the backup handler on it, and the
 * nightly scheduler over the active tenants. `tickMs: 0` leaves ticking to the caller (tests).
 */
export async function startBackupService(
  app: AppContext,
  options: { queue?: JobQueue; window?: BackupWindow; concurrency?: number; tickMs?: number; now?: () => Date; run?: typeof backupTenant; afterBackup?: AfterBackup } = {},
): Promise<BackupService> {
  const queue = options.queue ?? new MemoryJobQueue();
  await workBackups(app, queue, {
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.run === undefined ? {} : { run: options.run }),
    ...(options.afterBackup === undefined ? {} : { afterBackup: options.afterBackup }),
  });
  const scheduler = new Scheduler({
    queue,
    window: options.window ?? backupWindowFromEnv(),
    tenants: async () => (await listTenants(app.db, { status: 'active' })).map((t) => t.id),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  if (options.tickMs !== 0) scheduler.start(options.tickMs);
  return {
    queue,
    scheduler,
    stop: async () => {
      scheduler.stop();
      await queue.stop();
    },
  };
}
