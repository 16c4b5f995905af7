import type { Config } from '../config.ts';
import { FORTNOX_API_URL } from '../config.ts';
import { FortnoxHttp } from './http.ts';
import { FortnoxOAuth } from './oauth.ts';
import { assertReadablePath } from './path-guard.ts';
import { RateLimiterRegistry, type RateLimiter } from './rate-limiter.ts';
import { FortnoxReader } from './reader.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import { TokenManager, type TokenManagerOptions } from './token-manager.ts';
import type { TokenStore } from './token-store.ts';
import { FortnoxWriter } from './writer.ts';

export interface FortnoxClientOptions {
  clientId: string;
  clientSecret: string;
  /** Default `https://api.fortnox.se`. */
  apiUrl?: string;
  /** Default `https://apps.fortnox.se`. */
  authUrl?: string;
  tokenStore: TokenStore;
  /** Requests per window per tenant; Fortnox allows 25 per 5000 ms. */
  rateLimit?: number;
  rateWindowMs?: number;
  /** See `RateLimiterOptions.marginMs`. */
  rateMarginMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Per attempt. Default 60 s (SIE files of large years take a while). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Share limiters between clients of the same app in one process; default: one registry per client. */
  rateLimiters?: RateLimiterRegistry;
  tokens?: Omit<TokenManagerOptions, 'oauth' | 'store'>;
}

/**
 * The entry point: one per Fortnox app (client id) per process. It owns the OAuth client, the token
 * manager and one rate limiter per tenant, and hands out per-tenant readers (backup) and writers
 * (restore) that share them.
 */
export class FortnoxClient {
  readonly oauth: FortnoxOAuth;
  readonly tokens: TokenManager;
  readonly apiUrl: string;
  readonly #options: FortnoxClientOptions;
  readonly #limiters: RateLimiterRegistry;
  readonly #retry: RetryPolicy;

  constructor(options: FortnoxClientOptions) {
    this.#options = options;
    this.apiUrl = (options.apiUrl ?? FORTNOX_API_URL).replace(/\/+$/, '');
    this.#retry = Object.freeze({ ...DEFAULT_RETRY_POLICY, ...options.retry });
    this.oauth = new FortnoxOAuth({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authUrl: options.authUrl,
      fetch: options.fetch,
      retry: this.#retry,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    this.tokens = new TokenManager({ ...options.tokens, oauth: this.oauth, store: options.tokenStore });
    this.#limiters = options.rateLimiters ?? new RateLimiterRegistry({ limit: options.rateLimit ?? 25, windowMs: options.rateWindowMs ?? 5000, marginMs: options.rateMarginMs });
  }

  /** Builds a client from validated configuration; the credentials must be set. */
  static fromConfig(config: Config, tokenStore: TokenStore, extra: Partial<FortnoxClientOptions> = {}): FortnoxClient {
    const { clientId, clientSecret } = config.fortnox;
    if (clientId === undefined || clientSecret === undefined) throw new RangeError('FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET must be set to talk to Fortnox');
    return new FortnoxClient({
      clientId,
      clientSecret,
      apiUrl: config.fortnox.apiUrl,
      authUrl: config.fortnox.authUrl,
      rateLimit: config.fortnox.rateLimit,
      rateWindowMs: config.fortnox.rateWindowMs,
      tokenStore,
      ...extra,
    });
  }

  /** The limiter every request for this tenant goes through. */
  limiter(tenantId: string): RateLimiter {
    return this.#limiters.for(this.#options.clientId, tenantId);
  }

  reader(tenantId: string): FortnoxReader {
    return new FortnoxReader(this.#http(tenantId, assertReadablePath));
  }

  writer(tenantId: string): FortnoxWriter {
    return new FortnoxWriter(this.#http(tenantId));
  }

  #http(tenantId: string, guard?: (pathname: string) => void): FortnoxHttp {
    return new FortnoxHttp({
      apiUrl: this.apiUrl,
      tenantId,
      tokens: this.tokens,
      limiter: this.limiter(tenantId),
      settings: { fetch: this.#options.fetch ?? globalThis.fetch, retry: this.#retry, timeoutMs: this.#options.timeoutMs ?? 60_000 },
      ...(guard === undefined ? {} : { guard }),
    });
  }
}
