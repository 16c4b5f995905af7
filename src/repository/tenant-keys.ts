import { randomBytes } from 'node:crypto';
import { ObjectExistsError, ObjectNotFoundError, type ObjectStore } from '../storage/object-store.ts';
import { associatedData, seal, unseal } from './crypto.ts';
import { corruptObject, RepoError } from './errors.ts';
import { assertTenantId, keyFileKey } from './layout.ts';
import { findMasterKey, type MasterKey, type MasterKeyring } from './master-keys.ts';

/** A tenant's own keys: data key (AES-256-GCM of every blob) and id key (HMAC of blob ids). */
export interface TenantKeys {
  readonly tenantId: string;
  readonly dataKey: Buffer;
  readonly idKey: Buffer;
  /** The master key that wraps them now. */
  readonly masterKeyId: string;
}

/** `keys/<tenant>.json`: the tenant keys wrapped (AES-256-GCM) by a master key, named by its id. */
interface KeyFile {
  format: 'noxbackup-tenant-keys';
  version: 1;
  tenant: string;
  created: string;
  masterKeyId: string;
  /** base64 of nonce ‖ AES-256-GCM(dataKey ‖ idKey) ‖ tag, associated data binds tenant and master key id. */
  wrapped: string;
}

function wrap(tenantId: string, master: MasterKey, dataKey: Buffer, idKey: Buffer, created: string): KeyFile {
  const sealed = seal(master.key, Buffer.concat([dataKey, idKey]), associatedData(tenantId, 'tenant-keys', master.id));
  return { format: 'noxbackup-tenant-keys', version: 1, tenant: tenantId, created, masterKeyId: master.id, wrapped: sealed.toString('base64') };
}

function parseKeyFile(tenantId: string, bytes: Buffer): KeyFile {
  const object = keyFileKey(tenantId);
  let file: Partial<KeyFile>;
  try {
    file = JSON.parse(bytes.toString('utf8')) as Partial<KeyFile>;
  } catch (err) {
    throw corruptObject(object, 'key file', 'not JSON', err);
  }
  if (file.format !== 'noxbackup-tenant-keys') throw corruptObject(object, 'key file', 'not a tenant key file');
  if (file.version !== 1) {
    throw new RepoError('REPO_UNSUPPORTED_FORMAT', `Key file ${object} has version ${String(file.version)}; this Noxbackup reads version 1`, { object });
  }
  if (file.tenant !== tenantId) throw corruptObject(object, 'key file', `belongs to tenant ${String(file.tenant)}`);
  if (typeof file.masterKeyId !== 'string' || typeof file.wrapped !== 'string' || typeof file.created !== 'string') {
    throw corruptObject(object, 'key file', 'fields missing');
  }
  return file as KeyFile;
}

function unwrap(tenantId: string, file: KeyFile, ring: MasterKeyring): TenantKeys {
  const master = findMasterKey(ring, file.masterKeyId);
  if (master === undefined) {
    throw new RepoError(
      'REPO_WRONG_KEY',
      `The keys of tenant ${tenantId} are wrapped by master key "${file.masterKeyId}", which is not configured (configured: ${[ring.current, ...ring.old].map((k) => k.id).join(', ')}). Add it to NOX_MASTER_KEYS_OLD.`,
      { tenantId, masterKeyId: file.masterKeyId },
    );
  }
  const plain = unseal(master.key, Buffer.from(file.wrapped, 'base64'), associatedData(tenantId, 'tenant-keys', master.id));
  if (plain?.length !== 64) {
    throw new RepoError(
      'REPO_WRONG_KEY',
      `Master key "${master.id}" does not open the keys of tenant ${tenantId}: the configured key is wrong or ${keyFileKey(tenantId)} is damaged`,
      { tenantId, masterKeyId: master.id },
    );
  }
  return { tenantId, dataKey: plain.subarray(0, 32), idKey: plain.subarray(32), masterKeyId: master.id };
}

async function readKeyFile(store: ObjectStore, tenantId: string): Promise<KeyFile | undefined> {
  try {
    return parseKeyFile(tenantId, await store.get(keyFileKey(tenantId)));
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
}

function noKeys(tenantId: string): RepoError {
  return new RepoError(
    'REPO_NO_KEYS',
    `Tenant ${tenantId} has no keys (${keyFileKey(tenantId)} is absent): the repository was never created or its keys were destroyed`,
    { tenantId },
  );
}

export async function loadTenantKeys(store: ObjectStore, tenantId: string, ring: MasterKeyring): Promise<TenantKeys> {
  assertTenantId(tenantId);
  const file = await readKeyFile(store, tenantId);
  if (file === undefined) throw noKeys(tenantId);
  return unwrap(tenantId, file, ring);
}

/**
 * Creates the tenant's keys if it has none (`ifAbsent`, so two processes racing agree on one set)
 * and returns the keys in force.
 */
export async function initTenantKeys(store: ObjectStore, tenantId: string, ring: MasterKeyring): Promise<TenantKeys> {
  assertTenantId(tenantId);
  const existing = await readKeyFile(store, tenantId);
  if (existing !== undefined) return unwrap(tenantId, existing, ring);
  const file = wrap(tenantId, ring.current, randomBytes(32), randomBytes(32), new Date().toISOString());
  try {
    await store.put(keyFileKey(tenantId), Buffer.from(JSON.stringify(file, null, 2) + '\n'), { ifAbsent: true });
  } catch (err) {
    if (!(err instanceof ObjectExistsError)) throw err;
  }
  return loadTenantKeys(store, tenantId, ring);
}

export interface RotationResult {
  readonly tenantId: string;
  readonly from: string;
  readonly to: string;
  readonly rewrapped: boolean;
}

/**
 * Re-wraps a tenant's keys with the current master key. Only the small key file changes; no data is
 * re-encrypted. The put is atomic, so a crash leaves the old or the new wrapping, both readable while
 * the old master key is still configured. The new file is read back and opened before returning.
 */
export async function rotateMasterKey(options: { store: ObjectStore; tenantId: string; masterKeys: MasterKeyring }): Promise<RotationResult> {
  const { store, tenantId, masterKeys } = options;
  assertTenantId(tenantId);
  const file = await readKeyFile(store, tenantId);
  if (file === undefined) throw noKeys(tenantId);
  const keys = unwrap(tenantId, file, masterKeys);
  if (file.masterKeyId === masterKeys.current.id) return { tenantId, from: file.masterKeyId, to: file.masterKeyId, rewrapped: false };
  const next = wrap(tenantId, masterKeys.current, keys.dataKey, keys.idKey, file.created);
  await store.put(keyFileKey(tenantId), Buffer.from(JSON.stringify(next, null, 2) + '\n'));
  const check = await loadTenantKeys(store, tenantId, { current: masterKeys.current, old: [] });
  if (!check.dataKey.equals(keys.dataKey) || !check.idKey.equals(keys.idKey)) {
    throw new RepoError('REPO_CORRUPT_OBJECT', `Re-wrapped key file of tenant ${tenantId} did not read back`, { tenantId });
  }
  return { tenantId, from: file.masterKeyId, to: masterKeys.current.id, rewrapped: true };
}

/** Rotates every tenant in the store; returns one result per key file. */
export async function rotateAllTenants(store: ObjectStore, masterKeys: MasterKeyring): Promise<RotationResult[]> {
  const results: RotationResult[] = [];
  for await (const info of store.list('keys/')) {
    const m = /^keys\/(.+)\.json$/.exec(info.key);
    if (m?.[1] !== undefined) results.push(await rotateMasterKey({ store, tenantId: m[1], masterKeys }));
  }
  return results;
}

/**
 * Crypto-shredding: deletes the tenant's wrapped keys. Every object of the tenant becomes unreadable to
 * anyone, whatever copies of the objects exist (as long as no copy of the key file survives, e.g. in a
 * versioned bucket or a backup of the store: see docs/repository.md).
 */
export async function destroyTenantKeys(store: ObjectStore, tenantId: string): Promise<void> {
  assertTenantId(tenantId);
  await store.delete(keyFileKey(tenantId));
  if ((await store.head(keyFileKey(tenantId))) !== undefined) {
    throw new RepoError('REPO_CONCURRENT_CHANGE', `The key file of tenant ${tenantId} is still present after deletion`, { tenantId });
  }
}
