import type { AppContext } from '../app.ts';
import { getTenant, listTenants } from '../db/index.ts';
import { NoxError } from '../errors.ts';
import { backupsAllowed } from '../lifecycle/termination.ts';
import { backupWindowFromEnv, type BackupWindow } from './backup-window.ts';
import { backupTenant, workBackups, type AfterBackup } from './backup-job.ts';
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
 * A tenant whose notice of termination has ended, or whose deletion is due or under way, is neither
 * scheduled nor backed up by a job queued earlier or by hand (`backupsAllowed`).
 */
export async function startBackupService(
  app: AppContext,
  options: { queue?: JobQueue; window?: BackupWindow; concurrency?: number; tickMs?: number; now?: () => Date; run?: typeof backupTenant; afterBackup?: AfterBackup } = {},
): Promise<BackupService> {
  const queue = options.queue ?? new MemoryJobQueue();
  const now = options.now ?? (() => new Date());
  const run = options.run ?? backupTenant;
  await workBackups(app, queue, {
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    run: async (a, tenantId, o) => {
      const tenant = await getTenant(a.db, tenantId);
      if (tenant === undefined || !backupsAllowed(tenant, now())) {
        throw new NoxError('TENANT_SERVICE_ENDED', `Tenant ${tenantId} is no longer backed up: its notice of termination has ended or its backups are being deleted`, { details: { tenantId } });
      }
      return run(a, tenantId, o);
    },
    ...(options.afterBackup === undefined ? {} : { afterBackup: options.afterBackup }),
  });
  const scheduler = new Scheduler({
    queue,
    window: options.window ?? backupWindowFromEnv(),
    tenants: async () => {
      const at = now();
      return (await listTenants(app.db, { status: 'active' })).filter((t) => backupsAllowed(t, at)).map((t) => t.id);
    },
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
