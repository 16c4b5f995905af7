import type { Selectable } from 'kysely';
import type { RestoreItemStatus, RestoreItemsTable, RestoreRunKind, RestoreRunStatus, RestoreRunsTable } from './database.ts';
import type { Db } from './open-database.ts';

export interface RestoreRun {
  readonly tenantId: string;
  readonly id: string;
  readonly kind: RestoreRunKind;
  readonly snapshotId: string;
  readonly sourceTenantId: string;
  readonly status: RestoreRunStatus;
  readonly undoSnapshotId: string | null;
  readonly planJson: string;
  readonly reportJson: string | null;
  readonly startedBy: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

export interface RestoreItemRow {
  readonly item: string;
  readonly status: RestoreItemStatus;
  readonly expectedKey: string | null;
  readonly newKey: string | null;
  readonly message: string | null;
  readonly fortnoxCode: number | null;
  readonly updatedAt: string;
}

export async function createRestoreRun(db: Db, input: Omit<RestoreRun, 'status' | 'reportJson' | 'finishedAt' | 'undoSnapshotId'>): Promise<RestoreRun> {
  const row = {
    tenant_id: input.tenantId, id: input.id, kind: input.kind, snapshot_id: input.snapshotId, source_tenant_id: input.sourceTenantId,
    status: 'running' as const, undo_snapshot_id: null, plan_json: input.planJson, report_json: null, started_by: input.startedBy,
    started_at: input.startedAt, finished_at: null,
  };
  await db.insertInto('restore_runs').values(row).execute();
  return toRun(row);
}

export async function getRestoreRun(db: Db, tenantId: string, id: string): Promise<RestoreRun | undefined> {
  const row = await db.selectFrom('restore_runs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRun(row);
}

export async function listRestoreRuns(db: Db, tenantId: string): Promise<RestoreRun[]> {
  const rows = await db.selectFrom('restore_runs').selectAll().where('tenant_id', '=', tenantId).orderBy('started_at', 'desc').execute();
  return rows.map(toRun);
}

export async function updateRestoreRun(
  db: Db,
  tenantId: string,
  id: string,
  changes: { status?: RestoreRunStatus; undoSnapshotId?: string | null; reportJson?: string; finishedAt?: string | null },
): Promise<void> {
  await db
    .updateTable('restore_runs')
    .set({
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.undoSnapshotId === undefined ? {} : { undo_snapshot_id: changes.undoSnapshotId }),
      ...(changes.reportJson === undefined ? {} : { report_json: changes.reportJson }),
      ...(changes.finishedAt === undefined ? {} : { finished_at: changes.finishedAt }),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** Writes one journal row (insert or replace): called before a write to Fortnox and again after it. */
export async function journalRestoreItem(
  db: Db,
  tenantId: string,
  runId: string,
  item: string,
  entry: { status: RestoreItemStatus; expectedKey?: string | null; newKey?: string | null; message?: string | null; fortnoxCode?: number | null; at?: Date },
): Promise<void> {
  const values = {
    status: entry.status,
    expected_key: entry.expectedKey ?? null,
    new_key: entry.newKey ?? null,
    message: entry.message ?? null,
    fortnox_code: entry.fortnoxCode ?? null,
    updated_at: (entry.at ?? new Date()).toISOString(),
  };
  await db
    .insertInto('restore_items')
    .values({ tenant_id: tenantId, run_id: runId, item, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'run_id', 'item']).doUpdateSet(values))
    .execute();
}

export async function restoreJournal(db: Db, tenantId: string, runId: string): Promise<Map<string, RestoreItemRow>> {
  const rows = await db.selectFrom('restore_items').selectAll().where('tenant_id', '=', tenantId).where('run_id', '=', runId).execute();
  return new Map(rows.map((r) => [r.item, toItem(r)]));
}

function toRun(r: Selectable<RestoreRunsTable>): RestoreRun {
  return {
    tenantId: r.tenant_id, id: r.id, kind: r.kind, snapshotId: r.snapshot_id, sourceTenantId: r.source_tenant_id, status: r.status,
    undoSnapshotId: r.undo_snapshot_id, planJson: r.plan_json, reportJson: r.report_json, startedBy: r.started_by, startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

function toItem(r: Selectable<RestoreItemsTable>): RestoreItemRow {
  return {
    item: r.item, status: r.status, expectedKey: r.expected_key, newKey: r.new_key, message: r.message,
    fortnoxCode: r.fortnox_code === null ? null : Number(r.fortnox_code), updatedAt: r.updated_at,
  };
}
