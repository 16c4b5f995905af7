import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { NoxError } from '../errors.ts';
import { loadFortnoxConnection, saveFortnoxConnection, deleteFortnoxConnection, type FortnoxConnection, type StoredFortnoxConnection } from '../db/fortnox-connections.ts';
import type { Db } from '../db/open-database.ts';
import { findMasterKey, type MasterKeyring } from '../repository/master-keys.ts';
import { deriveTokenKey, EncryptedTokenStore } from './encrypted-token-store.ts';
import type { StoredConnection, TokenStore, VersionedConnection } from './token-store.ts';

/**
 * The Fortnox app a connection was made with. Kept per connection (not per deployment) so a simulator
 * connection and a real one can live side by side.
 */
export interface FortnoxApp {
  readonly apiUrl: string;
  readonly authUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** What is sealed into `token_ciphertext`: the app (with its secret) and the token fields. */
interface Sealed {
  v: 1;
  app: FortnoxApp;
  accessToken: string | null;
  refreshToken: string | null;
  accessTokenExpiresAt: number | null;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function connectionKey(masterKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('noxbackup'), Buffer.from('fortnox-connection v1'), 32));
}

function aad(tenantId: string): Buffer {
  return Buffer.from(`noxbackup/fortnox-connection/v1\0${tenantId}`, 'utf8');
}

function seal(key: Buffer, tenantId: string, value: Sealed): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad(tenantId));
  const ct = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return new Uint8Array(Buffer.concat([iv, c.getAuthTag(), ct]));
}

function open(key: Buffer, tenantId: string, bytes: Uint8Array): Sealed {
  const raw = Buffer.from(bytes);
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    d.setAAD(aad(tenantId));
    d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return JSON.parse(Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString('utf8')) as Sealed;
  } catch (cause) {
    throw new NoxError('FORTNOX_TOKEN_UNREADABLE', `The Fortnox connection of tenant ${tenantId} cannot be decrypted (wrong master key, or a record copied from another tenant)`, { cause });
  }
}

/** A connection row with its sealed part opened: what the app needs to build a client for it. */
export interface OpenedConnection {
  readonly row: StoredFortnoxConnection;
  readonly fortnoxTenantId: string;
  readonly app: FortnoxApp;
}

/** Opens a tenant's connection record (undefined when it has none). */
export async function openFortnoxConnection(db: Db, keyring: MasterKeyring, tenantId: string): Promise<OpenedConnection | undefined> {
  const row = await loadFortnoxConnection(db, tenantId);
  if (row === undefined) return undefined;
  const sealed = openRow(keyring, row);
  return { row, fortnoxTenantId: row.fortnoxTenantId ?? '', app: sealed.app };
}

function openRow(keyring: MasterKeyring, row: StoredFortnoxConnection): Sealed {
  if (row.tokenCiphertext === null) throw new NoxError('FORTNOX_TOKEN_UNREADABLE', `The Fortnox connection of tenant ${row.tenantId} holds no sealed record; connect the company again`);
  const master = findMasterKey(keyring, row.tokenKeyId ?? '');
  if (master === undefined) {
    throw new NoxError('FORTNOX_TOKEN_UNREADABLE', `The Fortnox connection of tenant ${row.tenantId} was sealed with master key "${row.tokenKeyId}", which is not configured (add it to NOX_MASTER_KEYS_OLD)`);
  }
  return open(connectionKey(master.key), row.tenantId, row.tokenCiphertext);
}

interface Binding {
  readonly tenantId: string;
  readonly app: FortnoxApp;
}

/**
 * The Fortnox client's `TokenStore` port on the `fortnox_connections` table. The client speaks of
 * Fortnox tenant ids (it sends them as `TenantId`); the table is keyed by our tenant id, so each
 * Fortnox tenant id is bound to our tenant before its tokens are used. One instance serves one Fortnox
 * app (one `FortnoxClient`), so a Fortnox tenant id is unambiguous within it.
 *
 * Saves are compare-and-set on the row's version (`UPDATE … WHERE version = ?`), which is what makes
 * the token manager's refresh lease safe across processes. The tokens and the app's client secret are
 * sealed with a key derived from the current master key; `token_key_id` names that master key.
 * Use it through `dbTokenStore()`, which adds the token-field encryption of `EncryptedTokenStore`.
 */
export class DbTokenStore implements TokenStore {
  readonly #db: Db;
  readonly #keyring: MasterKeyring;
  readonly #bindings = new Map<string, Binding>();

  constructor(db: Db, keyring: MasterKeyring) {
    this.#db = db;
    this.#keyring = keyring;
  }

  /** Tells the store which of our tenants (and which app) a Fortnox tenant id stands for. */
  bind(fortnoxTenantId: string, tenantId: string, app: FortnoxApp): void {
    const existing = this.#bindings.get(fortnoxTenantId);
    if (existing !== undefined && existing.tenantId !== tenantId) {
      throw new NoxError('TENANT_DUPLICATE_CONNECTION', `Fortnox tenant ${fortnoxTenantId} of this app is already connected as tenant ${existing.tenantId}`);
    }
    this.#bindings.set(fortnoxTenantId, { tenantId, app });
  }

  async load(fortnoxTenantId: string): Promise<VersionedConnection | undefined> {
    const binding = this.#bindings.get(fortnoxTenantId);
    if (binding === undefined) return undefined;
    const row = await loadFortnoxConnection(this.#db, binding.tenantId);
    if (row === undefined) return undefined;
    const sealed = openRow(this.#keyring, row);
    const value: StoredConnection = {
      mode: row.authMode === 'service_account' ? 'service' : 'refresh',
      accessToken: sealed.accessToken,
      accessTokenExpiresAt: sealed.accessTokenExpiresAt,
      refreshToken: sealed.refreshToken,
      scope: row.scopes,
      status: row.status === 'ok' ? 'active' : 'reconnect_needed',
      statusReason: row.statusReason,
      lease: row.lease === null ? null : { owner: row.lease.owner, until: Date.parse(row.lease.until) },
      updatedAt: Date.parse(row.updatedAt),
    };
    return { value, version: row.version };
  }

  async save(fortnoxTenantId: string, value: StoredConnection, expectedVersion: number | undefined): Promise<number | null> {
    const binding = this.#bindings.get(fortnoxTenantId);
    if (binding === undefined) throw new NoxError('FORTNOX_TOKEN_UNBOUND', `Fortnox tenant ${fortnoxTenantId} is not bound to a tenant; this is a bug`);
    const master = this.#keyring.current;
    const sealed: Sealed = {
      v: 1,
      app: binding.app,
      accessToken: value.accessToken,
      refreshToken: value.refreshToken,
      accessTokenExpiresAt: value.accessTokenExpiresAt,
    };
    const row: FortnoxConnection = {
      fortnoxTenantId,
      authMode: value.mode === 'service' ? 'service_account' : 'refresh_token',
      tokenCiphertext: seal(connectionKey(master.key), binding.tenantId, sealed),
      tokenKeyId: master.id,
      accessTokenExpiresAt: value.accessTokenExpiresAt === null ? null : new Date(value.accessTokenExpiresAt).toISOString(),
      status: value.status === 'active' ? 'ok' : 'reconnect_needed',
      statusReason: value.statusReason,
      scopes: value.scope,
      lease: value.lease === null ? null : { owner: value.lease.owner, until: new Date(value.lease.until).toISOString() },
    };
    return saveFortnoxConnection(this.#db, binding.tenantId, row, expectedVersion, new Date(value.updatedAt));
  }

  async delete(fortnoxTenantId: string): Promise<void> {
    const binding = this.#bindings.get(fortnoxTenantId);
    if (binding !== undefined) await deleteFortnoxConnection(this.#db, binding.tenantId);
  }
}

/**
 * The database token store with the token fields also encrypted, as the Fortnox client should get it.
 * Saves seal under the current master key; loads also try the old keys of the ring, so connections
 * keep working through a master-key rotation until their next save re-seals them.
 */
export function dbTokenStore(db: Db, keyring: MasterKeyring): { store: TokenStore; db: DbTokenStore } {
  const inner = new DbTokenStore(db, keyring);
  const [current, ...old] = [keyring.current, ...keyring.old].map((k) => new EncryptedTokenStore(inner, deriveTokenKey(k.key)));
  const store: TokenStore = {
    load: async (tenantId) => {
      try {
        return await current!.load(tenantId);
      } catch (err) {
        if ((err as NoxError).code !== 'FORTNOX_TOKEN_UNREADABLE') throw err;
        for (const s of old) {
          const r = await s.load(tenantId).catch(() => undefined);
          if (r !== undefined) return r;
        }
        throw err;
      }
    },
    save: (tenantId, value, expectedVersion) => current!.save(tenantId, value, expectedVersion),
    delete: (tenantId) => current!.delete(tenantId),
  };
  return { db: inner, store };
}
