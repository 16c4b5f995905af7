/**
 * The tables of the metadata database, as Kysely sees them. Column types are the same on SQLite and
 * PostgreSQL, so no code outside `src/db/` needs to know which one it talks to:
 * - timestamps are ISO 8601 UTC text (`2025-03-01T02:00:00.000Z`), which sorts as it reads;
 * - flags are integers 0/1 (SQLite has no boolean type);
 * - bytes are `Uint8Array` (a `Buffer` from PostgreSQL, which is one);
 * - 64-bit integers come back as numbers on both (the PostgreSQL pool is configured so).
 *
 * Every table a tenant owns carries `tenant_id`, and every query function takes the tenant id.
 */
export type TenantStatus = 'active' | 'terminated' | 'deleted';
export type FortnoxAuthMode = 'service_account' | 'refresh_token';
export type FortnoxConnectionStatus = 'ok' | 'reconnect_needed' | 'revoked';
export type BackupRunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed';
export type BackupRunDatasetStatus = 'pending' | 'running' | 'succeeded' | 'partial' | 'failed' | 'skipped';

export interface Database {
  schema_migrations: SchemaMigrationsTable;
  tenants: TenantsTable;
  fortnox_connections: FortnoxConnectionsTable;
  backup_runs: BackupRunsTable;
  backup_run_datasets: BackupRunDatasetsTable;
  backup_run_items: BackupRunItemsTable;
  backup_run_state: BackupRunStateTable;
  snapshots: SnapshotsTable;
  snapshot_datasets: SnapshotDatasetsTable;
  record_versions: RecordVersionsTable;
  restore_runs: RestoreRunsTable;
  restore_items: RestoreItemsTable;
  restore_requests: RestoreRequestsTable;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: string;
}

export interface TenantsTable {
  id: string;
  name: string;
  org_number: string | null;
  status: TenantStatus;
  created_at: string;
  /** When notice of termination was given. */
  terminated_at: string | null;
  /** When all data is due to be deleted (30 days after the end of the contract). */
  deletion_due_at: string | null;
  deleted_at: string | null;
  /** Names the tenant's data key, wrapped by the master key, that the repository uses. */
  data_key_id: string | null;
}

export interface FortnoxConnectionsTable {
  tenant_id: string;
  /** Fortnox's tenant id (`DatabaseNumber`), sent as `TenantId` with service-account tokens. */
  fortnox_tenant_id: string | null;
  auth_mode: FortnoxAuthMode;
  /** The tokens, encrypted by the caller; the database never sees them in clear. */
  token_ciphertext: Uint8Array | null;
  /** Names the key that encrypted `token_ciphertext`, so keys can be rotated. */
  token_key_id: string | null;
  access_token_expires_at: string | null;
  status: FortnoxConnectionStatus;
  status_reason: string | null;
  /** Space-separated OAuth scopes. */
  scopes: string | null;
  /** Cross-process refresh lock: whoever holds an unexpired lease is refreshing the tokens. */
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
  /** Compare-and-set: a save names the version it read; only one of two concurrent saves wins. */
  version: number;
}

export interface BackupRunsTable {
  id: string;
  tenant_id: string;
  status: BackupRunStatus;
  /** What started it: `schedule`, `manual`, `retry`… */
  trigger: string;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The snapshot this run committed, if it got that far. */
  snapshot_id: string | null;
  records: number;
  records_changed: number;
  requests: number;
  bytes_written: number;
  errors: number;
  error_code: string | null;
  error_message: string | null;
}

export interface BackupRunDatasetsTable {
  tenant_id: string;
  run_id: string;
  dataset: string;
  status: BackupRunDatasetStatus;
  started_at: string | null;
  finished_at: string | null;
  records: number;
  records_changed: number;
  requests: number;
  bytes_written: number;
  error_code: string | null;
  error_message: string | null;
}

/** An entry an unfinished run stored in flushed, indexed packs (see src/backup/journal). */
export interface BackupRunItemsTable {
  tenant_id: string;
  run_id: string;
  dataset: string;
  key: string;
  kind: 'r' | 'a';
  blob_id: string;
}

/** What a resumed run must reuse: its parent snapshot, start time and change window (JSON). */
export interface BackupRunStateTable {
  tenant_id: string;
  run_id: string;
  parent_snapshot_id: string | null;
  started_at: string;
  state: string;
}

export interface SnapshotsTable {
  tenant_id: string;
  /** The repository's id of the snapshot (hex). */
  snapshot_id: string;
  /** The tenant's snapshot sequence number; record versions are intervals of it. */
  seq: number;
  created_at: string;
  /** The backup run that wrote it; null for snapshots indexed from the repository alone. */
  run_id: string | null;
  manifest_key: string;
  format_version: number;
  indexed_at: string;
}

export interface SnapshotDatasetsTable {
  tenant_id: string;
  seq: number;
  dataset: string;
  /** 0/1: did the backup reach every record of the data set? */
  complete: number;
  record_count: number;
}

/**
 * One row per *version* of a record: the blob `blob_id` is the record `record_key` of `dataset` in
 * every snapshot with `first_seq <= seq <= last_seq`; `last_seq` is null while the version is current.
 */
export interface RecordVersionsTable {
  tenant_id: string;
  dataset: string;
  record_key: string;
  first_seq: number;
  last_seq: number | null;
  blob_id: string;
}

export type RestoreRunKind = 'registers' | 'new_company';
export type RestoreRunStatus = 'running' | 'succeeded' | 'partial' | 'failed';
export type RestoreItemStatus = 'writing' | 'done' | 'skipped' | 'failed';
export type RestoreRequestStatus = 'open' | 'in_progress' | 'done' | 'rejected';

export interface RestoreRunsTable {
  tenant_id: string;
  id: string;
  kind: RestoreRunKind;
  snapshot_id: string;
  /** The tenant whose snapshot is restored: the same tenant, or another one for a new company. */
  source_tenant_id: string;
  status: RestoreRunStatus;
  /** The snapshot taken just before writing: what to go back to. */
  undo_snapshot_id: string | null;
  /** The plan as applied, so a resumed run writes exactly the same items. */
  plan_json: string;
  report_json: string | null;
  started_by: string | null;
  started_at: string;
  finished_at: string | null;
}

/** The journal: written before (`writing`) and after each write to Fortnox. */
export interface RestoreItemsTable {
  tenant_id: string;
  run_id: string;
  /** `dataset:key:action`, unique within the run. */
  item: string;
  status: RestoreItemStatus;
  /** Where Fortnox will put it when it numbers the record itself (the next voucher number). */
  expected_key: string | null;
  /** Where Fortnox put it (voucher, supplier invoice, file id). */
  new_key: string | null;
  message: string | null;
  fortnox_code: number | null;
  updated_at: string;
}

export interface RestoreRequestsTable {
  tenant_id: string;
  id: string;
  requested_by: string;
  snapshot_id: string | null;
  /** Comma-separated data set names. */
  datasets: string | null;
  /** Comma-separated `dataset:key`. */
  records: string | null;
  description: string;
  created_at: string;
  /** created_at + 48 h: the terms' promise. */
  deadline_at: string;
  status: RestoreRequestStatus;
  handled_by: string | null;
  result: string | null;
  /** Where the restore report is (a restore run id or a file). */
  report: string | null;
  updated_at: string;
}
