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
  organisations: OrganisationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  org_companies: OrgCompaniesTable;
  company_assignments: CompanyAssignmentsTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
  password_resets: PasswordResetsTable;
  login_attempts: LoginAttemptsTable;
  audit_log: AuditLogTable;
  alerts: AlertsTable;
  oauth_connects: OAuthConnectsTable;
  exports: ExportsTable;
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

export type OrganisationKind = 'company' | 'firm';
export type OrganisationStatus = 'active' | 'terminated';
export type Role = 'admin' | 'user' | 'readonly';
export type Locale = 'sv' | 'en';
export type AlertSeverity = 'critical' | 'warning' | 'info';
export type ExportStatus = 'running' | 'succeeded' | 'failed';

/** A customer: one company, or an accounting firm (byrå) with many client companies. */
export interface OrganisationsTable {
  id: string;
  kind: OrganisationKind;
  name: string;
  org_number: string | null;
  /** The subscription plan's name. */
  plan: string;
  status: OrganisationStatus;
  created_at: string;
  terminated_at: string | null;
}

export interface UsersTable {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  /** argon2id in PHC string form. */
  password_hash: string;
  locale: Locale;
  /** The TOTP secret, encrypted under the master key named by `totp_key_id`. */
  totp_ciphertext: Uint8Array | null;
  totp_key_id: string | null;
  /** Null while two-factor is not (yet) confirmed. */
  totp_enabled_at: string | null;
  /** The last TOTP time step accepted: a code is never accepted twice. */
  totp_last_step: number | null;
  created_at: string;
  disabled_at: string | null;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: string;
}

/** Which organisation a backed-up company (tenant) belongs to. */
export interface OrgCompaniesTable {
  tenant_id: string;
  org_id: string;
  created_at: string;
}

/** A firm's user (not an administrator) sees only the client companies assigned here. */
export interface CompanyAssignmentsTable {
  org_id: string;
  user_id: string;
  tenant_id: string;
  created_at: string;
}

export interface SessionsTable {
  /** SHA-256 of the cookie's token: a leaked table opens no session. */
  id_hash: string;
  user_id: string;
  org_id: string;
  csrf_token: string;
  mfa_passed: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface InvitationsTable {
  token_hash: string;
  id: string;
  org_id: string;
  email: string;
  role: Role;
  tenant_ids: string | null;
  invited_by: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
}

export interface PasswordResetsTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface LoginAttemptsTable {
  /** `email:<address>` or `ip:<address>`. */
  key: string;
  attempted_at: string;
}

/** Who saw, exported, restored or administered what, and when. Never updated or deleted by the app. */
export interface AuditLogTable {
  id: string;
  org_id: string;
  tenant_id: string | null;
  user_id: string | null;
  user_email: string | null;
  /** `record.view`, `export.download`, `restore.apply`, `user.invite`, `login.failed`… */
  action: string;
  target: string | null;
  details_json: string | null;
  ip: string | null;
  at: string;
}

/** Something a customer should act on, raised by a backup (and listed for e-mail notifications). */
export interface AlertsTable {
  id: string;
  tenant_id: string;
  /** `backup_failed`, `reconnect_needed`, `supplier_bank_changed`, `mass_deletion`. */
  kind: string;
  severity: AlertSeverity;
  details_json: string;
  run_id: string | null;
  snapshot_id: string | null;
  created_at: string;
  resolved_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  notified_at: string | null;
}

/** An OAuth authorization in flight from the web app: its state (hashed) and PKCE verifier (encrypted). */
export interface OAuthConnectsTable {
  state_hash: string;
  org_id: string;
  user_id: string;
  tenant_id: string | null;
  mode: 'service' | 'refresh';
  verifier_ciphertext: Uint8Array;
  verifier_key_id: string;
  redirect_uri: string;
  created_at: string;
  expires_at: string;
}

/** A ZIP export made from the web app, kept in the data directory for download. */
export interface ExportsTable {
  tenant_id: string;
  id: string;
  snapshot_id: string;
  status: ExportStatus;
  files: number;
  bytes: number;
  path: string | null;
  error_message: string | null;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
}
