import type { Db } from './open-database.ts';

/** One journaled entry: stored in a flushed, indexed pack by an earlier attempt of the run. */
export interface JournalItem {
  readonly dataset: string;
  readonly key: string;
  readonly kind: 'r' | 'a';
  readonly blobId: string;
}

export interface RunResumeState {
  readonly parentSnapshotId: string | null;
  readonly startedAt: string;
  readonly state: string;
}

/** Adds entries to a run's journal; an entry journaled again keeps its latest blob id. */
export async function journalRunItems(db: Db, tenantId: string, runId: string, items: readonly JournalItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 200) {
    const rows = items.slice(i, i + 200).map((it) => ({ tenant_id: tenantId, run_id: runId, dataset: it.dataset, key: it.key, kind: it.kind, blob_id: it.blobId }));
    await db
      .insertInto('backup_run_items')
      .values(rows)
      .onConflict((oc) => oc.columns(['tenant_id', 'run_id', 'dataset', 'key']).doUpdateSet((eb) => ({ kind: eb.ref('excluded.kind'), blob_id: eb.ref('excluded.blob_id') })))
      .execute();
  }
}

/** Every journaled entry of a run (a resumed run loads them once). */
export async function listRunItems(db: Db, tenantId: string, runId: string): Promise<JournalItem[]> {
  const rows = await db.selectFrom('backup_run_items').selectAll().where('tenant_id', '=', tenantId).where('run_id', '=', runId).execute();
  return rows.map((r) => ({ dataset: r.dataset, key: r.key, kind: r.kind, blobId: r.blob_id }));
}

/** Forgets a run's journal once its snapshot committed (or the run is abandoned). */
export async function clearRunJournal(db: Db, tenantId: string, runId: string): Promise<void> {
  await db.deleteFrom('backup_run_items').where('tenant_id', '=', tenantId).where('run_id', '=', runId).execute();
}

export async function saveRunResumeState(db: Db, tenantId: string, runId: string, s: RunResumeState): Promise<void> {
  await db
    .insertInto('backup_run_state')
    .values({ tenant_id: tenantId, run_id: runId, parent_snapshot_id: s.parentSnapshotId, started_at: s.startedAt, state: s.state })
    .onConflict((oc) => oc.columns(['tenant_id', 'run_id']).doUpdateSet({ parent_snapshot_id: s.parentSnapshotId, started_at: s.startedAt, state: s.state }))
    .execute();
}

export async function getRunResumeState(db: Db, tenantId: string, runId: string): Promise<RunResumeState | undefined> {
  const r = await db.selectFrom('backup_run_state').selectAll().where('tenant_id', '=', tenantId).where('run_id', '=', runId).executeTakeFirst();
  return r === undefined ? undefined : { parentSnapshotId: r.parent_snapshot_id, startedAt: r.started_at, state: r.state };
}
