import { createHash, randomBytes } from 'node:crypto';

/**
 * A new secret token for a cookie or link (session id, invitation, password reset): 32 random bytes in
 * base64url, and the SHA-256 (hex) the database keeps instead, so a leaked table opens nothing.
 */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** The stored form of a token: looking a row up by it needs no constant-time compare, as the hash reveals nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
