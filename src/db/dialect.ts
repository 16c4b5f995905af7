import { PostgresAdapter, type Kysely } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/**
 * A handle that does not assume the current schema: what migrations get, since each describes the schema
 * as it was when written (Kysely's own convention).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySchemaDb = Kysely<any>;

/** Which database a handle talks to. Only `src/db/` asks: for dialect-specific DDL, locks and plans. */
export function dialectOf(db: AnySchemaDb): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
