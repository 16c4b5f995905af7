import { sql } from 'kysely';
import type { AnySchemaDb, DialectName } from '../dialect.ts';

/**
 * The first schema: tenants, Fortnox connections, backup runs, the snapshot index and the record-version
 * index. Migrations use `AnySchemaDb`: they describe the schema as it was then, not as the code types it now.
 */
export async function up(db: AnySchemaDb, dialect: DialectName): Promise<void> {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  // Record keys sort by their UTF-8 bytes on both databases (SQLite's default BINARY collation), so the
  // index's key order and keyset paging agree with `compareRecordKeys` whatever the server's locale.
  const recordKey = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;

  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('org_number', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'terminated', 'deleted')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('terminated_at', 'text')
    .addColumn('deletion_due_at', 'text')
    .addColumn('deleted_at', 'text')
    .addColumn('data_key_id', 'text')
    .execute();

  await db.schema
    .createTable('fortnox_connections')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id'))
    .addColumn('fortnox_tenant_id', 'text')
    .addColumn('auth_mode', 'text', (c) => c.notNull().check(sql`auth_mode in ('service_account', 'refresh_token')`))
    .addColumn('token_ciphertext', bytes)
    .addColumn('token_key_id', 'text')
    .addColumn('access_token_expires_at', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ok', 'reconnect_needed', 'revoked')`))
    .addColumn('status_reason', 'text')
    .addColumn('scopes', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('fortnox_connections_fortnox_tenant').on('fortnox_connections').column('fortnox_tenant_id').execute();

  await db.schema
    .createTable('backup_runs')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'partial', 'failed')`))
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('queued_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('snapshot_id', 'text')
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addColumn('records_changed', 'bigint', (c) => c.notNull())
    .addColumn('requests', 'bigint', (c) => c.notNull())
    .addColumn('bytes_written', 'bigint', (c) => c.notNull())
    .addColumn('errors', 'bigint', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addPrimaryKeyConstraint('backup_runs_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('backup_runs_by_time').on('backup_runs').columns(['tenant_id', 'queued_at']).execute();

  await db.schema
    .createTable('backup_run_datasets')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'running', 'succeeded', 'partial', 'failed', 'skipped')`),
    )
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addColumn('records_changed', 'bigint', (c) => c.notNull())
    .addColumn('requests', 'bigint', (c) => c.notNull())
    .addColumn('bytes_written', 'bigint', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addPrimaryKeyConstraint('backup_run_datasets_pk', ['tenant_id', 'run_id', 'dataset'])
    .addForeignKeyConstraint('backup_run_datasets_run', ['tenant_id', 'run_id'], 'backup_runs', ['tenant_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  // The snapshot index. No foreign key to backup_runs: a rebuild from the repository has no runs.
  await db.schema
    .createTable('snapshots')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('manifest_key', 'text', (c) => c.notNull())
    .addColumn('format_version', 'integer', (c) => c.notNull())
    .addColumn('indexed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshots_pk', ['tenant_id', 'seq'])
    .addUniqueConstraint('snapshots_id', ['tenant_id', 'snapshot_id'])
    .execute();

  await db.schema
    .createTable('snapshot_datasets')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('complete', 'integer', (c) => c.notNull().check(sql`complete in (0, 1)`))
    .addColumn('record_count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshot_datasets_pk', ['tenant_id', 'seq', 'dataset'])
    .addForeignKeyConstraint('snapshot_datasets_snapshot', ['tenant_id', 'seq'], 'snapshots', ['tenant_id', 'seq'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  // The record-version index: one row per version (an interval of snapshot seqs), not per record per
  // snapshot. The primary key orders a data set's versions by key, which serves listing at any seq
  // (keyset paging) and a key's history; on SQLite the table is clustered on it (WITHOUT ROWID).
  await db.schema
    .createTable('record_versions')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('record_key', recordKey, (c) => c.notNull())
    .addColumn('first_seq', 'integer', (c) => c.notNull())
    .addColumn('last_seq', 'integer')
    .addColumn('blob_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('record_versions_pk', ['tenant_id', 'dataset', 'record_key', 'first_seq'])
    .addCheckConstraint('record_versions_interval', sql`last_seq is null or last_seq >= first_seq`)
    .$call((b) => (dialect === 'sqlite' ? b.modifyEnd(sql`without rowid`) : b))
    .execute();
  // At most one current version per record; also what indexing compares a new snapshot against.
  await db.schema
    .createIndex('record_versions_current')
    .on('record_versions')
    .columns(['tenant_id', 'dataset', 'record_key'])
    .unique()
    .where(sql.ref('last_seq'), 'is', null)
    .execute();
  // Changes between two seqs: versions that began, or ended, inside the range.
  await db.schema.createIndex('record_versions_by_first').on('record_versions').columns(['tenant_id', 'first_seq']).execute();
  await db.schema.createIndex('record_versions_by_last').on('record_versions').columns(['tenant_id', 'last_seq']).execute();
}
