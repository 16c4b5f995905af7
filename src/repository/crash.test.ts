import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FaultyObjectStore } from '../storage/faulty-store.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { canonicalJson } from './canonical-json.ts';
import { expectedRecords } from './crash-model.ts';
import { openRepository, type RepositoryOptions } from './repository.ts';
import { repositoryStores, testKeyring } from './test-support.ts';
import type { MasterKeyring } from './master-keys.ts';

/** Every visible snapshot reads back exactly what its run wrote, and the structure is sound. */
async function assertConsistent(store: ObjectStore, masterKeys: MasterKeyring): Promise<number> {
  const repo = await openRepository({ store, tenantId: 'acme', masterKeys });
  const snaps = await repo.listSnapshots();
  for (const snap of snaps) {
    const expected = expectedRecords(Number(snap.run.n));
    const got = new Map<string, string>();
    for await (const { key, record } of repo.listRecords(snap.id, 'customers')) got.set(key, canonicalJson(record));
    assert.equal(got.size, expected.size, `snapshot ${JSON.stringify(snap.run.n)}`);
    for (const [k, v] of expected) assert.equal(got.get(k), canonicalJson(v));
    const doc: Buffer[] = [];
    for await (const c of await repo.readAttachment(snap.id, 'files', 'doc')) doc.push(c as Buffer);
    assert.equal(Buffer.concat(doc).toString(), `document of run ${Number(snap.run.n) % 3}`.repeat(200));
  }
  assert.deepEqual((await repo.checkStructure()).problems, []);
  return snaps.length;
}

const small: Partial<RepositoryOptions> = { packTargetBytes: 2048, indexEveryPacks: 2 };

for (const factory of await repositoryStores()) {
  describe(`crash consistency on ${factory.name}`, () => {
    after(() => factory.cleanup());
    test('a crash after every single store operation of a snapshot write leaves a consistent repository that takes the next write', { timeout: 600_000 }, async () => {
      const t = await factory.make();
      try {
        const masterKeys = testKeyring();
        const faulty = new FaultyObjectStore(t.store);
        const write = async (n: number, parentId: string | undefined): Promise<string> => {
          const repo = await openRepository({ store: faulty, tenantId: 'acme', masterKeys, create: true, ...small });
          const w = await repo.beginSnapshot({ parent: parentId, runMeta: { n } });
          for (const [key, record] of expectedRecords(n)) await w.putRecord('customers', key, record);
          await w.putAttachment('files', 'doc', Buffer.from(`document of run ${n % 3}`.repeat(200)));
          return (await w.commit()).id;
        };
        let parent = await write(0, undefined);
        // Count the operations of one whole snapshot write.
        const before = faulty.total;
        parent = await write(1, parent);
        const operations = faulty.total - before;
        assert.ok(operations > 10, `a write takes ${operations} operations`);
        let committed = 2;
        for (let n = 0; n <= operations; n++) {
          faulty.crashAfter(n);
          const crashed = await write(100 + n, parent).then(
            () => false,
            (err: unknown) => {
              assert.match(String((err as { code?: string }).code), /STORAGE_CRASHED/);
              return true;
            },
          );
          faulty.recover();
          if (!crashed) committed += 1;
          const visible = await assertConsistent(t.store, masterKeys);
          // A crash before the manifest leaves nothing visible; a crash after it leaves the whole snapshot.
          assert.ok(visible === committed || visible === committed + 1, `after a crash at operation ${n}`);
          committed = visible;
          parent = await write(200 + n, parent);
          committed += 1;
        }
        assert.equal(await assertConsistent(t.store, masterKeys), committed);
      } finally {
        await t.close();
      }
    });
  });
}

test('a writer process killed with SIGKILL at several points leaves every visible snapshot whole', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nox-kill-'));
  const key = randomBytes(32);
  const masterKeys = { current: { id: 'k', key }, old: [] };
  try {
    for (const killAfter of [0, 1, 3, 5]) {
      const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-writer.fixture.ts')], {
        env: { ...process.env, NOX_TEST_REPO: dir, NOX_TEST_KEY: key.toString('base64') },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      let seen = 0;
      for await (const line of createInterface({ input: child.stdout })) {
        if (!line.startsWith('committed')) continue;
        if (seen++ >= killAfter) {
          // Kill part-way into the next snapshot: after a varying number of its own writes.
          await new Promise((resolve) => setTimeout(resolve, killAfter * 7));
          child.kill('SIGKILL');
          break;
        }
      }
      await exited;
      await assertConsistent(new FsObjectStore({ root: dir, fsync: false }), masterKeys);
    }
    assert.ok((await assertConsistent(new FsObjectStore({ root: dir, fsync: false }), masterKeys)) >= 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
