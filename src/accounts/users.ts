import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db, Locale, UsersTable } from '../db/index.ts';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly locale: Locale;
  readonly totpEnabled: boolean;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

/** E-mail addresses compare case-insensitively and without surrounding blanks. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A plausible address: one @, no blanks, a dot in the domain. Delivery is what really proves it. */
export function isEmail(email: string): boolean {
  return /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/.test(email) && email.length <= 254;
}

export async function createUser(db: Db, input: { email: string; name: string; passwordHash: string; locale: Locale; now?: Date }): Promise<User> {
  const row = {
    id: randomUUID(),
    email: normaliseEmail(input.email),
    name: input.name.trim(),
    password_hash: input.passwordHash,
    locale: input.locale,
    totp_ciphertext: null,
    totp_key_id: null,
    totp_enabled_at: null,
    totp_last_step: null,
    created_at: (input.now ?? new Date()).toISOString(),
    disabled_at: null,
  };
  await db.insertInto('users').values(row).execute();
  return toUser(row);
}

export async function getUser(db: Db, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** The user and what login needs to check (the password hash and the TOTP secret's ciphertext). */
export async function findUserByEmail(db: Db, email: string): Promise<{ user: User; row: Selectable<UsersTable> } | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
  return row === undefined ? undefined : { user: toUser(row), row };
}

export async function userRow(db: Db, id: string): Promise<Selectable<UsersTable> | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setPasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

export async function setLocale(db: Db, userId: string, locale: Locale): Promise<void> {
  await db.updateTable('users').set({ locale }).where('id', '=', userId).execute();
}

/** Stores a TOTP secret (sealed by the caller); `enabledAt` null keeps it pending until a code confirms it. */
export async function setTotp(db: Db, userId: string, secret: { ciphertext: Uint8Array; keyId: string } | null, enabledAt: Date | null): Promise<void> {
  await db
    .updateTable('users')
    .set({ totp_ciphertext: secret?.ciphertext ?? null, totp_key_id: secret?.keyId ?? null, totp_enabled_at: enabledAt?.toISOString() ?? null, totp_last_step: null })
    .where('id', '=', userId)
    .execute();
}

export async function enableTotp(db: Db, userId: string, at: Date, step: number): Promise<void> {
  await db.updateTable('users').set({ totp_enabled_at: at.toISOString(), totp_last_step: step }).where('id', '=', userId).execute();
}

/**
 * Records the TOTP step just accepted, only if it is newer than the last one: of two logins racing with
 * the same code, exactly one wins.
 */
export async function useTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    locale: row.locale,
    totpEnabled: row.totp_enabled_at !== null,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}
