import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { BackupRunDatasetStatus, BackupRunDatasetsTable, BackupRunStatus, BackupRunsTable } from './database.ts';
import { DatabaseError } from './errors.ts';
import type { Db } from './open-database.ts';

export interface BackupRunCounts {
  readonly records: number;
  readonly recordsChanged: number;
  readonly requests: number;
  readonly bytesWritten: number;
}

export interface BackupRun extends BackupRunCounts {
  readonly id: string;
  readonly tenantId: string;
  readonly status: BackupRunStatus;
  readonly trigger: string;
  readonly queuedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly snapshotId: string | null;
  readonly errors: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

export interface BackupRunDataset extends BackupRunCounts {
  readonly dataset: string;
  readonly status: BackupRunDatasetStatus;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

const ZERO = { records: 0, records_changed: 0, requests: 0, bytes_written: 0 };

export async function createBackupRun(db: Db, tenantId: string, input: { id?: string; trigger: string; queuedAt?: Date }): Promise<BackupRun> {
  const row = {
    tenant_id: tenantId,
    id: input.id ?? randomUUID(),
    status: 'queued' as const,
    trigger: input.trigger,
    queued_at: (input.queuedAt ?? new Date()).toISOString(),
    started_at: null,
    finished_at: null,
    snapshot_id: null,
    ...ZERO,
    errors: 0,
    error_code: null,
    error_message: null,
  };
  await db.insertInto('backup_runs').values(row).execute();
  return toRun(row);
}

export async function startBackupRun(db: Db, tenantId: string, runId: string, at: Date = new Date()): Promise<void> {
  await updateRun(db, tenantId, runId, { status: 'running', started_at: at.toISOString() });
}

export interface BackupRunOutcome extends Partial<BackupRunCounts> {
  readonly status: Extract<BackupRunStatus, 'succeeded' | 'partial' | 'failed'>;
  readonly snapshotId?: string | null;
  readonly errors?: number;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  readonly finishedAt?: Date;
}

export async function finishBackupRun(db: Db, tenantId: string, runId: string, outcome: BackupRunOutcome): Promise<void> {
  await updateRun(db, tenantId, runId, {
    status: outcome.status,
    finished_at: (outcome.finishedAt ?? new Date()).toISOString(),
    snapshot_id: outcome.snapshotId ?? null,
    records: outcome.records ?? 0,
    records_changed: outcome.recordsChanged ?? 0,
    requests: outcome.requests ?? 0,
    bytes_written: outcome.bytesWritten ?? 0,
    errors: outcome.errors ?? 0,
    error_code: outcome.errorCode ?? null,
    error_message: outcome.errorMessage ?? null,
  });
}

export interface BackupRunDatasetProgress extends Partial<BackupRunCounts> {
  readonly status: BackupRunDatasetStatus;
  readonly startedAt?: Date | null;
  readonly finishedAt?: Date | null;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
}

/** Records where a run stands with one data set; called as it progresses, the last call wins (a start time, once set, stays). */
export async function saveBackupRunDataset(db: Db, tenantId: string, runId: string, dataset: string, p: BackupRunDatasetProgress): Promise<void> {
  const columns = {
    status: p.status,
    started_at: p.startedAt?.toISOString() ?? null,
    finished_at: p.finishedAt?.toISOString() ?? null,
    records: p.records ?? 0,
    records_changed: p.recordsChanged ?? 0,
    requests: p.requests ?? 0,
    bytes_written: p.bytesWritten ?? 0,
    error_code: p.errorCode ?? null,
    error_message: p.errorMessage ?? null,
  };
  await db
    .insertInto('backup_run_datasets')
    .values({ tenant_id: tenantId, run_id: runId, dataset, ...columns })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'run_id', 'dataset']).doUpdateSet((eb) => ({
        ...columns,
        started_at: eb.fn.coalesce(eb.ref('excluded.started_at'), eb.ref('backup_run_datasets.started_at')),
      })),
    )
    .execute();
}

export async function getBackupRun(db: Db, tenantId: string, runId: string): Promise<(BackupRun & { datasets: BackupRunDataset[] }) | undefined> {
  const row = await db.selectFrom('backup_runs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', runId).executeTakeFirst();
  if (row === undefined) return undefined;
  const datasets = await db
    .selectFrom('backup_run_datasets')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('run_id', '=', runId)
    .orderBy('dataset')
    .execute();
  return { ...toRun(row), datasets: datasets.map(toRunDataset) };
}

/** A tenant's runs, newest first; page with `before` (the `queuedAt` of the previous page's last run). */
export async function listBackupRuns(db: Db, tenantId: string, options: { limit?: number; before?: string } = {}): Promise<BackupRun[]> {
  let q = db
    .selectFrom('backup_runs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('queued_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50);
  if (options.before !== undefined) q = q.where('queued_at', '<', options.before);
  return (await q.execute()).map(toRun);
}

async function updateRun(db: Db, tenantId: string, runId: string, set: Partial<Omit<BackupRunsTable, 'tenant_id' | 'id'>>): Promise<void> {
  const r = await db.updateTable('backup_runs').set(set).where('tenant_id', '=', tenantId).where('id', '=', runId).executeTakeFirst();
  if (r.numUpdatedRows !== 1n) {
    throw new DatabaseError('DB_RUN_NOT_FOUND', `Tenant ${tenantId} has no backup run ${runId}`, { details: { tenantId, runId } });
  }
}

function toRun(r: Selectable<BackupRunsTable>): BackupRun {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    status: r.status,
    trigger: r.trigger,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    snapshotId: r.snapshot_id,
    records: r.records,
    recordsChanged: r.records_changed,
    requests: r.requests,
    bytesWritten: r.bytes_written,
    errors: r.errors,
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}

function toRunDataset(r: Selectable<BackupRunDatasetsTable>): BackupRunDataset {
  return {
    dataset: r.dataset,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    records: r.records,
    recordsChanged: r.records_changed,
    requests: r.requests,
    bytesWritten: r.bytes_written,
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}
