import { sql } from 'kysely';
import type { AnySchemaDb, DialectName } from '../dialect.ts';

/**
 * The backup run journal: what an interrupted run already stored (blob ids written to flushed, indexed
 * packs), so a resumed run re-puts those entries instead of fetching them again, and the state a resume
 * must reuse (the parent snapshot and the run's change window).
 */
export async function up(db: AnySchemaDb, dialect: DialectName): Promise<void> {
  const recordKey = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable('backup_run_items')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('key', recordKey, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('r', 'a')`))
    .addColumn('blob_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('backup_run_items_pk', ['tenant_id', 'run_id', 'dataset', 'key'])
    .addForeignKeyConstraint('backup_run_items_run', ['tenant_id', 'run_id'], 'backup_runs', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema
    .createTable('backup_run_state')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('parent_snapshot_id', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('backup_run_state_pk', ['tenant_id', 'run_id'])
    .addForeignKeyConstraint('backup_run_state_run', ['tenant_id', 'run_id'], 'backup_runs', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
}
