/** The metadata database (DESIGN.md §2): an index of the repository plus tenants, connections and runs. */
export { openDatabase, defaultSqlitePath, type Db, type DatabaseConfig } from './open-database.ts';
export type * from './database.ts';
export { DatabaseError } from './errors.ts';
export { migrateToLatest } from './migrate.ts';
export { inTransaction } from './transaction.ts';
export { compareRecordKeys } from './record-keys.ts';
export * from './tenants.ts';
export * from './fortnox-connections.ts';
export * from './backup-runs.ts';
export { listSnapshots, getSnapshot, type Snapshot, type SnapshotDataset } from './snapshots.ts';
export {
  indexSnapshot,
  deleteSnapshotFromIndex,
  clearTenantIndex,
  type SnapshotToIndex,
  type RecordEntry,
  type IndexSnapshotResult,
  type IndexedDataset,
} from './snapshot-index.ts';
export {
  listRecordsAt,
  recordHistory,
  diffSnapshots,
  MAX_PAGE_SIZE,
  type RecordAt,
  type RecordPage,
  type RecordVersion,
  type SnapshotRef,
  type SnapshotDiff,
} from './record-versions.ts';
export * from './backup-run-journal.ts';
