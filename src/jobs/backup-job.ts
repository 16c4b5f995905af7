import type { AppContext } from '../app.ts';
import type { Db } from '../db/index.ts';
import { NoxError } from '../errors.ts';
import type { FortnoxReader } from '../fortnox/reader.ts';
import type { Repository } from '../repository/repository.ts';
import type { Job, JobQueue } from './job-queue.ts';
import { BACKUP_JOB, type BackupJobData } from './scheduler.ts';

/** A progress event of a backup run (for the CLI's bar and the web UI). */
export interface BackupProgress {
  readonly runId: string;
  readonly dataset: string;
  readonly done: number;
  readonly total: number | null;
  readonly requests: number;
  readonly bytes: number;
  readonly etaSeconds: number | null;
  readonly phase: string;
}

export interface BackupDatasetResult {
  readonly dataset: string;
  readonly status: string;
  readonly records?: number;
  readonly added?: number;
  readonly changed?: number;
  readonly removed?: number;
  readonly requests?: number;
  readonly bytes?: number;
  readonly error?: { readonly code?: string; readonly message: string } | undefined;
}

export interface BackupResult {
  readonly runId: string;
  readonly status: 'succeeded' | 'partial' | 'failed';
  readonly snapshotId: string | null;
  readonly datasets: readonly BackupDatasetResult[];
  readonly requests: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly warnings: readonly string[];
  readonly error?: { readonly code: string; readonly message: string } | undefined;
}

export interface BackupDeps {
  readonly db: Db;
  readonly repository: Repository;
  readonly reader: FortnoxReader;
  readonly tenantId: string;
  readonly now?: () => Date;
}

export interface BackupOptions {
  readonly datasets?: readonly string[];
  readonly trigger?: 'manual' | 'schedule' | 'demo';
  readonly onProgress?: (e: BackupProgress) => void;
  readonly signal?: AbortSignal;
  readonly resumeRunId?: string;
}

export type RunBackup = (deps: BackupDeps, options?: BackupOptions) => Promise<BackupResult>;

// Loaded by a computed specifier so this module builds while the backup engine is landing in parallel;
// the types above mirror its signature. Replace with a static import of '../backup/index.ts' once it is in.
const RUN_MODULE = '../backup/index.ts';

/** The backup engine's `runBackup`, or a clear `BACKUP_ENGINE_MISSING` error when this build has none. */
export async function loadRunBackup(): Promise<RunBackup> {
  let mod: { runBackup?: RunBackup };
  try {
    mod = (await import(RUN_MODULE)) as { runBackup?: RunBackup };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('/backup/index.ts')) {
      throw new NoxError('BACKUP_ENGINE_MISSING', 'This build has no backup engine yet (src/backup/index.ts).', { cause: err });
    }
    throw err;
  }
  if (typeof mod.runBackup !== 'function') throw new NoxError('BACKUP_ENGINE_MISSING', 'src/backup/index.ts exports no runBackup function.');
  return mod.runBackup;
}

/** One backup of one tenant: the same code path for the CLI, the scheduler's jobs and the web app. */
export async function backupTenant(app: AppContext, tenantId: string, options: BackupOptions = {}): Promise<BackupResult> {
  const runBackup = await loadRunBackup();
  const [repository, reader] = await Promise.all([app.repositoryFor(tenantId), app.readerFor(tenantId)]);
  return runBackup({ db: app.db, repository, reader, tenantId }, options);
}

/** Registers the backup handler on a queue. A run that ends `failed` fails the job (so it is retried). */
export async function workBackups(app: AppContext, queue: JobQueue, options: { concurrency?: number; run?: typeof backupTenant } = {}): Promise<void> {
  const run = options.run ?? backupTenant;
  await queue.work<BackupJobData>(
    BACKUP_JOB,
    async (job: Job<BackupJobData>, signal) => {
      const result = await run(app, job.tenantId, {
        trigger: job.data.trigger,
        signal,
        ...(job.data.datasets === undefined ? {} : { datasets: job.data.datasets }),
      });
      if (result.status === 'failed') {
        const code = result.error?.code ?? 'BACKUP_FAILED';
        const err = new NoxError(code, `Backup run ${result.runId} of tenant ${job.tenantId} failed${result.error === undefined ? '' : `: ${result.error.message}`}`, { details: { runId: result.runId } });
        // Waiting does not bring a withdrawn consent back; the customer must reconnect.
        throw Object.assign(err, { retryable: code !== 'FORTNOX_RECONNECT_NEEDED' });
      }
      return { runId: result.runId, status: result.status, snapshotId: result.snapshotId };
    },
    { concurrency: options.concurrency ?? 4 },
  );
}
