import type { Db, OrganisationKind, Role, Tenant } from '../db/index.ts';
import { getTenant } from '../db/index.ts';

/**
 * Who is asking, as the authenticated session says: never taken from the request. Every query the web
 * layer makes about a company goes through `visibleCompanyIds` or `companyFor`.
 */
export interface Principal {
  readonly userId: string;
  readonly email: string;
  readonly orgId: string;
  readonly orgKind: OrganisationKind;
  readonly role: Role;
}

export type Permission =
  /** Snapshots, records, history, diffs, files, alerts. */
  | 'browse'
  | 'export'
  | 'restore'
  /** Start a backup now, acknowledge alerts. */
  | 'operate'
  /** Users, invitations, subscription, termination, connecting companies. */
  | 'administer'
  /** The audit log. */
  | 'audit';

const GRANTS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set<Permission>(['browse', 'export', 'restore', 'operate', 'administer', 'audit']),
  user: new Set<Permission>(['browse', 'export', 'restore', 'operate']),
  // The auditor reads everything they are shown, including who did what, and changes nothing.
  readonly: new Set<Permission>(['browse', 'audit']),
};

export function can(principal: Pick<Principal, 'role'>, permission: Permission): boolean {
  return GRANTS[principal.role].has(permission);
}

/**
 * The companies the principal may see: all of the organisation's for its administrators and for every
 * user of a company customer; in a firm, a user or read-only user sees only those assigned to them.
 */
export async function visibleCompanyIds(db: Db, principal: Principal): Promise<string[]> {
  if (principal.role === 'admin' || principal.orgKind === 'company') {
    const rows = await db.selectFrom('org_companies').select('tenant_id').where('org_id', '=', principal.orgId).orderBy('created_at').execute();
    return rows.map((r) => r.tenant_id);
  }
  const rows = await db
    .selectFrom('company_assignments')
    .innerJoin('org_companies', 'org_companies.tenant_id', 'company_assignments.tenant_id')
    .select('company_assignments.tenant_id')
    .where('company_assignments.org_id', '=', principal.orgId)
    .where('org_companies.org_id', '=', principal.orgId)
    .where('company_assignments.user_id', '=', principal.userId)
    .orderBy('org_companies.created_at')
    .execute();
  return rows.map((r) => r.tenant_id);
}

export async function visibleCompanies(db: Db, principal: Principal): Promise<Tenant[]> {
  const ids = await visibleCompanyIds(db, principal);
  const tenants: Tenant[] = [];
  for (const id of ids) {
    const t = await getTenant(db, id);
    if (t !== undefined && t.status !== 'deleted') tenants.push(t);
  }
  return tenants;
}

/**
 * The company if the principal may see it, else undefined: the caller answers 404 either way, so
 * another tenant's id is indistinguishable from one that does not exist.
 */
export async function companyFor(db: Db, principal: Principal, tenantId: string): Promise<Tenant | undefined> {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(tenantId)) return undefined;
  // One indexed lookup for this company (every company route runs it), not the list of all visible ones.
  const owned = await db.selectFrom('org_companies').select('tenant_id').where('tenant_id', '=', tenantId).where('org_id', '=', principal.orgId).executeTakeFirst();
  if (owned === undefined) return undefined;
  if (principal.role !== 'admin' && principal.orgKind !== 'company') {
    const assigned = await db
      .selectFrom('company_assignments')
      .select('tenant_id')
      .where('org_id', '=', principal.orgId)
      .where('user_id', '=', principal.userId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    if (assigned === undefined) return undefined;
  }
  const tenant = await getTenant(db, tenantId);
  return tenant === undefined || tenant.status === 'deleted' ? undefined : tenant;
}
