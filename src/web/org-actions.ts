/**
 * What an organisation's administrator can change, shared by the pages and the JSON API: each action
 * checks its rules (the last administrator stays, ids belong to the organisation, an exact sentence
 * confirms termination), makes the change and writes the audit entry.
 */
import type { Transaction } from 'kysely';
import { audit } from '../accounts/audit.ts';
import { createInvitation, getInvitation, revokeInvitation, type Invitation } from '../accounts/invitations.ts';
import { assignCompanies, countAdmins, getOrganisation, membership, removeMember, setRole, updateOrganisation, type Organisation } from '../accounts/organisations.ts';
import { deleteUserSessions } from '../accounts/sessions.ts';
import { findUserByEmail, getUser, isEmail, normaliseEmail, type User } from '../accounts/users.ts';
import { inTransaction, updateTenant, type Database, type Db, type Role } from '../db/index.ts';
import { dialectOf } from '../db/dialect.ts';
import type { WebContext } from './context.ts';
import { HttpError, notFound } from './request-context.ts';
import { planById } from './org-plans.ts';
import { raiseAlert, resolveAlerts } from '../db/alerts.ts';
import { terminationDates, type TerminationDates } from '../lifecycle/termination.ts';
import { deleteTenantData, type DeletionCertificate } from '../lifecycle/delete-tenant.ts';
import type { Tenant } from '../db/index.ts';

/** Who is acting, from the session. */
export interface Actor {
  readonly org: Organisation;
  readonly user: User;
  readonly ip: string;
}

export const ROLE_VALUES: readonly Role[] = ['admin', 'user', 'readonly'];

export function isRole(value: string): value is Role {
  return (ROLE_VALUES as readonly string[]).includes(value);
}

/** A rule the request broke, with a stable code the pages translate. */
export class OrgRuleError extends HttpError {
  constructor(code: 'LAST_ADMIN' | 'BAD_EMAIL' | 'BAD_ROLE' | 'ALREADY_MEMBER' | 'BAD_PLAN' | 'BAD_SENTENCE' | 'NOT_TERMINATED' | 'NOTICE_OVER' | 'ALREADY_TERMINATED' | 'COMPANY_BUSY', message: string) {
    super(code === 'LAST_ADMIN' || code === 'ALREADY_MEMBER' || code === 'NOTICE_OVER' || code === 'ALREADY_TERMINATED' || code === 'NOT_TERMINATED' || code === 'COMPANY_BUSY' ? 409 : 400, code, message);
  }
}

const log = (ctx: WebContext, actor: Actor, action: string, target: string | null, details?: Record<string, unknown>) =>
  audit(ctx.app.db, { orgId: actor.org.id, userId: actor.user.id, userEmail: actor.user.email, action, target, ...(details === undefined ? {} : { details }), ip: actor.ip, at: ctx.now() });

/** Holds the organisation's row until the transaction ends (PostgreSQL; SQLite's write lock already serialises). */
async function lockOrganisation(trx: Transaction<Database>, orgId: string): Promise<void> {
  let q = trx.selectFrom('organisations').select('id').where('id', '=', orgId);
  if (dialectOf(trx) === 'postgres') q = q.forUpdate();
  await q.executeTakeFirst();
}

/** The organisation's companies (tenant ids) among those asked for; others are dropped silently. */
async function ownCompanies(db: Db, orgId: string, tenantIds: readonly string[]): Promise<string[]> {
  if (tenantIds.length === 0) return [];
  const rows = await db.selectFrom('org_companies').select('tenant_id').where('org_id', '=', orgId).where('tenant_id', 'in', [...new Set(tenantIds)]).execute();
  return rows.map((r) => r.tenant_id);
}

/** The member of the actor's organisation, or 404: another organisation's user id is indistinguishable from none. */
export async function memberOf(ctx: WebContext, orgId: string, userId: string): Promise<{ user: User; role: Role }> {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(userId)) throw notFound();
  const role = await membership(ctx.app.db, orgId, userId);
  const user = role === undefined ? undefined : await getUser(ctx.app.db, userId);
  if (role === undefined || user === undefined) throw notFound();
  return { user, role };
}

export async function invitationOf(ctx: WebContext, orgId: string, invitationId: string): Promise<Invitation> {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(invitationId)) throw notFound();
  const invitation = await getInvitation(ctx.app.db, orgId, invitationId);
  if (invitation === undefined) throw notFound();
  return invitation;
}

export async function invite(ctx: WebContext, actor: Actor, input: { email: string; role: string; tenantIds: readonly string[] }): Promise<{ invitation: Invitation; token: string }> {
  const db = ctx.app.db;
  const email = normaliseEmail(input.email);
  if (!isEmail(email)) throw new OrgRuleError('BAD_EMAIL', 'Enter a valid e-mail address');
  if (!isRole(input.role)) throw new OrgRuleError('BAD_ROLE', 'Unknown role');
  const existing = await findUserByEmail(db, email);
  if (existing !== undefined && (await membership(db, actor.org.id, existing.user.id)) !== undefined) throw new OrgRuleError('ALREADY_MEMBER', 'That person is already a member');
  // Assignments only matter for a firm's users and read-only users; administrators see every company.
  const tenantIds = actor.org.kind === 'firm' && input.role !== 'admin' ? await ownCompanies(db, actor.org.id, input.tenantIds) : [];
  const created = await createInvitation(db, { orgId: actor.org.id, email, role: input.role, tenantIds, invitedBy: actor.user.id, now: ctx.now() });
  await log(ctx, actor, 'user.invite', email, { invitationId: created.invitation.id, role: input.role, companies: tenantIds });
  return created;
}

export async function revoke(ctx: WebContext, actor: Actor, invitationId: string): Promise<void> {
  const invitation = await invitationOf(ctx, actor.org.id, invitationId);
  if (await revokeInvitation(ctx.app.db, actor.org.id, invitation.id, ctx.now())) await log(ctx, actor, 'invitation.revoke', invitation.email, { invitationId: invitation.id });
}

export async function changeRole(ctx: WebContext, actor: Actor, userId: string, role: string): Promise<void> {
  if (!isRole(role)) throw new OrgRuleError('BAD_ROLE', 'Unknown role');
  const member = await memberOf(ctx, actor.org.id, userId);
  if (member.role === role) return;
  await inTransaction(ctx.app.db, async (trx) => {
    await lockOrganisation(trx, actor.org.id);
    if (member.role === 'admin' && (await countAdmins(trx, actor.org.id)) <= 1) throw new OrgRuleError('LAST_ADMIN', 'The organisation must keep at least one system administrator');
    await setRole(trx, actor.org.id, userId, role);
  });
  await log(ctx, actor, 'user.role', member.user.email, { userId, from: member.role, to: role });
}

export async function assign(ctx: WebContext, actor: Actor, userId: string, tenantIds: readonly string[]): Promise<string[]> {
  const member = await memberOf(ctx, actor.org.id, userId);
  const own = await ownCompanies(ctx.app.db, actor.org.id, tenantIds);
  await assignCompanies(ctx.app.db, actor.org.id, userId, own, ctx.now());
  await log(ctx, actor, 'user.assign', member.user.email, { userId, companies: own });
  return own;
}

export async function remove(ctx: WebContext, actor: Actor, userId: string): Promise<void> {
  const member = await memberOf(ctx, actor.org.id, userId);
  await inTransaction(ctx.app.db, async (trx) => {
    await lockOrganisation(trx, actor.org.id);
    if (member.role === 'admin' && (await countAdmins(trx, actor.org.id)) <= 1) throw new OrgRuleError('LAST_ADMIN', 'The organisation must keep at least one system administrator');
    await removeMember(trx, actor.org.id, userId);
    await deleteUserSessions(trx, userId, { orgId: actor.org.id });
  });
  await log(ctx, actor, 'user.remove', member.user.email, { userId, role: member.role });
}

export async function changePlan(ctx: WebContext, actor: Actor, planId: string): Promise<void> {
  const plan = planById(planId);
  if (plan?.kind !== actor.org.kind) throw new OrgRuleError('BAD_PLAN', 'No such plan for this organisation');
  if (plan.id === actor.org.plan) return;
  await updateOrganisation(ctx.app.db, actor.org.id, { plan: plan.id });
  await log(ctx, actor, 'org.plan', null, { from: actor.org.plan, to: plan.id });
}

export { addOneMonth, DELETION_GRACE_DAYS, terminationDates, type TerminationDates } from '../lifecycle/termination.ts';

/** The sentence an administrator types to terminate, in either language. */
export function terminationSentences(orgName: string): { sv: string; en: string } {
  return { sv: `Jag säger upp Noxbackup för ${orgName}`, en: `I terminate Noxbackup for ${orgName}` };
}

/** The organisation's companies still backed up or kept (a deleted one's dates are history). */
async function orgCompanyIds(db: Db, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('org_companies')
    .innerJoin('tenants', 'tenants.id', 'org_companies.tenant_id')
    .select('org_companies.tenant_id')
    .where('org_companies.org_id', '=', orgId)
    .where('tenants.status', '=', 'active')
    .execute();
  return rows.map((r) => r.tenant_id);
}

/**
 * Terminates the subscription with one month's notice (DESIGN.md §7): the organisation is marked
 * terminated, and each of its companies gets its termination time and the date its backups are deleted.
 * Backups go on during the notice period.
 */
export async function terminate(ctx: WebContext, actor: Actor, sentence: string): Promise<TerminationDates> {
  const expected = terminationSentences(actor.org.name);
  if (sentence !== expected.sv && sentence !== expected.en) throw new OrgRuleError('BAD_SENTENCE', 'Type the sentence exactly as shown');
  const dates = terminationDates(ctx.now());
  await inTransaction(ctx.app.db, async (trx) => {
    await lockOrganisation(trx, actor.org.id);
    const org = await getOrganisation(trx, actor.org.id);
    if (org?.status !== 'active') throw new OrgRuleError('ALREADY_TERMINATED', 'The subscription is already terminated');
    await updateOrganisation(trx, actor.org.id, { status: 'terminated', terminatedAt: dates.terminatedAt });
    for (const tenantId of await orgCompanyIds(trx, actor.org.id)) {
      await updateTenant(trx, tenantId, { terminatedAt: dates.terminatedAt, deletionDueAt: dates.deletionDueAt });
      // Everyone who sees the company is told (in the UI and by e-mail) when its backups will be deleted.
      await raiseAlert(trx, { tenantId, kind: 'deletion_scheduled', severity: 'warning', details: { noticeEndsAt: dates.noticeEndsAt.toISOString(), deletionDueAt: dates.deletionDueAt.toISOString() }, at: dates.terminatedAt });
    }
  });
  await log(ctx, actor, 'org.terminate', null, { noticeEndsAt: dates.noticeEndsAt.toISOString(), deletionDueAt: dates.deletionDueAt.toISOString() });
  return dates;
}

/** Withdraws a termination while its notice period runs. */
export async function cancelTermination(ctx: WebContext, actor: Actor): Promise<void> {
  await inTransaction(ctx.app.db, async (trx) => {
    await lockOrganisation(trx, actor.org.id);
    const org = await getOrganisation(trx, actor.org.id);
    if (org?.status !== 'terminated' || org.terminatedAt === null) throw new OrgRuleError('NOT_TERMINATED', 'The subscription is not terminated');
    if (terminationDates(new Date(org.terminatedAt)).noticeEndsAt.getTime() <= ctx.now().getTime()) throw new OrgRuleError('NOTICE_OVER', 'The notice period has ended; the termination can no longer be withdrawn');
    await updateOrganisation(trx, actor.org.id, { status: 'active', terminatedAt: null });
    for (const tenantId of await orgCompanyIds(trx, actor.org.id)) {
      await updateTenant(trx, tenantId, { terminatedAt: null, deletionDueAt: null });
      await resolveAlerts(trx, tenantId, 'deletion_scheduled', ctx.now());
    }
  });
  await log(ctx, actor, 'org.terminate_cancel', null);
}

/** The sentence an administrator types to delete a company's backups at once, in either language. */
export function deletionSentences(companyName: string): { sv: string; en: string } {
  return { sv: `Radera alla säkerhetskopior av ${companyName} för gott`, en: `Delete all backups of ${companyName} for good` };
}

/**
 * Deletes a company's backups at once and for good (DESIGN.md §7), when the exact sentence naming it
 * was typed; refused while a backup or restore of it is queued or running. Returns the certificate;
 * the deletion writes the `company.deleted` audit entry and mails the administrators.
 */
export async function deleteCompanyNow(ctx: WebContext, actor: Actor, tenant: Tenant, sentence: string): Promise<DeletionCertificate> {
  const expected = deletionSentences(tenant.name);
  if (sentence !== expected.sv && sentence !== expected.en) throw new OrgRuleError('BAD_SENTENCE', 'Type the sentence exactly as shown');
  if ((await ctx.queue.pending(tenant.id)).length > 0) throw new OrgRuleError('COMPANY_BUSY', 'A backup or restore of the company is running; delete it when it has finished');
  const { certificate } = await deleteTenantData(ctx.app, tenant.id, {
    reason: { kind: 'request', userId: actor.user.id, email: actor.user.email, ip: actor.ip },
    now: ctx.now(),
    mailer: ctx.mailer,
    publicUrl: ctx.publicUrl,
    log: (line) => console.error(`noxbackup: ${line}`),
  });
  return certificate;
}

/** The organisation's deleted companies, newest first (at most `limit`), for their certificates. */
export async function deletedCompanies(db: Db, orgId: string, limit = 100): Promise<{ id: string; name: string; deletedAt: string | null }[]> {
  const rows = await db
    .selectFrom('org_companies')
    .innerJoin('tenants', 'tenants.id', 'org_companies.tenant_id')
    .select(['tenants.id', 'tenants.name', 'tenants.deleted_at'])
    .where('org_companies.org_id', '=', orgId)
    .where('tenants.status', '=', 'deleted')
    .orderBy('tenants.deleted_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, deletedAt: r.deleted_at }));
}

/** Whether the company is (or was) the organisation's, whatever its status: certificates outlive the company. */
export async function ownsCompany(db: Db, orgId: string, tenantId: string): Promise<boolean> {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(tenantId)) return false;
  return (await db.selectFrom('org_companies').select('tenant_id').where('org_id', '=', orgId).where('tenant_id', '=', tenantId).executeTakeFirst()) !== undefined;
}
