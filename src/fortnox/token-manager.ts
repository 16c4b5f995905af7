import { randomUUID } from 'node:crypto';
import { FortnoxReconnectNeededError, FortnoxTokenConflictError } from './errors.ts';
import { isDeadGrant, type FortnoxOAuth, type TokenSet } from './oauth.ts';
import { sleep } from './retry.ts';
import type { StoredConnection, TokenStore, VersionedConnection } from './token-store.ts';

export interface TokenManagerOptions {
  oauth: FortnoxOAuth;
  store: TokenStore;
  /** Renew when less than this remains of an access token's life. Default 5 minutes. */
  refreshAheadMs?: number;
  /** How long a refresh lease blocks other processes if its holder dies. Default 2 minutes. */
  leaseMs?: number;
  /** How often to look again while another process holds the lease. Default 200 ms. */
  pollMs?: number;
  /** Identifies this process in leases. */
  owner?: string;
  /** Wall-clock epoch ms (shared with other processes through the store). */
  now?: () => number;
  /** Told when a connection is marked as needing reconnection (e.g. to e-mail the customer). */
  onReconnectNeeded?: (tenantId: string, reason: string) => void;
}

export interface TokenManagerStats {
  /** Token requests sent to Fortnox (refresh or client credentials). */
  renewals: number;
}

/**
 * Hands out valid access tokens per tenant and renews them: ahead of expiry, or once after a 401.
 * Renewal runs under a per-tenant lock: in this process one promise per tenant is shared by all
 * callers, and across processes a lease in the token store (taken by compare-and-set) lets exactly one
 * process talk to Fortnox while the others wait and reload. A rotated refresh token is saved before the
 * new access token is handed out, so a crash cannot lose the consent.
 */
export class TokenManager {
  readonly #oauth: FortnoxOAuth;
  readonly #store: TokenStore;
  readonly #refreshAheadMs: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #owner: string;
  readonly #now: () => number;
  readonly #onReconnectNeeded: ((tenantId: string, reason: string) => void) | undefined;
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #stats: TokenManagerStats = { renewals: 0 };

  constructor(options: TokenManagerOptions) {
    this.#oauth = options.oauth;
    this.#store = options.store;
    this.#refreshAheadMs = options.refreshAheadMs ?? 5 * 60_000;
    this.#leaseMs = options.leaseMs ?? 120_000;
    this.#pollMs = options.pollMs ?? 200;
    this.#owner = options.owner ?? randomUUID();
    this.#now = options.now ?? Date.now;
    this.#onReconnectNeeded = options.onReconnectNeeded;
  }

  get stats(): Readonly<TokenManagerStats> {
    return { ...this.#stats };
  }

  get oauth(): FortnoxOAuth {
    return this.#oauth;
  }

  /** Stores a new consent from the authorization-code flow. Returns the tenant id from the token. */
  async saveAuthorizedConnection(tokens: TokenSet, tenantId: string | undefined = tokens.tenantId): Promise<string> {
    if (tenantId === undefined) throw new RangeError('the access token carries no tenantId; pass it explicitly');
    if (tokens.refreshToken === undefined) throw new RangeError('an authorization-code consent must come with a refresh token');
    await this.#overwrite(tenantId, this.#fresh('refresh', tokens));
    return tenantId;
  }

  /** Stores a service-account connection after minting its first token, which proves the consent exists. */
  async connectServiceAccount(tenantId: string): Promise<void> {
    this.#stats.renewals++;
    const tokens = await this.#oauth.clientCredentials(tenantId);
    await this.#overwrite(tenantId, this.#fresh('service', tokens));
  }

  async status(tenantId: string): Promise<{ status: StoredConnection['status'] | 'missing'; reason: string | null; mode: StoredConnection['mode'] | null }> {
    const r = await this.#store.load(tenantId);
    return r === undefined ? { status: 'missing', reason: null, mode: null } : { status: r.value.status, reason: r.value.statusReason, mode: r.value.mode };
  }

  /** A token valid for at least `refreshAheadMs` more, renewing it first if needed. */
  async accessToken(tenantId: string): Promise<string> {
    const r = await this.#loadActive(tenantId);
    if (this.#usable(r.value)) return r.value.accessToken as string;
    return this.#renew(tenantId, undefined);
  }

  /**
   * The API refused `rejected` with 401: renew it, unless someone already replaced it, and return the
   * token to retry with.
   */
  renewAfterRejection(tenantId: string, rejected: string): Promise<string> {
    return this.#renew(tenantId, rejected);
  }

  /** Revokes the consent at Fortnox (for refresh-token connections) and forgets the tokens. */
  async disconnect(tenantId: string): Promise<void> {
    const r = await this.#store.load(tenantId);
    if (r?.value.refreshToken) await this.#oauth.revoke(r.value.refreshToken, 'refresh_token');
    await this.#store.delete(tenantId);
  }

  #fresh(mode: StoredConnection['mode'], tokens: TokenSet): StoredConnection {
    return {
      mode,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: tokens.expiresAt,
      refreshToken: mode === 'refresh' ? (tokens.refreshToken ?? null) : null,
      scope: tokens.scope,
      status: 'active',
      statusReason: null,
      lease: null,
      updatedAt: this.#now(),
    };
  }

  async #overwrite(tenantId: string, value: StoredConnection): Promise<void> {
    for (;;) {
      const current = await this.#store.load(tenantId);
      if ((await this.#store.save(tenantId, value, current?.version)) !== null) return;
    }
  }

  #usable(v: StoredConnection): boolean {
    return v.accessToken !== null && v.accessTokenExpiresAt !== null && v.accessTokenExpiresAt - this.#refreshAheadMs > this.#now();
  }

  async #loadActive(tenantId: string): Promise<VersionedConnection> {
    const r = await this.#store.load(tenantId);
    if (r === undefined) throw new FortnoxReconnectNeededError(tenantId, 'no Fortnox connection is stored');
    if (r.value.status === 'reconnect_needed') throw new FortnoxReconnectNeededError(tenantId, r.value.statusReason ?? 'the consent is no longer valid');
    return r;
  }

  #renew(tenantId: string, rejected: string | undefined): Promise<string> {
    const running = this.#inflight.get(tenantId);
    if (running !== undefined) return running;
    // Shared by every caller waiting for this tenant, so one caller's abort must not cancel it.
    const p = this.#renewExclusive(tenantId, rejected).finally(() => this.#inflight.delete(tenantId));
    this.#inflight.set(tenantId, p);
    return p;
  }

  async #renewExclusive(tenantId: string, rejected: string | undefined): Promise<string> {
    for (;;) {
      const r = await this.#loadActive(tenantId);
      const v = r.value;
      // Another process (or an earlier caller) may have renewed while we waited.
      if (this.#usable(v) && v.accessToken !== rejected) return v.accessToken as string;
      const now = this.#now();
      if (v.lease !== null && v.lease.until > now && v.lease.owner !== this.#owner) {
        await sleep(this.#pollMs);
        continue;
      }
      const leased: StoredConnection = { ...v, lease: { owner: this.#owner, until: now + this.#leaseMs } };
      const leaseVersion = await this.#store.save(tenantId, leased, r.version);
      if (leaseVersion === null) continue;
      return this.#renewHoldingLease(tenantId, leased, leaseVersion);
    }
  }

  async #renewHoldingLease(tenantId: string, leased: StoredConnection, leaseVersion: number): Promise<string> {
    let tokens: TokenSet;
    try {
      if (leased.mode === 'refresh' && leased.refreshToken === null) {
        throw new FortnoxReconnectNeededError(tenantId, 'no refresh token is stored');
      }
      this.#stats.renewals++;
      tokens = leased.mode === 'service' ? await this.#oauth.clientCredentials(tenantId) : await this.#oauth.refresh(leased.refreshToken as string);
    } catch (err) {
      if (isDeadGrant(err) || err instanceof FortnoxReconnectNeededError) {
        const reason = err instanceof FortnoxReconnectNeededError ? err.reason
          : `Fortnox answered ${err.oauthError}${err.fortnoxMessage ? ` (${err.fortnoxMessage})` : ''}`;
        await this.#markReconnectNeeded(tenantId, leased, leaseVersion, reason);
        throw err instanceof FortnoxReconnectNeededError ? err : new FortnoxReconnectNeededError(tenantId, reason, { status: err.status, fortnoxMessage: err.fortnoxMessage }, { cause: err });
      }
      await this.#store.save(tenantId, { ...leased, lease: null }, leaseVersion);
      throw err;
    }
    const next = this.#fresh(leased.mode, tokens);
    if (leased.mode === 'refresh' && tokens.refreshToken === undefined) next.refreshToken = leased.refreshToken;
    next.scope = tokens.scope || leased.scope;
    // Save before use: if this fails, the new tokens are never handed out.
    if ((await this.#store.save(tenantId, next, leaseVersion)) === null) throw new FortnoxTokenConflictError(tenantId);
    return tokens.accessToken;
  }

  async #markReconnectNeeded(tenantId: string, leased: StoredConnection, leaseVersion: number, reason: string): Promise<void> {
    const marked: StoredConnection = { ...leased, status: 'reconnect_needed', statusReason: reason, accessToken: null, accessTokenExpiresAt: null, lease: null, updatedAt: this.#now() };
    await this.#store.save(tenantId, marked, leaseVersion);
    this.#onReconnectNeeded?.(tenantId, reason);
  }
}
