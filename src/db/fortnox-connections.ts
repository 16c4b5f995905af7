import type { Selectable } from 'kysely';
import type { FortnoxAuthMode, FortnoxConnectionStatus, FortnoxConnectionsTable } from './database.ts';
import type { Db } from './open-database.ts';

/**
 * A tenant's connection to Fortnox. The tokens are one opaque, already encrypted blob: the database
 * adapter of the Fortnox client's TokenStore port seals and opens it; this layer never sees them in clear.
 */
export interface FortnoxConnection {
  readonly fortnoxTenantId: string | null;
  readonly authMode: FortnoxAuthMode;
  readonly tokenCiphertext: Uint8Array | null;
  readonly tokenKeyId: string | null;
  readonly accessTokenExpiresAt: string | null;
  readonly status: FortnoxConnectionStatus;
  readonly statusReason: string | null;
  readonly scopes: string | null;
  readonly lease: { readonly owner: string; readonly until: string } | null;
}

export interface StoredFortnoxConnection extends FortnoxConnection {
  readonly tenantId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export async function loadFortnoxConnection(db: Db, tenantId: string): Promise<StoredFortnoxConnection | undefined> {
  const row = await db.selectFrom('fortnox_connections').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  return row === undefined ? undefined : toConnection(row);
}

/**
 * Compare-and-set: writes `value` only if the stored version is still `expectedVersion` (`undefined`:
 * no connection may exist yet). Returns the new version, or null when another writer got there first
 * and nothing was written.
 */
export async function saveFortnoxConnection(
  db: Db,
  tenantId: string,
  value: FortnoxConnection,
  expectedVersion: number | undefined,
  now: Date = new Date(),
): Promise<number | null> {
  const at = now.toISOString();
  const columns = {
    fortnox_tenant_id: value.fortnoxTenantId,
    auth_mode: value.authMode,
    token_ciphertext: value.tokenCiphertext,
    token_key_id: value.tokenKeyId,
    access_token_expires_at: value.accessTokenExpiresAt,
    status: value.status,
    status_reason: value.statusReason,
    scopes: value.scopes,
    lease_owner: value.lease?.owner ?? null,
    lease_until: value.lease?.until ?? null,
    updated_at: at,
  };
  if (expectedVersion === undefined) {
    const r = await db
      .insertInto('fortnox_connections')
      .values({ tenant_id: tenantId, ...columns, created_at: at, version: 1 })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .executeTakeFirst();
    return r.numInsertedOrUpdatedRows === 1n ? 1 : null;
  }
  const r = await db
    .updateTable('fortnox_connections')
    .set({ ...columns, version: expectedVersion + 1 })
    .where('tenant_id', '=', tenantId)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n ? expectedVersion + 1 : null;
}

export async function deleteFortnoxConnection(db: Db, tenantId: string): Promise<void> {
  await db.deleteFrom('fortnox_connections').where('tenant_id', '=', tenantId).execute();
}

function toConnection(r: Selectable<FortnoxConnectionsTable>): StoredFortnoxConnection {
  return {
    tenantId: r.tenant_id,
    fortnoxTenantId: r.fortnox_tenant_id,
    authMode: r.auth_mode,
    tokenCiphertext: r.token_ciphertext === null ? null : new Uint8Array(r.token_ciphertext),
    tokenKeyId: r.token_key_id,
    accessTokenExpiresAt: r.access_token_expires_at,
    status: r.status,
    statusReason: r.status_reason,
    scopes: r.scopes,
    lease: r.lease_owner === null || r.lease_until === null ? null : { owner: r.lease_owner, until: r.lease_until },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}
