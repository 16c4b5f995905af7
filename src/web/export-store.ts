/**
 * Web exports in the database (`exports`, migration 0005) and on disk: every query takes the tenant id,
 * so another tenant's export id finds nothing. The ZIPs live under the data directory,
 * `<dataDir>/exports/<tenantId>/<exportId>.zip`, written as `.partial` and renamed when complete.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Selectable } from 'kysely';
import type { Db, ExportStatus, ExportsTable } from '../db/index.ts';

/** A finished export's file is kept this long, then deleted (the row stays, without a path). */
export const EXPORT_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

export interface WebExport {
  readonly tenantId: string;
  readonly id: string;
  readonly snapshotId: string;
  readonly status: ExportStatus;
  readonly files: number;
  readonly bytes: number;
  /** The ZIP on disk; null while running, after a failure and once deleted for age. */
  readonly path: string | null;
  readonly errorMessage: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Export ids are UUIDs: anything else is not looked up (and never becomes part of a path). */
export function isExportId(id: string): boolean {
  return ID.test(id);
}

export function exportDir(dataDir: string, tenantId: string): string {
  return join(dataDir, 'exports', tenantId);
}

export function exportFile(dataDir: string, tenantId: string, id: string): string {
  if (!isExportId(id) || !/^[A-Za-z0-9-]{1,64}$/.test(tenantId)) throw new RangeError(`Bad export id ${id} or tenant ${tenantId}`);
  return join(exportDir(dataDir, tenantId), `${id}.zip`);
}

export async function insertExport(db: Db, row: { tenantId: string; id: string; snapshotId: string; createdBy: string; createdAt: Date }): Promise<void> {
  await db
    .insertInto('exports')
    .values({
      tenant_id: row.tenantId, id: row.id, snapshot_id: row.snapshotId, status: 'running', files: 0, bytes: 0, path: null, error_message: null,
      created_by: row.createdBy, created_at: row.createdAt.toISOString(), finished_at: null,
    })
    .execute();
}

export async function updateExport(
  db: Db,
  tenantId: string,
  id: string,
  changes: { status?: ExportStatus; files?: number; bytes?: number; path?: string | null; errorMessage?: string | null; finishedAt?: Date },
): Promise<void> {
  await db
    .updateTable('exports')
    .set({
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.files === undefined ? {} : { files: changes.files }),
      ...(changes.bytes === undefined ? {} : { bytes: changes.bytes }),
      ...(changes.path === undefined ? {} : { path: changes.path }),
      ...(changes.errorMessage === undefined ? {} : { error_message: changes.errorMessage }),
      ...(changes.finishedAt === undefined ? {} : { finished_at: changes.finishedAt.toISOString() }),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function getExport(db: Db, tenantId: string, id: string): Promise<WebExport | undefined> {
  if (!isExportId(id)) return undefined;
  const row = await db.selectFrom('exports').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toExport(row);
}

/** A tenant's exports, newest first, one page (`limit + 1` rows are read so the caller knows if there is more). */
export async function listExports(db: Db, tenantId: string, options: { limit: number; offset: number }): Promise<{ rows: WebExport[]; more: boolean }> {
  const rows = await db
    .selectFrom('exports')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(options.limit + 1)
    .offset(options.offset)
    .execute();
  return { rows: rows.slice(0, options.limit).map(toExport), more: rows.length > options.limit };
}

export async function runningExport(db: Db, tenantId: string): Promise<WebExport | undefined> {
  const row = await db.selectFrom('exports').selectAll().where('tenant_id', '=', tenantId).where('status', '=', 'running').executeTakeFirst();
  return row === undefined ? undefined : toExport(row);
}

/**
 * Exports still `running` in the database when the server starts were cut off by a restart (the tasks
 * run in the web process): they are marked failed. Assumes one web process per database.
 */
export async function failInterruptedExports(db: Db, at: Date): Promise<void> {
  await db
    .updateTable('exports')
    .set({ status: 'failed', error_message: 'Interrupted: the server restarted while the export ran. Start it again.', finished_at: at.toISOString() })
    .where('status', '=', 'running')
    .execute();
}

/** Deletes the ZIPs of a tenant's exports older than EXPORT_KEEP_MS; their rows stay, with no path. */
export async function pruneExports(db: Db, tenantId: string, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - EXPORT_KEEP_MS).toISOString();
  const old = await db
    .selectFrom('exports')
    .select(['id', 'path'])
    .where('tenant_id', '=', tenantId)
    .where('status', '!=', 'running')
    .where('path', 'is not', null)
    .where('created_at', '<', cutoff)
    .execute();
  for (const row of old) {
    if (row.path !== null) await rm(row.path, { force: true });
    await updateExport(db, tenantId, row.id, { path: null });
  }
  return old.length;
}

function toExport(r: Selectable<ExportsTable>): WebExport {
  return {
    tenantId: r.tenant_id, id: r.id, snapshotId: r.snapshot_id, status: r.status, files: Number(r.files), bytes: Number(r.bytes), path: r.path,
    errorMessage: r.error_message, createdBy: r.created_by, createdAt: r.created_at, finishedAt: r.finished_at,
  };
}
