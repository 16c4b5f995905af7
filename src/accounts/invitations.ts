import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db, InvitationsTable, Role } from '../db/index.ts';
import { inTransaction } from '../db/index.ts';
import { addMember, assignCompanies, membership } from './organisations.ts';
import { hashToken, newToken } from './tokens.ts';
import { normaliseEmail } from './users.ts';

/** An invitation link works once, for seven days. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

export interface Invitation {
  readonly id: string;
  readonly orgId: string;
  readonly email: string;
  readonly role: Role;
  /** The client companies a firm's user is assigned to on joining. */
  readonly tenantIds: readonly string[];
  readonly invitedBy: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly acceptedAt: string | null;
  readonly revokedAt: string | null;
}

/** Why a link does not work (any more), or `valid`. */
export type InvitationState = 'valid' | 'expired' | 'revoked' | 'accepted';

export function invitationState(invitation: Invitation, now: Date): InvitationState {
  if (invitation.acceptedAt !== null) return 'accepted';
  if (invitation.revokedAt !== null) return 'revoked';
  if (Date.parse(invitation.expiresAt) <= now.getTime()) return 'expired';
  return 'valid';
}

/**
 * Issues an invitation and returns it with its token (for the e-mailed link; only the token's hash is
 * stored). An earlier outstanding invitation of the same address to the same organisation is revoked,
 * so only the newest link works.
 */
export async function createInvitation(
  db: Db,
  input: { orgId: string; email: string; role: Role; tenantIds?: readonly string[]; invitedBy: string; now?: Date },
): Promise<{ invitation: Invitation; token: string }> {
  const now = input.now ?? new Date();
  const { token, hash } = newToken();
  const tenantIds = [...new Set(input.tenantIds ?? [])];
  const row = {
    token_hash: hash,
    id: randomUUID(),
    org_id: input.orgId,
    email: normaliseEmail(input.email),
    role: input.role,
    tenant_ids: tenantIds.length === 0 ? null : tenantIds.join(','),
    invited_by: input.invitedBy,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + INVITATION_TTL_MS).toISOString(),
    accepted_at: null,
    revoked_at: null,
  };
  await inTransaction(db, async (tx) => {
    await tx
      .updateTable('invitations')
      .set({ revoked_at: now.toISOString() })
      .where('org_id', '=', row.org_id)
      .where('email', '=', row.email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    await tx.insertInto('invitations').values(row).execute();
  });
  return { invitation: toInvitation(row), token };
}

/** The organisation's invitation with this id (another organisation's: undefined). */
export async function getInvitation(db: Db, orgId: string, id: string): Promise<Invitation | undefined> {
  const row = await db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toInvitation(row);
}

/** The invitation a link's token belongs to, whatever its state. */
export async function invitationByToken(db: Db, token: string): Promise<Invitation | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const row = await db.selectFrom('invitations').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
  return row === undefined ? undefined : toInvitation(row);
}

/** Invitations neither accepted nor revoked (expired ones too, so an administrator sees them lapse), newest first. */
export async function listPendingInvitations(db: Db, orgId: string, limit = 100): Promise<Invitation[]> {
  const rows = await db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toInvitation);
}

/** Revokes an outstanding invitation of the organisation; false when there is none to revoke. */
export async function revokeInvitation(db: Db, orgId: string, id: string, now = new Date()): Promise<boolean> {
  const r = await db
    .updateTable('invitations')
    .set({ revoked_at: now.toISOString() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export type AcceptResult =
  | { readonly ok: true; readonly invitation: Invitation }
  | { readonly ok: false; readonly reason: Exclude<InvitationState, 'valid'> | 'unknown' | 'already_member' };

/**
 * Uses the invitation for the user: marks it accepted (only one of two racing submissions wins), makes
 * the user a member with the invited role and assigns the invited companies that are still the
 * organisation's. Runs in the caller's transaction when there is one, so a new account and its
 * membership are created together or not at all.
 */
export async function acceptInvitation(db: Db, token: string, userId: string, now = new Date()): Promise<AcceptResult> {
  return inTransaction(db, async (tx) => {
    const invitation = await invitationByToken(tx, token);
    if (invitation === undefined) return { ok: false, reason: 'unknown' };
    const state = invitationState(invitation, now);
    if (state !== 'valid') return { ok: false, reason: state };
    if ((await membership(tx, invitation.orgId, userId)) !== undefined) return { ok: false, reason: 'already_member' };
    const r = await tx
      .updateTable('invitations')
      .set({ accepted_at: now.toISOString() })
      .where('token_hash', '=', hashToken(token))
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return { ok: false, reason: 'accepted' };
    await addMember(tx, invitation.orgId, userId, invitation.role, now);
    if (invitation.tenantIds.length > 0) await assignCompanies(tx, invitation.orgId, userId, invitation.tenantIds, now);
    return { ok: true, invitation: { ...invitation, acceptedAt: now.toISOString() } };
  });
}

function toInvitation(row: Selectable<InvitationsTable>): Invitation {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role,
    tenantIds: row.tenant_ids === null || row.tenant_ids === '' ? [] : row.tenant_ids.split(','),
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    revokedAt: row.revoked_at,
  };
}
