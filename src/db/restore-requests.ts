import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { RestoreRequestStatus, RestoreRequestsTable } from './database.ts';
import { DatabaseError } from './errors.ts';
import type { Db } from './open-database.ts';

/** The terms promise an assisted restore within 48 hours of the request. */
export const RESTORE_REQUEST_DEADLINE_MS = 48 * 60 * 60 * 1000;

export interface RestoreRequest {
  readonly tenantId: string;
  readonly id: string;
  readonly requestedBy: string;
  readonly snapshotId: string | null;
  readonly datasets: readonly string[];
  /** `dataset:key` */
  readonly records: readonly string[];
  readonly description: string;
  readonly createdAt: string;
  readonly deadlineAt: string;
  readonly status: RestoreRequestStatus;
  readonly handledBy: string | null;
  readonly result: string | null;
  readonly report: string | null;
  readonly updatedAt: string;
}

export interface NewRestoreRequest {
  readonly id?: string;
  readonly requestedBy: string;
  readonly snapshotId?: string | null;
  readonly datasets?: readonly string[];
  readonly records?: readonly string[];
  readonly description: string;
  readonly createdAt?: Date;
}

export async function createRestoreRequest(db: Db, tenantId: string, input: NewRestoreRequest): Promise<RestoreRequest> {
  const created = input.createdAt ?? new Date();
  const row = {
    tenant_id: tenantId,
    id: input.id ?? randomUUID(),
    requested_by: input.requestedBy,
    snapshot_id: input.snapshotId ?? null,
    datasets: input.datasets === undefined || input.datasets.length === 0 ? null : input.datasets.join(','),
    records: input.records === undefined || input.records.length === 0 ? null : input.records.join(','),
    description: input.description,
    created_at: created.toISOString(),
    deadline_at: new Date(created.getTime() + RESTORE_REQUEST_DEADLINE_MS).toISOString(),
    status: 'open' as const,
    handled_by: null,
    result: null,
    report: null,
    updated_at: created.toISOString(),
  };
  await db.insertInto('restore_requests').values(row).execute();
  return toRequest(row);
}

export async function getRestoreRequest(db: Db, tenantId: string, id: string): Promise<RestoreRequest | undefined> {
  const row = await db.selectFrom('restore_requests').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRequest(row);
}

/** Requests, earliest deadline first; without a tenant, every tenant's (the operators' queue). */
export async function listRestoreRequests(db: Db, options: { tenantId?: string; status?: readonly RestoreRequestStatus[] } = {}): Promise<RestoreRequest[]> {
  let q = db.selectFrom('restore_requests').selectAll();
  if (options.tenantId !== undefined) q = q.where('tenant_id', '=', options.tenantId);
  if (options.status !== undefined && options.status.length > 0) q = q.where('status', 'in', [...options.status]);
  const rows = await q.orderBy('deadline_at').orderBy('id').execute();
  return rows.map(toRequest);
}

export async function updateRestoreRequest(
  db: Db,
  tenantId: string,
  id: string,
  changes: { status?: RestoreRequestStatus; handledBy?: string | null; result?: string | null; report?: string | null; at?: Date },
): Promise<RestoreRequest> {
  const res = await db
    .updateTable('restore_requests')
    .set({
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.handledBy === undefined ? {} : { handled_by: changes.handledBy }),
      ...(changes.result === undefined ? {} : { result: changes.result }),
      ...(changes.report === undefined ? {} : { report: changes.report }),
      updated_at: (changes.at ?? new Date()).toISOString(),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new DatabaseError('DB_NOT_FOUND', `No restore request ${id} for tenant ${tenantId}.`);
  return (await getRestoreRequest(db, tenantId, id))!;
}

function toRequest(r: Selectable<RestoreRequestsTable>): RestoreRequest {
  return {
    tenantId: r.tenant_id, id: r.id, requestedBy: r.requested_by, snapshotId: r.snapshot_id,
    datasets: r.datasets === null ? [] : r.datasets.split(','), records: r.records === null ? [] : r.records.split(','),
    description: r.description, createdAt: r.created_at, deadlineAt: r.deadline_at, status: r.status, handledBy: r.handled_by,
    result: r.result, report: r.report, updatedAt: r.updated_at,
  };
}
