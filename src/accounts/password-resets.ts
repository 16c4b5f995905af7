import type { Db } from '../db/index.ts';
import { hashToken, newToken } from './tokens.ts';

/** A reset link works once, for one hour. */
export const RESET_TTL_MS = 3600_000;

/** Issues a reset token for the user; the token goes in the e-mail, only its hash is stored. */
export async function createPasswordReset(db: Db, userId: string, now = new Date()): Promise<string> {
  const { token, hash } = newToken();
  await db
    .insertInto('password_resets')
    .values({ token_hash: hash, user_id: userId, created_at: now.toISOString(), expires_at: new Date(now.getTime() + RESET_TTL_MS).toISOString(), used_at: null })
    .execute();
  return token;
}

/** The user a live, unused reset token belongs to. */
export async function resetTokenUser(db: Db, token: string, now = new Date()): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const row = await db.selectFrom('password_resets').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
  if (row === undefined || row.used_at !== null || Date.parse(row.expires_at) <= now.getTime()) return undefined;
  return row.user_id;
}

/**
 * Marks the token used, and every other outstanding token of the user with it; false when it was
 * already used (two submissions of the same link: only one sets the password).
 */
export async function consumePasswordReset(db: Db, token: string, now = new Date()): Promise<string | undefined> {
  const userId = await resetTokenUser(db, token, now);
  if (userId === undefined) return undefined;
  const r = await db.updateTable('password_resets').set({ used_at: now.toISOString() }).where('token_hash', '=', hashToken(token)).where('used_at', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return undefined;
  await db.updateTable('password_resets').set({ used_at: now.toISOString() }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
  return userId;
}
