import type { Db } from '../db/open-database.ts';
import { clearTenantIndex, indexSnapshot, type IndexSnapshotResult, type RecordEntry } from '../db/snapshot-index.ts';
import { listSnapshots as listIndexedSnapshots } from '../db/snapshots.ts';
import { compareRecordKeys } from '../db/record-keys.ts';
import { FORMAT_VERSION, type SnapshotInfo } from './manifest.ts';
import type { Repository } from './repository.ts';

/**
 * Feeds snapshots from the repository (the truth) into the database's snapshot and record-version
 * index (a cache of it). The index's `seq` is the snapshot's place in the tenant's history: one more
 * than the latest indexed when a snapshot is added, 1…n in time order when the index is rebuilt.
 */

/**
 * Every record of a snapshot, data set by data set, each in the index's key order (code points; the
 * trees use UTF-16 code units, which differ only for keys beyond the BMP). Holds one data set's keys and
 * blob ids, never records.
 */
async function* entriesOf(repo: Repository, snap: SnapshotInfo): AsyncGenerator<RecordEntry> {
  for (const dataset of Object.keys(snap.datasets).sort(compareRecordKeys)) {
    const entries: RecordEntry[] = [];
    for await (const e of repo.listEntries(snap.id, dataset)) entries.push({ dataset, key: e.key, blobId: e.id });
    yield* entries.sort((a, b) => compareRecordKeys(a.key, b.key));
  }
}

function toIndex(repo: Repository, snap: SnapshotInfo, seq: number) {
  return {
    snapshotId: snap.id,
    seq,
    createdAt: snap.time,
    runId: typeof snap.run.runId === 'string' ? snap.run.runId : null,
    manifestKey: repo.vault.layout.snapshotKey(snap.id),
    formatVersion: snap.version ?? FORMAT_VERSION,
    datasets: Object.entries(snap.datasets).map(([dataset, d]) => ({ dataset, complete: d.complete, count: d.count })),
  };
}

/** Indexes a snapshot just committed (idempotent: indexing it again is a no-op). */
export async function indexCommittedSnapshot(db: Db, repo: Repository, snap: SnapshotInfo): Promise<IndexSnapshotResult> {
  const [latest] = await listIndexedSnapshots(db, repo.tenantId, { limit: 1 });
  if (latest?.snapshotId === snap.id) return { alreadyIndexed: true, datasets: [] };
  return indexSnapshot(db, repo.tenantId, toIndex(repo, snap, (latest?.seq ?? 0) + 1), entriesOf(repo, snap));
}

/**
 * Throws the tenant's index away and rebuilds it from the repository alone: every snapshot, oldest
 * first. Returns how many snapshots were indexed.
 */
export async function rebuildTenantIndex(db: Db, repo: Repository): Promise<number> {
  await clearTenantIndex(db, repo.tenantId);
  const snapshots = await repo.listSnapshots();
  let seq = 0;
  for (const snap of snapshots) await indexSnapshot(db, repo.tenantId, toIndex(repo, snap, ++seq), entriesOf(repo, snap));
  return snapshots.length;
}
