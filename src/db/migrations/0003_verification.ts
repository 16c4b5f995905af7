import type { AnySchemaDb } from '../dialect.ts';

/**
 * Verification runs (`noxbackup verify` and the sampled check after each nightly backup): when, what was
 * checked, which read slot (so the next sampled run reads the next part), the outcome and the full report.
 */
export async function up(db: AnySchemaDb): Promise<void> {
  await db.schema
    .createTable('verification_runs')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .addColumn('snapshot_id', 'text')
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('errors', 'integer', (c) => c.notNull())
    .addColumn('warnings', 'integer', (c) => c.notNull())
    .addColumn('read_percent', 'real')
    .addColumn('read_slot', 'integer')
    .addColumn('read_slots', 'integer')
    .addColumn('packs_read', 'bigint', (c) => c.notNull())
    .addColumn('bytes_read', 'bigint', (c) => c.notNull())
    .addColumn('report_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('verification_runs_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('verification_runs_by_time').on('verification_runs').columns(['tenant_id', 'started_at']).execute();
}
