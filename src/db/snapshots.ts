import type { Selectable } from 'kysely';
import type { SnapshotsTable } from './database.ts';
import { DatabaseError } from './errors.ts';
import type { Db } from './open-database.ts';

export interface SnapshotDataset {
  readonly dataset: string;
  /** False when the backup did not reach every record of the data set (see `indexSnapshot`). */
  readonly complete: boolean;
  /** Records in the snapshot's tree for this data set. */
  readonly count: number;
}

export interface Snapshot {
  readonly snapshotId: string;
  readonly seq: number;
  readonly createdAt: string;
  readonly runId: string | null;
  readonly manifestKey: string;
  readonly formatVersion: number;
  readonly indexedAt: string;
  readonly datasets: readonly SnapshotDataset[];
}

/** A tenant's snapshots, newest first; page with `beforeSeq` (the last `seq` of the previous page). */
export async function listSnapshots(db: Db, tenantId: string, options: { limit?: number; beforeSeq?: number } = {}): Promise<Snapshot[]> {
  let q = db.selectFrom('snapshots').selectAll().where('tenant_id', '=', tenantId).orderBy('seq', 'desc').limit(options.limit ?? 100);
  if (options.beforeSeq !== undefined) q = q.where('seq', '<', options.beforeSeq);
  return withDatasets(db, tenantId, await q.execute());
}

export async function getSnapshot(db: Db, tenantId: string, snapshotId: string): Promise<Snapshot | undefined> {
  const row = await db.selectFrom('snapshots').selectAll().where('tenant_id', '=', tenantId).where('snapshot_id', '=', snapshotId).executeTakeFirst();
  return row === undefined ? undefined : (await withDatasets(db, tenantId, [row]))[0];
}

/** The sequence number of a tenant's snapshot; a clear error when the tenant has no such snapshot. */
export async function snapshotSeq(db: Db, tenantId: string, snapshotId: string): Promise<number> {
  const row = await db.selectFrom('snapshots').select('seq').where('tenant_id', '=', tenantId).where('snapshot_id', '=', snapshotId).executeTakeFirst();
  if (row === undefined) {
    throw new DatabaseError('DB_SNAPSHOT_NOT_FOUND', `Snapshot ${snapshotId} is not in the index of tenant ${tenantId}`, {
      details: { tenantId, snapshotId },
    });
  }
  return row.seq;
}

async function withDatasets(db: Db, tenantId: string, rows: Selectable<SnapshotsTable>[]): Promise<Snapshot[]> {
  if (rows.length === 0) return [];
  const datasets = await db
    .selectFrom('snapshot_datasets')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(
      'seq',
      'in',
      rows.map((r) => r.seq),
    )
    .orderBy('seq')
    .orderBy('dataset')
    .execute();
  const bySeq = Map.groupBy(datasets, (d) => d.seq);
  return rows.map((r) => ({
    snapshotId: r.snapshot_id,
    seq: r.seq,
    createdAt: r.created_at,
    runId: r.run_id,
    manifestKey: r.manifest_key,
    formatVersion: r.format_version,
    indexedAt: r.indexed_at,
    datasets: (bySeq.get(r.seq) ?? []).map((d) => ({ dataset: d.dataset, complete: d.complete === 1, count: d.record_count })),
  }));
}
