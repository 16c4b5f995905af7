import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import { DatabaseError } from './errors.ts';
import { migrateToLatest } from './migrate.ts';
import { NodeSqliteDialect } from './node-sqlite-dialect.ts';

/** The metadata database. A `Transaction<Database>` is one too, so every query function runs inside one. */
export type Db = Kysely<Database>;

export interface DatabaseConfig {
  /** `postgres://…`: use PostgreSQL (scale-out). Wins over `sqlitePath`. */
  readonly url?: string | undefined;
  /** The SQLite file (embedded mode, the default); its directory is created if missing. */
  readonly sqlitePath?: string | undefined;
  /** Bring the schema up to date on open (default). Off only for tests of the migrations themselves. */
  readonly migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  readonly poolSize?: number;
}

/** Where the embedded database lives inside the data directory. */
export function defaultSqlitePath(dataDir: string): string {
  return join(dataDir, 'noxbackup.sqlite');
}

/**
 * Opens the metadata database and, unless told otherwise, applies any pending migrations (refusing a
 * database newer than this code). Close it with `db.destroy()`.
 */
export async function openDatabase(config: DatabaseConfig): Promise<Db> {
  const db = new Kysely<Database>({ dialect: createDialect(config) });
  try {
    // Connect now, so a wrong URL or an unwritable file fails here with a clear error, not at first use.
    await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    if (config.migrate !== false) await migrateToLatest(db);
    return db;
  } catch (err) {
    await db.destroy().catch(() => undefined);
    if (err instanceof DatabaseError) throw err;
    throw new DatabaseError('DB_UNAVAILABLE', `Cannot open the metadata database (${describe(config)}): ${(err as Error).message}`, { cause: err });
  }
}

function createDialect(config: DatabaseConfig) {
  if (config.url !== undefined && config.url !== '') {
    if (!/^postgres(ql)?:\/\//.test(config.url)) {
      throw new DatabaseError('DB_CONFIG', 'The database URL must start with postgres:// (leave it unset for the embedded SQLite file)');
    }
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 10, types: { getTypeParser } });
    // An idle connection the server closes (restart, failover, a terminated backend) is dropped by the
    // pool and replaced on next use; unheard, pg would raise it as an uncaught exception and end the process.
    pool.on('error', () => undefined);
    return new PostgresDialect({ pool });
  }
  if (config.sqlitePath === undefined || config.sqlitePath === '') {
    throw new DatabaseError('DB_CONFIG', 'Neither a PostgreSQL URL nor an SQLite file path was given');
  }
  if (config.sqlitePath !== ':memory:') mkdirSync(dirname(config.sqlitePath), { recursive: true });
  return new NodeSqliteDialect({ path: config.sqlitePath });
}

const INT8_OID = 20;

/** `bigint` and `count(*)` as numbers, like SQLite gives them; refuses values a number can't hold exactly. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID && format !== 'binary') {
    return (value: string) => {
      const n = Number(value);
      if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${value} is too large for a JavaScript number`);
      return n;
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- pg's own parsers are untyped
  return pg.types.getTypeParser(oid, format ?? 'text');
}

function describe(config: DatabaseConfig): string {
  if (config.url !== undefined && config.url !== '') {
    const u = new URL(config.url);
    u.password = '';
    return `PostgreSQL at ${u.host}${u.pathname}`;
  }
  return `SQLite file ${config.sqlitePath}`;
}
