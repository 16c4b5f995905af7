import { randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { hashToken, newToken } from './tokens.ts';

/** A session lasts 12 hours from its last use, and never more than 7 days from login. */
export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
/** A half-logged-in session (password given, TOTP pending) lasts 10 minutes. */
export const PENDING_MFA_MS = 10 * 60_000;

export interface SessionRecord {
  readonly idHash: string;
  readonly userId: string;
  readonly orgId: string;
  readonly csrfToken: string;
  readonly mfaPassed: boolean;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** Starts a session; the token goes in the cookie, only its hash in the database. */
export async function createSession(
  db: Db,
  input: { userId: string; orgId: string; mfaPassed: boolean; ip?: string | null; userAgent?: string | null; now?: Date },
): Promise<{ token: string; session: SessionRecord }> {
  const now = input.now ?? new Date();
  const { token, hash } = newToken();
  const ttl = input.mfaPassed ? SESSION_IDLE_MS : PENDING_MFA_MS;
  const row = {
    id_hash: hash,
    user_id: input.userId,
    org_id: input.orgId,
    csrf_token: randomBytes(24).toString('base64url'),
    mfa_passed: input.mfaPassed ? 1 : 0,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: new Date(now.getTime() + ttl).toISOString(),
    ip: input.ip ?? null,
    user_agent: input.userAgent?.slice(0, 300) ?? null,
  };
  await db.insertInto('sessions').values(row).execute();
  return { token, session: toSession(row) };
}

/** The live session of a cookie's token, sliding its idle expiry (written at most once a minute). */
export async function loadSession(db: Db, token: string, now = new Date()): Promise<SessionRecord | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const idHash = hashToken(token);
  const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (row === undefined) return undefined;
  if (Date.parse(row.expires_at) <= now.getTime() || Date.parse(row.created_at) + SESSION_MAX_MS <= now.getTime()) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    return undefined;
  }
  if (row.mfa_passed === 1 && now.getTime() - Date.parse(row.last_seen_at) > 60_000) {
    const expires = new Date(Math.min(now.getTime() + SESSION_IDLE_MS, Date.parse(row.created_at) + SESSION_MAX_MS)).toISOString();
    await db.updateTable('sessions').set({ last_seen_at: now.toISOString(), expires_at: expires }).where('id_hash', '=', idHash).execute();
  }
  return toSession(row);
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of a user (password reset, removal), optionally keeping the one in use. */
export async function deleteUserSessions(db: Db, userId: string, options: { except?: string; orgId?: string } = {}): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (options.except !== undefined) q = q.where('id_hash', '<>', options.except);
  if (options.orgId !== undefined) q = q.where('org_id', '=', options.orgId);
  await q.execute();
}

export async function pruneSessions(db: Db, now = new Date()): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).execute();
}

function toSession(row: { id_hash: string; user_id: string; org_id: string; csrf_token: string; mfa_passed: number; created_at: string; expires_at: string }): SessionRecord {
  return { idHash: row.id_hash, userId: row.user_id, orgId: row.org_id, csrfToken: row.csrf_token, mfaPassed: row.mfa_passed === 1, createdAt: row.created_at, expiresAt: row.expires_at };
}

export interface SessionSummary {
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The session asking. */
  readonly current: boolean;
}

/** A user's live signed-in sessions, newest use first (never their ids: only the list a person reviews). */
export async function listUserSessions(db: Db, userId: string, currentIdHash: string, now = new Date()): Promise<SessionSummary[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id_hash', 'created_at', 'last_seen_at', 'ip', 'user_agent'])
    .where('user_id', '=', userId)
    .where('mfa_passed', '=', 1)
    .where('expires_at', '>', now.toISOString())
    .orderBy('last_seen_at', 'desc')
    .limit(50)
    .execute();
  return rows.map((r) => ({ createdAt: r.created_at, lastSeenAt: r.last_seen_at, ip: r.ip, userAgent: r.user_agent, current: r.id_hash === currentIdHash }));
}
