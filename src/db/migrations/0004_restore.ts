import { sql } from 'kysely';
import type { AnySchemaDb } from '../dialect.ts';

/**
 * Restores into Fortnox: one row per run (its plan and report), a journal row per item written (so a
 * re-run after a crash knows what reached Fortnox), and assisted restore requests (the terms' 48 hours).
 */
export async function up(db: AnySchemaDb): Promise<void> {
  await db.schema
    .createTable('restore_runs')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('registers', 'new_company')`))
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .addColumn('source_tenant_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'succeeded', 'partial', 'failed')`))
    .addColumn('undo_snapshot_id', 'text')
    .addColumn('plan_json', 'text', (c) => c.notNull())
    .addColumn('report_json', 'text')
    .addColumn('started_by', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addPrimaryKeyConstraint('restore_runs_pk', ['tenant_id', 'id'])
    .execute();

  await db.schema
    .createTable('restore_items')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('writing', 'done', 'skipped', 'failed')`))
    .addColumn('expected_key', 'text')
    .addColumn('new_key', 'text')
    .addColumn('message', 'text')
    .addColumn('fortnox_code', 'bigint')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('restore_items_pk', ['tenant_id', 'run_id', 'item'])
    .addForeignKeyConstraint('restore_items_run', ['tenant_id', 'run_id'], 'restore_runs', ['tenant_id', 'id'])
    .execute();

  await db.schema
    .createTable('restore_requests')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('snapshot_id', 'text')
    .addColumn('datasets', 'text')
    .addColumn('records', 'text')
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('deadline_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'in_progress', 'done', 'rejected')`))
    .addColumn('handled_by', 'text')
    .addColumn('result', 'text')
    .addColumn('report', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('restore_requests_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('restore_requests_open').on('restore_requests').columns(['status', 'deadline_at']).execute();
}
