/**
 * Reads a Fortnox access token's claims without verifying the signature: Fortnox does not publish its
 * public key and says decoding is fine for reading `exp` and `tenantId`. Never use this for trust decisions.
 */
export interface AccessTokenClaims {
  /** Expiry, epoch seconds. */
  exp?: number;
  /** Fortnox tenant id (= DatabaseNumber), as a string. */
  tenantId?: string;
  [claim: string]: unknown;
}

export function decodeAccessToken(token: string): AccessTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
  const out: AccessTokenClaims = { ...(claims as Record<string, unknown>) };
  const exp = (claims as Record<string, unknown>).exp;
  if (typeof exp === 'number') out.exp = exp;
  else delete out.exp;
  const tenant = (claims as Record<string, unknown>).tenantId;
  if (typeof tenant === 'number' || (typeof tenant === 'string' && tenant !== '')) out.tenantId = String(tenant);
  else delete out.tenantId;
  return out;
}
