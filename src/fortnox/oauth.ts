import { createHash, randomBytes } from 'node:crypto';
import { FORTNOX_AUTH_URL } from '../config.ts';
import { isJsonObject, parseErrorBody } from './body.ts';
import { FortnoxInvalidResponseError, FortnoxOAuthError } from './errors.ts';
import { exchange, type ExchangeSettings } from './exchange.ts';
import { decodeAccessToken } from './jwt.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';

export interface FortnoxOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Default `https://apps.fortnox.se`; the simulator's `authUrl` in tests. */
  authUrl?: string;
  fetch?: typeof fetch;
  retry?: RetryPolicy;
  timeoutMs?: number;
  /** Wall-clock epoch ms, for computing expiry. */
  now?: () => number;
}

export interface TokenSet {
  accessToken: string;
  /** Absent for client credentials. A new one on every refresh; the old one is then dead. */
  refreshToken: string | undefined;
  /**
   * When to consider the access token expired, epoch ms on *our* clock: receipt time + `expires_in`.
   * The JWT's `exp` is only a fallback, because it is on Fortnox's clock and ours may be skewed.
   */
  expiresAt: number;
  scope: string;
  /** From the JWT's `tenantId` claim (= DatabaseNumber), when present. */
  tenantId: string | undefined;
}

export interface AuthorizationRequest {
  /** Send the user's browser here. */
  url: string;
  /** Keep server-side (session) and compare with the callback's `state`. */
  state: string;
  /** Keep server-side; needed to exchange the code. */
  codeVerifier: string;
}

/** The dead-grant answers: the consent must be given again. */
const DEAD_GRANT = new Set(['invalid_grant', 'unauthorized_client', 'access_denied']);

export function isDeadGrant(e: unknown): e is FortnoxOAuthError {
  return e instanceof FortnoxOAuthError && e.oauthError !== undefined && DEAD_GRANT.has(e.oauthError);
}

function base64url(b: Buffer): string {
  return b.toString('base64url');
}

/**
 * Fortnox's OAuth2 endpoints (`/oauth-v1/auth`, `/token`, `/revoke`) with Basic client authentication.
 * Token requests are retried only when they provably never arrived (or got 429): a refresh that reached
 * Fortnox has already killed the old refresh token, so blindly repeating it would lose the consent.
 */
export class FortnoxOAuth {
  readonly clientId: string;
  readonly authUrl: string;
  readonly #basic: string;
  readonly #settings: ExchangeSettings;
  readonly #now: () => number;

  constructor(options: FortnoxOAuthOptions) {
    this.clientId = options.clientId;
    this.authUrl = (options.authUrl ?? FORTNOX_AUTH_URL).replace(/\/+$/, '');
    this.#basic = Buffer.from(`${options.clientId}:${options.clientSecret}`, 'utf8').toString('base64');
    this.#settings = { fetch: options.fetch ?? globalThis.fetch, retry: options.retry ?? DEFAULT_RETRY_POLICY, timeoutMs: options.timeoutMs ?? 30_000 };
    this.#now = options.now ?? Date.now;
  }

  /**
   * Where to send the user to give consent, with a fresh `state` and a PKCE (S256) verifier.
   * `accountType: 'service'` asks for a service account, which allows client credentials afterwards.
   */
  authorizationRequest(options: { scopes: readonly string[]; redirectUri?: string; accountType?: 'service'; state?: string }): AuthorizationRequest {
    const state = options.state ?? base64url(randomBytes(24));
    const codeVerifier = base64url(randomBytes(48));
    const challenge = base64url(createHash('sha256').update(codeVerifier, 'ascii').digest());
    const url = new URL(`${this.authUrl}/oauth-v1/auth`);
    url.searchParams.set('client_id', this.clientId);
    if (options.redirectUri !== undefined) url.searchParams.set('redirect_uri', options.redirectUri);
    url.searchParams.set('scope', options.scopes.join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('access_type', 'offline');
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('code_challenge', challenge);
    url.searchParams.set('code_challenge_method', 'S256');
    if (options.accountType !== undefined) url.searchParams.set('account_type', options.accountType);
    // URLSearchParams writes spaces as '+'; Fortnox documents the scope list as %20-separated.
    return { url: url.toString().replace(/\+/g, '%20'), state, codeVerifier };
  }

  exchangeCode(code: string, options: { codeVerifier?: string; redirectUri?: string } = {}): Promise<TokenSet> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code });
    if (options.redirectUri !== undefined) form.set('redirect_uri', options.redirectUri);
    if (options.codeVerifier !== undefined) form.set('code_verifier', options.codeVerifier);
    return this.#token(form, false);
  }

  /** Uses up `refreshToken`; the returned set holds its successor, which must be saved before use. */
  refresh(refreshToken: string): Promise<TokenSet> {
    return this.#token(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }), false);
  }

  /** Service accounts: a fresh access token for `tenantId`, no refresh token. Safe to repeat. */
  clientCredentials(tenantId: string): Promise<TokenSet> {
    return this.#token(new URLSearchParams({ grant_type: 'client_credentials' }), true, { TenantId: tenantId });
  }

  /** Ends a consent. Revoking an already dead token is not an error. */
  async revoke(token: string, hint: 'refresh_token' | 'access_token' = 'refresh_token'): Promise<void> {
    const res = await this.#post('/oauth-v1/revoke', new URLSearchParams({ token_type_hint: hint, token }), false, {});
    if (res.status >= 400) {
      const body = parseErrorBody(res.body.toString('utf8'));
      if (body.oauthError === 'invalid_grant' || body.oauthError === 'invalid_token') return;
      throw new FortnoxOAuthError(body.oauthError, body.oauthDescription, { status: res.status, method: 'POST', path: '/oauth-v1/revoke' });
    }
  }

  async #post(path: string, form: URLSearchParams, idempotent: boolean, extraHeaders: Record<string, string>) {
    return exchange(
      {
        method: 'POST',
        url: new URL(`${this.authUrl}${path}`),
        headers: () => ({ Authorization: `Basic ${this.#basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...extraHeaders }),
        body: form.toString(),
        idempotent,
      },
      this.#settings,
    );
  }

  async #token(form: URLSearchParams, idempotent: boolean, extraHeaders: Record<string, string> = {}): Promise<TokenSet> {
    const path = '/oauth-v1/token';
    const res = await this.#post(path, form, idempotent, extraHeaders);
    const text = res.body.toString('utf8');
    const f = { status: res.status, method: 'POST', path };
    if (res.status >= 400) {
      // The token endpoint sends its JSON errors as text/html or text/plain: parse whatever arrives.
      const body = parseErrorBody(text);
      throw new FortnoxOAuthError(body.oauthError, body.oauthDescription, { ...f, fortnoxCode: body.fortnoxCode, fortnoxMessage: body.fortnoxMessage });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new FortnoxInvalidResponseError(f, 'token response is not JSON', { cause });
    }
    if (!isJsonObject(parsed) || typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw new FortnoxInvalidResponseError(f, 'token response has no access_token');
    }
    const claims = decodeAccessToken(parsed.access_token);
    const expiresIn = Number(parsed.expires_in);
    const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0
      ? this.#now() + expiresIn * 1000
      : claims?.exp !== undefined ? claims.exp * 1000 : this.#now() + 3600_000;
    return {
      accessToken: parsed.access_token,
      refreshToken: typeof parsed.refresh_token === 'string' && parsed.refresh_token !== '' ? parsed.refresh_token : undefined,
      expiresAt,
      scope: typeof parsed.scope === 'string' ? parsed.scope : '',
      tenantId: claims?.tenantId,
    };
  }
}
