import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.ts';
import { associatedData, unseal } from './crypto.ts';
import { isRepoError } from './errors.ts';
import { generateMasterKey, masterKeyringFromEnv, type MasterKeyring } from './master-keys.ts';
import { openRepository } from './repository.ts';
import { destroyTenantKeys, rotateAllTenants, rotateMasterKey } from './tenant-keys.ts';
import { makeMemoryStore, testKeyring } from './test-support.ts';

test('reads the master key, its id and old keys from the environment, reporting every problem at once', () => {
  const k1 = generateMasterKey();
  const k0 = generateMasterKey();
  const ring = masterKeyringFromEnv({ NOX_MASTER_KEY: k1, NOX_MASTER_KEY_ID: '2025-06', NOX_MASTER_KEYS_OLD: `2024-01:${k0}` });
  assert.equal(ring.current.id, '2025-06');
  assert.equal(ring.current.key.length, 32);
  assert.deepEqual(ring.old.map((k) => k.id), ['2024-01']);
  assert.ok(Object.isFrozen(ring));
  assert.throws(
    () => masterKeyringFromEnv({ NOX_MASTER_KEY: 'c2hvcnQ=', NOX_MASTER_KEY_ID: 'bad id', NOX_MASTER_KEYS_OLD: 'nocolon' }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 3);
      assert.ok(!e.message.includes('c2hvcnQ='), 'never echoes key material');
      return true;
    },
  );
  assert.throws(() => masterKeyringFromEnv({}), ConfigError);
});

async function snapshotWithOneRecord(ring: MasterKeyring, store = undefined as Awaited<ReturnType<typeof makeMemoryStore>>['store'] | undefined) {
  const s = store ?? (await makeMemoryStore()).store;
  const repo = await openRepository({ store: s, tenantId: 'acme', masterKeys: ring, create: true });
  const w = await repo.beginSnapshot();
  await w.putRecord('customers', '1', { Name: 'Kund' });
  return { store: s, snap: await w.commit() };
}

test('a wrong master key is named as such, not as corruption', async () => {
  const { store } = await snapshotWithOneRecord(testKeyring('k1'));
  await assert.rejects(openRepository({ store, tenantId: 'acme', masterKeys: testKeyring('k1') }), (e) => isRepoError(e, 'REPO_WRONG_KEY'));
  await assert.rejects(openRepository({ store, tenantId: 'acme', masterKeys: testKeyring('other') }), (e) => isRepoError(e, 'REPO_WRONG_KEY') && /not configured/.test(e.message));
});

test('rotating the master key re-wraps only the tenant keys; afterwards the new key alone reads everything and the old one nothing', async () => {
  const oldRing = testKeyring('2024');
  const { store, snap } = await snapshotWithOneRecord(oldRing);
  const before = new Map<string, number>();
  for await (const info of store.list('tenants/')) before.set(info.key, info.size);

  const newKey = { id: '2025', key: randomBytes(32) };
  const result = await rotateMasterKey({ store, tenantId: 'acme', masterKeys: { current: newKey, old: [oldRing.current] } });
  assert.deepEqual(result, { tenantId: 'acme', from: '2024', to: '2025', rewrapped: true });
  const after = new Map<string, number>();
  for await (const info of store.list('tenants/')) after.set(info.key, info.size);
  assert.deepEqual(after, before, 'no data object was rewritten');

  const repo = await openRepository({ store, tenantId: 'acme', masterKeys: { current: newKey, old: [] } });
  assert.deepEqual(await repo.readRecord(snap.id, 'customers', '1'), { Name: 'Kund' });
  await assert.rejects(openRepository({ store, tenantId: 'acme', masterKeys: oldRing }), (e) => isRepoError(e, 'REPO_WRONG_KEY'));
  // Rotating again is a no-op, and rotating every tenant covers each key file.
  assert.equal((await rotateMasterKey({ store, tenantId: 'acme', masterKeys: { current: newKey, old: [] } })).rewrapped, false);
  assert.equal((await rotateAllTenants(store, { current: newKey, old: [] })).length, 1);
});

test('destroying a tenant keys makes every one of its objects undecryptable (crypto-shredding)', async () => {
  const ring = testKeyring();
  const { store } = await snapshotWithOneRecord(ring);
  const repo = await openRepository({ store, tenantId: 'acme', masterKeys: ring });
  const oldKeys = repo.vault.keys;
  await destroyTenantKeys(store, 'acme');
  await assert.rejects(openRepository({ store, tenantId: 'acme', masterKeys: ring }), (e) => isRepoError(e, 'REPO_NO_KEYS'));
  // Even recreating the tenant with the same master key gives new keys that open nothing old.
  const again = await openRepository({ store, tenantId: 'acme', masterKeys: ring, create: true });
  assert.ok(!again.vault.keys.dataKey.equals(oldKeys.dataKey));
  let objects = 0;
  for await (const info of store.list('tenants/acme/')) {
    const bytes = await store.get(info.key);
    objects += 1;
    // No prefix of the object opens as a sealed unit under the new key, whatever its kind or id.
    for (const kind of ['pack-header', 'index', 'manifest', 'gc-mark'] as const) {
      assert.equal(unseal(again.vault.keys.dataKey, bytes, associatedData('acme', kind, info.key.split('/').pop()!)), undefined);
    }
  }
  assert.ok(objects >= 3);
  assert.deepEqual(await again.listSnapshots().catch((e: unknown) => (isRepoError(e, 'REPO_CORRUPT_OBJECT') ? 'unreadable' : e)), 'unreadable');
});

test('the same record gets different ids in different tenants, and a blob moved between tenants does not open', async () => {
  const ring = testKeyring();
  const { store } = await makeMemoryStore();
  const a = await openRepository({ store, tenantId: 'tenant-a', masterKeys: ring, create: true });
  const b = await openRepository({ store, tenantId: 'tenant-b', masterKeys: ring, create: true });
  const wa = await a.beginSnapshot();
  const wb = await b.beginSnapshot();
  const idA = await wa.putRecord('customers', '1', { Name: 'Samma' });
  const idB = await wb.putRecord('customers', '1', { Name: 'Samma' });
  assert.notEqual(idA, idB);
  const sealed = a.vault.sealBlob('record', idA, Buffer.from('{"Name":"Samma"}'));
  assert.throws(() => b.vault.openBlob('x', 'record', idA, sealed), (e) => isRepoError(e, 'REPO_CORRUPT_BLOB'));
  assert.throws(() => a.vault.openBlob('x', 'tree', idA, sealed), (e) => isRepoError(e, 'REPO_CORRUPT_BLOB'));
  assert.equal(a.vault.openBlob('x', 'record', idA, sealed).toString(), '{"Name":"Samma"}');
});
