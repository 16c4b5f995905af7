import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db, OrganisationKind, OrganisationsTable, Role } from '../db/index.ts';
import type { User } from './users.ts';
import { getUser } from './users.ts';

export interface Organisation {
  readonly id: string;
  readonly kind: OrganisationKind;
  readonly name: string;
  readonly orgNumber: string | null;
  readonly plan: string;
  readonly status: 'active' | 'terminated';
  readonly createdAt: string;
  readonly terminatedAt: string | null;
}

export const ROLES: readonly Role[] = ['admin', 'user', 'readonly'];
export const DEFAULT_PLAN = { company: 'bas', firm: 'byra' } as const;

export async function createOrganisation(db: Db, input: { kind: OrganisationKind; name: string; orgNumber?: string | null; now?: Date }): Promise<Organisation> {
  const row = {
    id: randomUUID(),
    kind: input.kind,
    name: input.name.trim(),
    org_number: input.orgNumber ?? null,
    plan: DEFAULT_PLAN[input.kind],
    status: 'active' as const,
    created_at: (input.now ?? new Date()).toISOString(),
    terminated_at: null,
  };
  await db.insertInto('organisations').values(row).execute();
  return toOrganisation(row);
}

export async function getOrganisation(db: Db, id: string): Promise<Organisation | undefined> {
  const row = await db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toOrganisation(row);
}

export async function updateOrganisation(db: Db, id: string, changes: { plan?: string; status?: 'active' | 'terminated'; terminatedAt?: Date | null; name?: string }): Promise<void> {
  await db
    .updateTable('organisations')
    .set({
      ...(changes.plan === undefined ? {} : { plan: changes.plan }),
      ...(changes.status === undefined ? {} : { status: changes.status }),
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.terminatedAt === undefined ? {} : { terminated_at: changes.terminatedAt?.toISOString() ?? null }),
    })
    .where('id', '=', id)
    .execute();
}

export async function addMember(db: Db, orgId: string, userId: string, role: Role, now = new Date()): Promise<void> {
  await db.insertInto('memberships').values({ org_id: orgId, user_id: userId, role, created_at: now.toISOString() }).execute();
}

/** The organisations a user belongs to, oldest membership first: the first is where a login lands. */
export async function membershipsOf(db: Db, userId: string): Promise<{ orgId: string; role: Role }[]> {
  const rows = await db.selectFrom('memberships').select(['org_id', 'role']).where('user_id', '=', userId).orderBy('created_at').orderBy('org_id').execute();
  return rows.map((r) => ({ orgId: r.org_id, role: r.role }));
}

export async function membership(db: Db, orgId: string, userId: string): Promise<Role | undefined> {
  const row = await db.selectFrom('memberships').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return row?.role;
}

export interface Member {
  readonly user: User;
  readonly role: Role;
  /** Tenant ids assigned to the member (meaningful in a firm, for users other than administrators). */
  readonly companies: readonly string[];
}

export async function listMembers(db: Db, orgId: string): Promise<Member[]> {
  const rows = await db.selectFrom('memberships').select(['user_id', 'role']).where('org_id', '=', orgId).orderBy('created_at').execute();
  const assignments = await db.selectFrom('company_assignments').select(['user_id', 'tenant_id']).where('org_id', '=', orgId).execute();
  const members: Member[] = [];
  for (const r of rows) {
    const user = await getUser(db, r.user_id);
    if (user === undefined) continue;
    members.push({ user, role: r.role, companies: assignments.filter((a) => a.user_id === r.user_id).map((a) => a.tenant_id) });
  }
  return members;
}

export async function setRole(db: Db, orgId: string, userId: string, role: Role): Promise<void> {
  await db.updateTable('memberships').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function removeMember(db: Db, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('company_assignments').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function countAdmins(db: Db, orgId: string): Promise<number> {
  const r = await db.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).where('role', '=', 'admin').executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Makes a backed-up company (tenant) the organisation's. */
export async function linkCompany(db: Db, orgId: string, tenantId: string, now = new Date()): Promise<void> {
  await db.insertInto('org_companies').values({ org_id: orgId, tenant_id: tenantId, created_at: now.toISOString() }).execute();
}

export async function companyOwner(db: Db, tenantId: string): Promise<string | undefined> {
  const row = await db.selectFrom('org_companies').select('org_id').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row?.org_id;
}

/** Replaces the companies assigned to a firm's user; only the organisation's own companies are kept. */
export async function assignCompanies(db: Db, orgId: string, userId: string, tenantIds: readonly string[], now = new Date()): Promise<void> {
  const own = new Set((await db.selectFrom('org_companies').select('tenant_id').where('org_id', '=', orgId).execute()).map((r) => r.tenant_id));
  await db.deleteFrom('company_assignments').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  const rows = [...new Set(tenantIds)].filter((t) => own.has(t)).map((tenant_id) => ({ org_id: orgId, user_id: userId, tenant_id, created_at: now.toISOString() }));
  if (rows.length > 0) await db.insertInto('company_assignments').values(rows).execute();
}

function toOrganisation(row: Selectable<OrganisationsTable>): Organisation {
  return { id: row.id, kind: row.kind, name: row.name, orgNumber: row.org_number, plan: row.plan, status: row.status, createdAt: row.created_at, terminatedAt: row.terminated_at };
}
