import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Time-based one-time passwords (RFC 6238) as authenticator apps expect them: HMAC-SHA-1, 30-second steps. */

const STEP_SECONDS = 30;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, without padding (as otpauth URIs carry it). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, forgiving lower case, spaces and padding as people type a secret by hand. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new RangeError(`not a base32 character: ${JSON.stringify(ch)}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new TOTP secret: 20 random bytes (the HMAC-SHA-1 block RFC 4226 recommends), in base32. */
/** The secret-box purpose users' TOTP secrets are sealed under (src/accounts/secret-box.ts). */
export const TOTP_SECRET_PURPOSE = 'totp';

export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export interface TotpOptions {
  /** 6 unless told; RFC 6238's test vectors use 8. */
  readonly digits?: number;
}

/** The time step a moment falls in. */
export function totpStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / STEP_SECONDS);
}

function codeForStep(key: Buffer, step: number, digits: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The code an authenticator app shows at `at` for the base32 secret. */
export function totpCode(secret: string, at: Date, options: TotpOptions = {}): string {
  return codeForStep(base32Decode(secret), totpStep(at), options.digits ?? 6);
}

export interface VerifyTotpOptions extends TotpOptions {
  readonly now: Date;
  /** The step last accepted for this user (`users.totp_last_step`); it and earlier steps are refused. */
  readonly lastStep?: number | null;
  /** How many steps before and after now to accept, for clock drift and slow typing. */
  readonly window?: number;
}

/**
 * The time step whose code `code` is, within `window` steps of now and later than `lastStep`, or
 * undefined. The caller stores the returned step as the new `lastStep`, so a code observed over
 * someone's shoulder (or replayed) cannot be used a second time.
 */
export function verifyTotp(secret: string, code: string, options: VerifyTotpOptions): number | undefined {
  const digits = options.digits ?? 6;
  const given = code.replace(/\s/g, '');
  if (!new RegExp(`^\\d{${digits}}$`).test(given)) return undefined;
  const key = base32Decode(secret);
  const now = totpStep(options.now);
  const window = options.window ?? 1;
  let accepted: number | undefined;
  // Every candidate is computed and compared, so the time taken says nothing about which one matched.
  for (let step = now - window; step <= now + window; step++) {
    if (step < 0) continue;
    const match = timingSafeEqual(Buffer.from(codeForStep(key, step, digits)), Buffer.from(given));
    if (match && accepted === undefined && (options.lastStep === undefined || options.lastStep === null || step > options.lastStep)) accepted = step;
  }
  return accepted;
}

/** The `otpauth://` URI an authenticator app reads from a QR code (Google Authenticator's key-uri format). */
export function otpauthUri(options: { secret: string; account: string; issuer?: string }): string {
  const issuer = options.issuer ?? 'Noxbackup';
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(options.account)}`;
  const query = new URLSearchParams({ secret: options.secret, issuer, algorithm: 'SHA1', digits: '6', period: String(STEP_SECONDS) });
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}
