import type { Db } from '../db/index.ts';
import { normaliseEmail } from './users.ts';

/**
 * Login rate limiting over the `login_attempts` table, so every web process sees the same counts.
 * Failures are counted per e-mail address (slows guessing one account's password) and per client
 * address (slows trying one common password against many accounts), over a sliding window.
 */

export interface LoginThrottleLimits {
  /** Failures allowed per e-mail address within the window before logins for it are refused. */
  readonly perEmail: number;
  /** Failures allowed per client address within the window. */
  readonly perIp: number;
  readonly windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = Object.freeze({ perEmail: 5, perIp: 20, windowSeconds: 15 * 60 });

const emailKey = (email: string): string => `email:${normaliseEmail(email)}`;
const ipKey = (ip: string): string => `ip:${ip}`;

/** Records one failed login for the address and, when known, the client address. */
export async function recordFailedLogin(db: Db, attempt: { email: string; ip?: string | null; at: Date }): Promise<void> {
  const attemptedAt = attempt.at.toISOString();
  const keys = [emailKey(attempt.email), ...(attempt.ip === undefined || attempt.ip === null || attempt.ip === '' ? [] : [ipKey(attempt.ip)])];
  await db
    .insertInto('login_attempts')
    .values(keys.map((key) => ({ key, attempted_at: attemptedAt })))
    .execute();
}

/** Seconds until `key` drops below `limit` failures in the window ending at `now`; 0 if it already is. */
async function secondsBlocked(db: Db, key: string, limit: number, now: Date, windowMs: number): Promise<number> {
  const since = new Date(now.getTime() - windowMs).toISOString();
  // Only the newest `limit` failures matter: the oldest of them is the one whose expiry unblocks.
  const rows = await db
    .selectFrom('login_attempts')
    .select('attempted_at')
    .where('key', '=', key)
    .where('attempted_at', '>', since)
    .orderBy('attempted_at', 'desc')
    .limit(limit)
    .execute();
  if (rows.length < limit) return 0;
  const oldest = Date.parse(rows[rows.length - 1]!.attempted_at);
  return Math.max(1, Math.ceil((oldest + windowMs - now.getTime()) / 1000));
}

/**
 * Whether a login for `email` from `ip` must be refused before the password is even checked, and for
 * how long (for a Retry-After header and the message). Checked before verifying, so a blocked attacker
 * learns nothing from further guesses, right or wrong.
 */
export async function loginBlocked(
  db: Db,
  attempt: { email: string; ip?: string | null; now: Date },
  limits: LoginThrottleLimits = DEFAULT_LOGIN_LIMITS,
): Promise<{ blocked: boolean; retryAfterSeconds: number }> {
  const windowMs = limits.windowSeconds * 1000;
  const byEmail = await secondsBlocked(db, emailKey(attempt.email), limits.perEmail, attempt.now, windowMs);
  const byIp = attempt.ip === undefined || attempt.ip === null || attempt.ip === '' ? 0 : await secondsBlocked(db, ipKey(attempt.ip), limits.perIp, attempt.now, windowMs);
  const retryAfterSeconds = Math.max(byEmail, byIp);
  return { blocked: retryAfterSeconds > 0, retryAfterSeconds };
}

/**
 * Forgets the failures for an address after a successful login. The client address's count is kept:
 * otherwise an attacker holding one valid account could reset it between guesses at others.
 */
export async function clearFailedLogins(db: Db, email: string): Promise<void> {
  await db.deleteFrom('login_attempts').where('key', '=', emailKey(email)).execute();
}

/** Deletes attempts older than `before` (any time older than the window will do); returns how many. */
export async function pruneLoginAttempts(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('login_attempts').where('attempted_at', '<', before.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
