import type { AppContext } from '../app.ts';
import { alertsAfterBackup } from '../alerts/detect.ts';
import { runBackup, type BackupOptions, type BackupResult } from '../backup/index.ts';
import { listBackupRuns, type BackupRun } from '../db/index.ts';
import { NoxError } from '../errors.ts';
import type { Job, JobQueue } from './job-queue.ts';
import { runSampledVerification } from '../verify/verify.ts';
import { BACKUP_JOB, type BackupJobData } from './scheduler.ts';

/**
 * One backup of one tenant: the same code path for the CLI, the scheduler's jobs and the web app. Raises
 * and resolves the tenant's alerts after every run; an error doing so is logged, never the run's failure.
 */
export async function backupTenant(app: AppContext, tenantId: string, options: BackupOptions = {}): Promise<BackupResult> {
  let result: BackupResult;
  try {
    const [repository, reader] = await Promise.all([app.repositoryFor(tenantId), app.readerFor(tenantId)]);
    result = await runBackup({ db: app.db, repository, reader, tenantId }, options);
  } catch (err) {
    // A resume request for a run that is gone or finished is bookkeeping (the job starts afresh), not a failed backup.
    if (!NOT_A_FAILURE.has((err as { code?: string }).code ?? '')) await raiseAlerts(app, tenantId, { error: err });
    throw err;
  }
  await raiseAlerts(app, tenantId, { result });
  return result;
}

const NOT_A_FAILURE = new Set(['BACKUP_RUN_NOT_FOUND', 'BACKUP_RUN_FINISHED']);

async function raiseAlerts(app: AppContext, tenantId: string, outcome: Parameters<typeof alertsAfterBackup>[2]): Promise<void> {
  await alertsAfterBackup(app, tenantId, outcome).catch((err: unknown) => console.error(`noxbackup: alerts for tenant ${tenantId}: ${(err as Error).message}`));
}

/**
 * The tenant's latest run when it is still marked running: a process died in it, or another process is
 * running it now (the caller decides which, e.g. the job queue knows it runs nothing for the tenant).
 */
export async function unfinishedRun(app: AppContext, tenantId: string): Promise<BackupRun | undefined> {
  const [latest] = await listBackupRuns(app.db, tenantId, { limit: 1 });
  return latest?.status === 'running' && latest.snapshotId === null ? latest : undefined;
}

/** Failures that waiting cannot fix: the customer must reconnect, or an operator must restore a key. */
const NOT_RETRYABLE = new Set(['FORTNOX_RECONNECT_NEEDED', 'TENANT_NOT_CONNECTED', 'FORTNOX_TOKEN_UNREADABLE', 'REPO_WRONG_KEY', 'TENANT_SERVICE_ENDED', 'TENANT_DELETED']);

/** What runs after every scheduled backup that committed a snapshot (its report is stored in the database). */
export type AfterBackup = (app: AppContext, tenantId: string) => Promise<{ ok: boolean; errors: number; warnings: number }>;

/**
 * Registers the backup handler on a queue. A run that ends `failed` fails the job (retried unless
 * hopeless). After a scheduled run that committed a snapshot, a sampled verification runs (DESIGN.md §3:
 * every night reads and checks a rotating tenth of the repository, so all of it is read every ten
 * nights); its findings are stored with the run and never fail the backup job.
 */
export async function workBackups(app: AppContext, queue: JobQueue, options: { concurrency?: number; run?: typeof backupTenant; afterBackup?: AfterBackup } = {}): Promise<void> {
  const run = options.run ?? backupTenant;
  const afterBackup = options.afterBackup ?? runSampledVerification;
  await queue.work<BackupJobData>(
    BACKUP_JOB,
    async (job: Job<BackupJobData>, signal) => {
      let result: BackupResult;
      try {
        // The queue runs one job per tenant, so a run still marked running was interrupted: continue it
        // without refetching what it stored.
        const interrupted = await unfinishedRun(app, job.tenantId);
        const options = { trigger: job.data.trigger, signal, ...(job.data.datasets === undefined ? {} : { datasets: job.data.datasets }) };
        result = await run(app, job.tenantId, interrupted === undefined ? options : { ...options, resumeRunId: interrupted.id }).catch((err: unknown) => {
          if ((err as { code?: string }).code !== 'BACKUP_RUN_NOT_FOUND') throw err;
          return run(app, job.tenantId, options);
        });
      } catch (err) {
        throw Object.assign(err as Error, { retryable: !NOT_RETRYABLE.has((err as { code?: string }).code ?? '') });
      }
      if (result.status === 'failed') {
        const code = result.error?.code ?? 'BACKUP_FAILED';
        const err = new NoxError(code, `Backup run ${result.runId} of tenant ${job.tenantId} failed${result.error === undefined ? '' : `: ${result.error.message}`}`, { details: { runId: result.runId } });
        throw Object.assign(err, { retryable: !NOT_RETRYABLE.has(code) });
      }
      let verification: { ok: boolean; errors: number; warnings: number } | { failed: string } | undefined;
      if (job.data.trigger === 'schedule' && result.snapshotId !== null) {
        verification = await afterBackup(app, job.tenantId).then(
          (r) => ({ ok: r.ok, errors: r.errors, warnings: r.warnings }),
          (err: unknown) => ({ failed: err instanceof Error ? err.message : String(err) }),
        );
      }
      return { runId: result.runId, status: result.status, snapshotId: result.snapshotId, ...(verification === undefined ? {} : { verification }) };
    },
    { concurrency: options.concurrency ?? 4 },
  );
}
