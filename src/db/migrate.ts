import { sql } from 'kysely';
import { dialectOf, type AnySchemaDb, type DialectName } from './dialect.ts';
import { DatabaseError } from './errors.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

/** Any constant will do; it only has to be the same in every process that migrates this database. */
const PG_MIGRATION_LOCK = 0x6e6f7801;

/**
 * Applies the pending migrations in order, each in its own transaction together with its row in
 * `schema_migrations`, so a failed migration leaves the schema as it was. Several processes may start at
 * once: on PostgreSQL an advisory lock serialises them, on SQLite the write lock of `BEGIN IMMEDIATE`.
 * Refuses (and changes nothing) when the database has a migration this code does not know: it was
 * migrated by a newer version, and running older code against it could damage it.
 * Returns the names it applied.
 */
export async function migrateToLatest(db: AnySchemaDb, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  const dialect = dialectOf(db);
  const applied: string[] = [];
  for (;;) {
    const name = await db.transaction().execute(async (trx) => {
      const done = await appliedMigrations(trx, dialect);
      checkKnown(done, migrations);
      const next = migrations[done.length];
      if (next === undefined) return undefined;
      await next.up(trx, dialect);
      await trx.insertInto('schema_migrations').values({ name: next.name, applied_at: new Date().toISOString() }).execute();
      return next.name;
    });
    if (name === undefined) return applied;
    applied.push(name);
  }
}

/** The names recorded in `schema_migrations`, oldest first; takes the migration lock for the transaction. */
async function appliedMigrations(trx: AnySchemaDb, dialect: DialectName): Promise<string[]> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`.execute(trx);
  await trx.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
  const rows = await trx.selectFrom('schema_migrations').select('name').orderBy('name').execute();
  return rows.map((r: { name: string }) => r.name);
}

function checkKnown(done: readonly string[], migrations: readonly Migration[]): void {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = done.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new DatabaseError(
      'DB_SCHEMA_TOO_NEW',
      `The metadata database was migrated by a newer version of Noxbackup (it has ${unknown.join(', ')}, which this version does not know). ` +
        'Upgrade Noxbackup, or restore a database backup taken before the upgrade; this version will not run against it.',
      { details: { unknown } },
    );
  }
  const expected = migrations.slice(0, done.length).map((m) => m.name);
  if (expected.some((name, i) => name !== done[i])) {
    throw new DatabaseError(
      'DB_MIGRATIONS_INCONSISTENT',
      `The metadata database's applied migrations (${done.join(', ')}) are not the first ones this version knows (${expected.join(', ')}); refusing to migrate.`,
      { details: { applied: done, expected } },
    );
  }
}
