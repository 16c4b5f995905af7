import type { Transaction } from 'kysely';
import type { Database } from './database.ts';
import { dialectOf } from './dialect.ts';
import { DatabaseError } from './errors.ts';
import type { Db } from './open-database.ts';

/** Runs `fn` in a transaction: the caller's, when `db` already is one, else a new one. */
export async function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}

/**
 * Serialises writers of one tenant's index until the transaction ends, and fails clearly when the
 * tenant does not exist. SQLite needs no row lock: its transactions take the database's write lock.
 */
export async function lockTenant(trx: Transaction<Database>, tenantId: string): Promise<void> {
  let q = trx.selectFrom('tenants').select('id').where('id', '=', tenantId);
  if (dialectOf(trx) === 'postgres') q = q.forUpdate();
  if ((await q.executeTakeFirst()) === undefined) {
    throw new DatabaseError('DB_TENANT_NOT_FOUND', `There is no tenant ${tenantId}`, { details: { tenantId } });
  }
}
