import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { DatabaseError } from './errors.ts';
import { migrateToLatest } from './migrate.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { openDatabase } from './open-database.ts';
import { testDatabases, type TestDatabase } from './test-databases.test-support.ts';

it('names migrations NNNN_what, in order, without gaps', () => {
  MIGRATIONS.forEach((m, i) => {
    assert.match(m.name, /^\d{4}_[a-z0-9_]+$/);
    assert.equal(Number(m.name.slice(0, 4)), i + 1);
  });
});

for (const target of testDatabases()) {
  describe(target.name, () => {
    let t: TestDatabase;
    before(async () => {
      t = await target.open({ migrate: false });
    });
    after(() => t.cleanup());

    it('applies every migration once and records it with the time it was applied', async () => {
      assert.deepEqual(await migrateToLatest(t.db), MIGRATIONS.map((m) => m.name));
      assert.deepEqual(await migrateToLatest(t.db), []);
      const rows = await t.db.selectFrom('schema_migrations').selectAll().execute();
      assert.deepEqual(rows.map((r) => r.name), MIGRATIONS.map((m) => m.name));
      for (const r of rows) assert.ok(!Number.isNaN(Date.parse(r.applied_at)));
    });

    it('lets several processes open and migrate the same database at once', async () => {
      const fresh = await target.open({ migrate: false });
      try {
        const script = `import { openDatabase } from ${JSON.stringify(new URL('./open-database.ts', import.meta.url).href)};
          const db = await openDatabase(JSON.parse(process.argv[1])); await db.destroy();`;
        const exits = await Promise.all(
          [1, 2, 3].map(
            () =>
              new Promise<number | null>((resolve, reject) => {
                const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(fresh.config)], { stdio: 'inherit' });
                child.on('error', reject);
                child.on('exit', resolve);
              }),
          ),
        );
        assert.deepEqual(exits, [0, 0, 0]);
        const rows = await fresh.db.selectFrom('schema_migrations').select('name').execute();
        assert.deepEqual(rows.map((r) => r.name), MIGRATIONS.map((m) => m.name));
      } finally {
        await fresh.cleanup();
      }
    });

    it('rolls back a failing migration together with its record', async () => {
      const failing = [
        ...MIGRATIONS,
        {
          name: '9998_half_done',
          async up(db: Parameters<(typeof MIGRATIONS)[number]['up']>[0]) {
            await db.schema.createTable('half_done').addColumn('x', 'integer').execute();
            throw new Error('boom');
          },
        },
      ];
      await assert.rejects(migrateToLatest(t.db, failing), /boom/);
      const tables = (await t.db.introspection.getTables()).map((x) => x.name);
      assert.ok(!tables.includes('half_done'));
      assert.equal(await t.db.selectFrom('schema_migrations').where('name', '=', '9998_half_done').select('name').executeTakeFirst(), undefined);
    });

    it('refuses to open a database migrated by a newer version, changing nothing', async () => {
      await t.db.insertInto('schema_migrations').values({ name: '9999_from_the_future', applied_at: new Date().toISOString() }).execute();
      try {
        await assert.rejects(openDatabase(t.config), (err: unknown) => {
          assert.ok(err instanceof DatabaseError);
          assert.equal(err.code, 'DB_SCHEMA_TOO_NEW');
          assert.match(err.message, /9999_from_the_future/);
          assert.match(err.message, /newer version/);
          return true;
        });
      } finally {
        await t.db.deleteFrom('schema_migrations').where('name', '=', '9999_from_the_future').execute();
      }
    });

    it('enforces foreign keys', async () => {
      await assert.rejects(
        t.db
          .insertInto('snapshots')
          .values({ tenant_id: 'nobody', seq: 1, snapshot_id: 'ab', created_at: '', manifest_key: 'k', format_version: 1, indexed_at: '' })
          .execute(),
      );
      const count = await t.db.selectFrom('snapshots').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      assert.equal(count.n, 0);
    });
  });
}

it('fails with a clear error when PostgreSQL is unreachable', async () => {
  await assert.rejects(openDatabase({ url: 'postgres://postgres@127.0.0.1:1/nothing' }), (err: unknown) => {
    assert.ok(err instanceof DatabaseError);
    assert.equal(err.code, 'DB_UNAVAILABLE');
    assert.match(err.message, /127\.0\.0\.1:1/);
    return true;
  });
});
