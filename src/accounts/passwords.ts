import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';

/** Argon2id cost parameters, as stored in the PHC string so old hashes stay verifiable when they change. */
export interface Argon2Options {
  /** Memory in KiB. */
  readonly memory: number;
  readonly passes: number;
  readonly parallelism: number;
}

/** OWASP's minimum for argon2id (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. */
export const OWASP_ARGON2: Argon2Options = Object.freeze({ memory: 19_456, passes: 2, parallelism: 1 });

const SALT_BYTES = 16;
const TAG_BYTES = 32;
const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,64})\$([A-Za-z0-9+/]{6,128})$/;
// A stored hash asking for more than this is treated as malformed rather than allowed to exhaust the server.
const MAX_MEMORY_KIB = 1_048_576;

function derive(password: string, salt: Uint8Array, options: Argon2Options, tagLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2(
      'argon2id',
      { message: Buffer.from(password.normalize('NFC'), 'utf8'), nonce: salt, memory: options.memory, passes: options.passes, parallelism: options.parallelism, tagLength },
      (err, key) => (err === null ? resolve(key) : reject(err)),
    );
  });
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

/** An argon2id hash of the password as a PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. */
export async function hashPassword(password: string, options: Argon2Options = OWASP_ARGON2): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const tag = await derive(password, salt, options, TAG_BYTES);
  return `$argon2id$v=19$m=${options.memory},t=${options.passes},p=${options.parallelism}$${b64(salt)}$${b64(tag)}`;
}

interface ParsedHash {
  readonly options: Argon2Options;
  readonly salt: Buffer;
  readonly tag: Buffer;
}

function parseHash(hash: string): ParsedHash | undefined {
  const m = PHC.exec(hash);
  if (m === null) return undefined;
  const [memory, passes, parallelism] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (parallelism < 1 || passes < 1 || memory < 8 * parallelism || memory > MAX_MEMORY_KIB) return undefined;
  const salt = Buffer.from(m[4]!, 'base64');
  const tag = Buffer.from(m[5]!, 'base64');
  if (salt.length < 8 || tag.length < 4) return undefined;
  return { options: { memory, passes, parallelism }, salt, tag };
}

/**
 * Whether the password matches the PHC string, with the parameters the string names. False for a
 * malformed or non-argon2id string, never an exception, so a damaged row only fails that login.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (parsed === undefined) return false;
  let tag: Buffer;
  try {
    tag = await derive(password, parsed.salt, parsed.options, parsed.tag.length);
  } catch {
    return false;
  }
  return timingSafeEqual(tag, parsed.tag);
}

/** Whether a stored hash was made with other parameters than `options`, so it should be re-hashed at the next login. */
export function needsRehash(hash: string, options: Argon2Options = OWASP_ARGON2): boolean {
  const parsed = parseHash(hash);
  return (
    parsed === undefined ||
    parsed.options.memory !== options.memory ||
    parsed.options.passes !== options.passes ||
    parsed.options.parallelism !== options.parallelism ||
    parsed.tag.length !== TAG_BYTES
  );
}

const dummyHashes = new Map<string, Promise<string>>();

/**
 * Spends the time of one `verifyPassword` with `options` and returns false: the login handler calls it
 * for an unknown e-mail address so that the response time does not tell which addresses have accounts.
 */
export async function dummyVerify(password: string, options: Argon2Options = OWASP_ARGON2): Promise<false> {
  const key = `${options.memory},${options.passes},${options.parallelism}`;
  let hash = dummyHashes.get(key);
  if (hash === undefined) {
    hash = hashPassword(randomBytes(16).toString('hex'), options);
    dummyHashes.set(key, hash);
  }
  await verifyPassword(await hash, password);
  return false;
}

export type PasswordProblem = 'too_short' | 'too_long' | 'same_as_email' | 'too_common';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

// Only passwords of at least 12 characters matter here (shorter ones are already too short): the most
// frequent such entries of public breach lists, plus the obvious choices for this service.
const COMMON = new Set([
  '123456789012', '1234567890123', '12345678901234', '123456789123', '1234567891011', '123123123123', '123412341234',
  '111111111111', '000000000000', '098765432109', '121212121212', '112233445566', '147258369147',
  'password1234', 'password123!', 'password1234!', 'passwordpassword', 'password12345', 'lösenord1234', 'losenord1234',
  'qwertyuiopas', 'qwertyuiop12', 'qwerty123456', '1qaz2wsx3edc', 'qwertyqwerty', 'asdfghjklöä', 'asdfasdfasdf', 'zxcvbnm12345',
  'iloveyou1234', 'abcdefghijkl', 'abc123abc123', 'abcd1234abcd', 'aaaaaa111111', 'welcome12345', 'letmein12345',
  'administrator', 'admin1234567', 'changeme1234', 'sommar2024!!', 'sommaren2024', 'vinter123456', 'stockholm123',
  'fortnox12345', 'fortnox123456', 'noxbackup123', 'noxbackup1234', 'bokföring123', 'bokforing123',
]);

/**
 * Why a new password is not acceptable, as a stable code the web layer translates, or undefined.
 * Checked in this order: `too_short` (under 12 characters), `too_long` (over 256), `same_as_email`
 * (the address or its local part), `too_common` (a well-known password, or one character repeated).
 */
export function passwordProblem(password: string, context: { email?: string } = {}): PasswordProblem | undefined {
  // Characters as a person counts them, not UTF-16 units.
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (length > MAX_PASSWORD_LENGTH) return 'too_long';
  const lower = password.trim().toLowerCase();
  if (context.email !== undefined) {
    const email = context.email.trim().toLowerCase();
    const local = email.split('@')[0] ?? '';
    if (lower === email || (local !== '' && lower === local)) return 'same_as_email';
  }
  if (COMMON.has(lower) || /^(.)\1*$/u.test(lower)) return 'too_common';
  return undefined;
}
