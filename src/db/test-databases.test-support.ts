/**
 * Test support, for tests in any folder: every database test runs once per dialect.
 *
 *   for (const target of testDatabases()) describe(target.name, () => {
 *     let t: TestDatabase;
 *     before(async () => { t = await target.open(); });
 *     after(() => t.cleanup());
 *     it('…', async () => { await createTenant(t.db, …); });
 *   });
 *
 * Each `open()` makes a fresh database: a file in a new temporary directory for SQLite, a uniquely named
 * database for PostgreSQL (server from NOX_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * so test files running in parallel never see each other's rows. `cleanup()` closes and removes it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DialectName } from './dialect.ts';
import { openDatabase, type Db } from './open-database.ts';

export interface TestDatabase {
  readonly db: Db;
  readonly dialect: DialectName;
  /** The `openDatabase` configuration of this database, to open a second handle on it. */
  readonly config: { url?: string; sqlitePath?: string };
  cleanup(): Promise<void>;
}

export interface TestDatabaseTarget {
  readonly name: DialectName;
  /** A fresh, migrated (unless `migrate: false`) database. */
  open(options?: { migrate?: boolean }): Promise<TestDatabase>;
}

export const TEST_PG_URL = process.env.NOX_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function testDatabases(): TestDatabaseTarget[] {
  return [
    { name: 'sqlite', open: openSqlite },
    { name: 'postgres', open: openPostgres },
  ];
}

async function openSqlite(options?: { migrate?: boolean }): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'nox-db-test-'));
  const config = { sqlitePath: join(dir, 'noxbackup.sqlite') };
  const db = await openDatabase({ ...config, migrate: options?.migrate ?? true });
  return {
    db,
    dialect: 'sqlite',
    config,
    async cleanup() {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(options?: { migrate?: boolean }): Promise<TestDatabase> {
  const name = `nox_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const config = { url: url.toString() };
  let db: Db;
  try {
    db = await openDatabase({ ...config, migrate: options?.migrate ?? true, poolSize: 4 });
  } catch (err) {
    await admin(`drop database if exists ${name} with (force)`);
    throw err;
  }
  return {
    db,
    dialect: 'postgres',
    config,
    async cleanup() {
      await db.destroy();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_PG_URL} (set NOX_TEST_PG_URL, or start it: pg_ctlcluster <version> main start): ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
