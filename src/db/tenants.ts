import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { TenantStatus, TenantsTable } from './database.ts';
import type { Db } from './open-database.ts';

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly orgNumber: string | null;
  readonly status: TenantStatus;
  readonly createdAt: string;
  readonly terminatedAt: string | null;
  readonly deletionDueAt: string | null;
  readonly deletedAt: string | null;
  readonly dataKeyId: string | null;
}

export interface NewTenant {
  /** Default: a random UUID. */
  readonly id?: string;
  readonly name: string;
  readonly orgNumber?: string | null;
  readonly dataKeyId?: string | null;
  readonly createdAt?: Date | string;
}

export async function createTenant(db: Db, input: NewTenant): Promise<Tenant> {
  const row = {
    id: input.id ?? randomUUID(),
    name: input.name,
    org_number: input.orgNumber ?? null,
    status: 'active' as const,
    created_at: new Date(input.createdAt ?? Date.now()).toISOString(),
    terminated_at: null,
    deletion_due_at: null,
    deleted_at: null,
    data_key_id: input.dataKeyId ?? null,
  };
  await db.insertInto('tenants').values(row).execute();
  return toTenant(row);
}

export async function getTenant(db: Db, tenantId: string): Promise<Tenant | undefined> {
  const row = await db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
  return row === undefined ? undefined : toTenant(row);
}

/** Every tenant (optionally of one status), for the scheduler and the operators; not for the web layer. */
export async function listTenants(db: Db, options: { status?: TenantStatus } = {}): Promise<Tenant[]> {
  let q = db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id');
  if (options.status !== undefined) q = q.where('status', '=', options.status);
  return (await q.execute()).map(toTenant);
}

export interface TenantChanges {
  readonly name?: string;
  readonly orgNumber?: string | null;
  readonly status?: TenantStatus;
  readonly terminatedAt?: Date | string | null;
  readonly deletionDueAt?: Date | string | null;
  readonly deletedAt?: Date | string | null;
  readonly dataKeyId?: string | null;
}

/** Changes the given fields; returns the tenant as it now is, or undefined if there is none. */
export async function updateTenant(db: Db, tenantId: string, changes: TenantChanges): Promise<Tenant | undefined> {
  const time = (t: Date | string | null | undefined) => (t === undefined ? undefined : t === null ? null : new Date(t).toISOString());
  const set = Object.fromEntries(
    Object.entries({
      name: changes.name,
      org_number: changes.orgNumber,
      status: changes.status,
      terminated_at: time(changes.terminatedAt),
      deletion_due_at: time(changes.deletionDueAt),
      deleted_at: time(changes.deletedAt),
      data_key_id: changes.dataKeyId,
    }).filter(([, v]) => v !== undefined),
  );
  if (Object.keys(set).length > 0) await db.updateTable('tenants').set(set).where('id', '=', tenantId).execute();
  return getTenant(db, tenantId);
}

function toTenant(r: Selectable<TenantsTable>): Tenant {
  return {
    id: r.id,
    name: r.name,
    orgNumber: r.org_number,
    status: r.status,
    createdAt: r.created_at,
    terminatedAt: r.terminated_at,
    deletionDueAt: r.deletion_due_at,
    deletedAt: r.deleted_at,
    dataKeyId: r.data_key_id,
  };
}
