/**
 * Fortnox's OAuth2 authorization server (fortnox-api.md §1): the consent page, the token endpoint with
 * the authorization-code (with PKCE), refresh-token and client-credentials grants, and revocation.
 * Lifetimes run on the simulated clock so tests can expire tokens by moving the clock.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { json, type Reply } from './http.ts';
import { signJwt, verifyJwt } from './jwt.ts';
import { ALL_SCOPES } from './resources.ts';

export const ACCESS_TOKEN_SECONDS = 3600;
export const CODE_MS = 10 * 60_000;
export const REFRESH_TOKEN_MS = 45 * 24 * 3600_000;

/** Scopes Fortnox knows besides the ones the simulator serves; they can be granted but open nothing. */
const OTHER_SCOPES = ['profile', 'payment', 'currency', 'order', 'offer', 'price', 'print', 'salary', 'assets', 'timereporting', 'noxfinansinvoice'];
const KNOWN_SCOPES = new Set<string>([...ALL_SCOPES, ...OTHER_SCOPES]);

const SCOPE_NAMES: Record<string, string> = {
  companyinformation: 'Företagsinformation', customer: 'Kunder', supplier: 'Leverantörer', article: 'Artiklar', project: 'Projekt',
  costcenter: 'Kostnadsställen', bookkeeping: 'Bokföring (konton, räkenskapsår, verifikationer, SIE)', invoice: 'Kundfakturor',
  supplierinvoice: 'Leverantörsfakturor', connectfile: 'Filkopplingar', archive: 'Arkiv', inbox: 'Inkorg', settings: 'Inställningar',
};

export interface Consent {
  id: string;
  clientId: string;
  tenantId: number;
  userId: string;
  scopes: string[];
  service: boolean;
  revoked: boolean;
}

interface AuthCode {
  consent: Consent;
  redirectUri: string | undefined;
  challenge: string | undefined;
  method: 'S256' | 'plain';
  expires: number;
}

interface RefreshToken {
  consent: Consent;
  expires: number;
}

export interface TenantInfo {
  tenantId: number;
  name: string;
  orgNumber: string;
}

export interface OAuthDeps {
  clientId: string;
  clientSecret: string;
  /** Simulated epoch ms. */
  now(): number;
  tenants(): TenantInfo[];
}

export interface AccessClaims {
  tenantId: number;
  userId: string;
  clientId: string;
  scope: string;
  consentId: string;
  exp: number;
  iat: number;
}

const TOKEN_ERROR_TYPE = 'text/html; charset=UTF-8';
const invalidGrant = (description: string): Reply =>
  json(400, { error: 'invalid_grant', error_description: description }, { 'Content-Type': TOKEN_ERROR_TYPE, 'Cache-Control': 'no-store' });
const tokenError = (error: string, description: string): Reply =>
  json(400, { error, error_description: description }, { 'Content-Type': TOKEN_ERROR_TYPE, 'Cache-Control': 'no-store' });
const INVALID_CLIENT: Reply = json(401, { error: 'invalid_client', error_description: 'The client credentials are invalid' }, { 'Content-Type': 'text/plain;charset=UTF-8' });

export class OAuthServer {
  readonly #deps: OAuthDeps;
  readonly #secret = randomBytes(32);
  readonly consents = new Map<string, Consent>();
  readonly #codes = new Map<string, AuthCode>();
  readonly #refreshTokens = new Map<string, RefreshToken>();
  /** When set, `GET /oauth-v1/auth` approves at once for this tenant (the control API sets it). */
  autoApprove: { tenantId: number; userId: string } | undefined;

  constructor(deps: OAuthDeps) {
    this.#deps = deps;
  }

  /** A service-account consent with every scope, as if the company's administrator had approved one. */
  grantServiceConsent(tenantId: number, scopes: readonly string[] = ALL_SCOPES): Consent {
    for (const c of this.consents.values()) {
      if (c.tenantId === tenantId && c.clientId === this.#deps.clientId && c.service) c.revoked = true;
    }
    return this.#newConsent(tenantId, `service-${tenantId}`, [...scopes], true);
  }

  /** Revokes every consent a tenant gave; their access and refresh tokens stop working. */
  revokeTenant(tenantId: number): number {
    let n = 0;
    for (const c of this.consents.values()) {
      if (c.tenantId === tenantId && !c.revoked) {
        c.revoked = true;
        n++;
      }
    }
    return n;
  }

  #newConsent(tenantId: number, userId: string, scopes: string[], service: boolean): Consent {
    const consent: Consent = { id: randomUUID(), clientId: this.#deps.clientId, tenantId, userId, scopes, service, revoked: false };
    this.consents.set(consent.id, consent);
    return consent;
  }

  /** Verifies a bearer token; undefined for anything Fortnox would answer with 401. */
  authenticate(authorization: string | undefined): { claims: AccessClaims; consent: Consent } | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (m === null) return undefined;
    const raw = verifyJwt(m[1] as string, this.#secret);
    if (raw === undefined) return undefined;
    const claims = raw as unknown as AccessClaims;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.#deps.now()) return undefined;
    const consent = this.consents.get(String(claims.consentId));
    if (consent === undefined || consent.revoked) return undefined;
    return { claims, consent };
  }

  accessToken(consent: Consent): string {
    const iat = Math.floor(this.#deps.now() / 1000);
    return signJwt({
      iss: 'noxbackup-simulator', tenantId: consent.tenantId, userId: consent.userId, clientId: consent.clientId,
      scope: consent.scopes.join(' '), consentId: consent.id, authsource: consent.service ? 'SERVICE' : 'OAUTH2', iat, exp: iat + ACCESS_TOKEN_SECONDS,
    }, this.#secret);
  }

  #tokenReply(consent: Consent, withRefresh: boolean): Reply {
    // Key order as in the recorded reply: access_token, expires_in, token_type, scope, refresh_token.
    const body: Record<string, string | number> = {
      access_token: this.accessToken(consent), expires_in: ACCESS_TOKEN_SECONDS, token_type: 'bearer', scope: consent.scopes.join(' '),
    };
    if (withRefresh) {
      const token = randomUUID();
      this.#refreshTokens.set(token, { consent, expires: this.#deps.now() + REFRESH_TOKEN_MS });
      body.refresh_token = token;
    }
    return json(200, body, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  }

  #clientOk(authorization: string | undefined): boolean {
    const m = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    if (m === null) return false;
    const given = Buffer.from(Buffer.from(m[1] as string, 'base64').toString('utf8'));
    const expected = Buffer.from(`${this.#deps.clientId}:${this.#deps.clientSecret}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** `POST /oauth-v1/token`. */
  token(authorization: string | undefined, tenantHeader: string | undefined, body: URLSearchParams): Reply {
    if (!this.#clientOk(authorization)) return INVALID_CLIENT;
    const grant = body.get('grant_type');
    const now = this.#deps.now();
    if (grant === 'authorization_code') {
      const code = this.#codes.get(body.get('code') ?? '');
      if (code === undefined) return invalidGrant('Invalid authorization code');
      // Single use: a failed exchange burns the code too, as RFC 6749 §4.1.2 asks.
      this.#codes.delete(body.get('code') ?? '');
      if (code.expires <= now) return invalidGrant('Invalid authorization code');
      if (code.redirectUri !== undefined && body.get('redirect_uri') !== code.redirectUri) return invalidGrant('Invalid redirect uri');
      if (code.challenge !== undefined) {
        const verifier = body.get('code_verifier');
        if (verifier === null) return invalidGrant('Missing code verifier');
        const computed = code.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
        if (computed !== code.challenge) return invalidGrant('Invalid code verifier');
      }
      if (code.consent.revoked) return invalidGrant('Invalid authorization code');
      return this.#tokenReply(code.consent, true);
    }
    if (grant === 'refresh_token') {
      const key = body.get('refresh_token') ?? '';
      const rt = this.#refreshTokens.get(key);
      if (rt === undefined || rt.expires <= now || rt.consent.revoked) return invalidGrant('Invalid refresh token');
      this.#refreshTokens.delete(key);
      return this.#tokenReply(rt.consent, true);
    }
    if (grant === 'client_credentials') {
      const tenantId = Number(tenantHeader);
      const consent = [...this.consents.values()].find((c) => c.service && !c.revoked && c.tenantId === tenantId && c.clientId === this.#deps.clientId);
      if (consent === undefined) return invalidGrant('Invalid tenant');
      return this.#tokenReply(consent, false);
    }
    return tokenError('unsupported_grant_type', 'Unsupported grant type');
  }

  /** `POST /oauth-v1/revoke`: revokes a refresh token and the consent behind it. */
  revoke(authorization: string | undefined, body: URLSearchParams): Reply {
    if (!this.#clientOk(authorization)) return INVALID_CLIENT;
    const rt = this.#refreshTokens.get(body.get('token') ?? '');
    if (rt === undefined) return json(200, { Revoked: false });
    rt.consent.revoked = true;
    for (const [k, v] of this.#refreshTokens) if (v.consent === rt.consent) this.#refreshTokens.delete(k);
    return json(200, { Revoked: true });
  }

  /** `GET /oauth-v1/auth` (show the consent page) and `POST /oauth-v1/auth` (the page's form). */
  authorize(method: string, params: URLSearchParams): Reply {
    const problem = this.#checkAuthRequest(params);
    if (problem !== undefined) return htmlPage(400, 'Felaktig begäran', `<p>${escapeHtml(problem)}</p>`);
    const redirectUri = params.get('redirect_uri') as string;
    const state = params.get('state') ?? '';
    const scopes = (params.get('scope') ?? '').split(' ').filter((s) => s !== '');
    const service = params.get('account_type') === 'service';

    let decision: { tenantId: number; userId: string } | 'deny' | undefined;
    if (method === 'POST') {
      if (params.get('decision') !== 'approve') decision = 'deny';
      else decision = { tenantId: Number(params.get('tenant_id')), userId: params.get('user_id') ?? 'sim-user' };
    } else if (this.autoApprove !== undefined) decision = this.autoApprove;
    if (decision === 'deny') return redirect(redirectUri, { error: 'access_denied', error_description: 'The user denied access', state });
    if (decision !== undefined) {
      const tenantId = decision.tenantId;
      if (!this.#deps.tenants().some((t) => t.tenantId === tenantId)) return htmlPage(400, 'Felaktig begäran', '<p>Okänt företag.</p>');
      const consent = service ? this.grantServiceConsent(tenantId, scopes) : this.#newConsent(tenantId, decision.userId, scopes, false);
      const code = randomUUID();
      const method = params.get('code_challenge_method') === 'plain' ? 'plain' : 'S256';
      this.#codes.set(code, { consent, redirectUri: params.get('redirect_uri') ?? undefined, challenge: params.get('code_challenge') ?? undefined, method, expires: this.#deps.now() + CODE_MS });
      return redirect(redirectUri, { code, state });
    }
    return this.#consentPage(params, scopes, service);
  }

  #checkAuthRequest(params: URLSearchParams): string | undefined {
    if (params.get('client_id') !== this.#deps.clientId) return 'Okänd klient (client_id).';
    if (params.get('response_type') !== 'code') return 'response_type måste vara code.';
    if ((params.get('redirect_uri') ?? '') === '') return 'redirect_uri saknas (simulatorn har ingen registrerad adress).';
    if ((params.get('scope') ?? '').trim() === '') return 'scope saknas.';
    const unknown = (params.get('scope') ?? '').split(' ').filter((s) => s !== '' && !KNOWN_SCOPES.has(s));
    if (unknown.length > 0) return `Okänt scope: ${unknown.join(', ')}.`;
    const method = params.get('code_challenge_method');
    if (method !== null && method !== 'S256' && method !== 'plain') return 'code_challenge_method måste vara S256 eller plain.';
    return undefined;
  }

  #consentPage(params: URLSearchParams, scopes: string[], service: boolean): Reply {
    const hidden = [...params].filter(([k]) => k !== 'decision' && k !== 'tenant_id')
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('\n');
    const companies = this.#deps.tenants().map((t) => `<option value="${t.tenantId}">${escapeHtml(t.name)} (${escapeHtml(t.orgNumber)})</option>`).join('');
    const list = scopes.map((s) => `<li>${escapeHtml(SCOPE_NAMES[s] ?? s)} <code>${escapeHtml(s)}</code></li>`).join('');
    return htmlPage(200, 'Godkänn integration', `
<p>Integrationen <strong>${escapeHtml(this.#deps.clientId)}</strong> begär åtkomst till följande i Fortnox${service ? ' som <strong>servicekonto</strong>' : ''}:</p>
<ul>${list}</ul>
<form method="post" action="/oauth-v1/auth">
${hidden}
<label>Företag: <select name="tenant_id">${companies}</select></label>
<button type="submit" name="decision" value="approve">Godkänn</button>
<button type="submit" name="decision" value="deny">Avbryt</button>
</form>`);
  }
}

function redirect(uri: string, query: Record<string, string>): Reply {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return { status: 302, headers: { Location: url.toString() } };
}

function htmlPage(status: number, title: string, body: string): Reply {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=UTF-8' },
    body: `<!doctype html>\n<html lang="sv"><head><meta charset="utf-8"><title>${title} – Fortnox</title></head>\n<body><h1>${title}</h1>${body}</body></html>\n`,
  };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
