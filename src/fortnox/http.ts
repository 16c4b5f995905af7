import { errorForStatus, parseErrorBody, parseJsonBody, type JsonValue } from './body.ts';
import { FortnoxWriteUncertainError } from './errors.ts';
import { exchange, type ExchangeResponse, type ExchangeSettings, type HttpMethod } from './exchange.ts';
import { assertNoSideEffects } from './path-guard.ts';
import type { RateLimiter, RateLimiterStats } from './rate-limiter.ts';
import type { TokenManager } from './token-manager.ts';

export type QueryValue = string | number | boolean | Date | null | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

const STOCKHOLM = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/**
 * `YYYY-MM-DD HH:mm:ss` in Swedish local time, the form Fortnox's `lastmodified` takes. Fortnox does
 * not document the zone; Swedish local time is the best guess, so callers should overlap windows.
 */
export function fortnoxTimestamp(d: Date): string {
  const p = Object.fromEntries(STOCKHOLM.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

export interface HttpStats {
  /** Attempts that got an HTTP status or failed on the wire. */
  attempts: number;
  /** Attempts that were repeats of an earlier one. */
  retries: number;
  /** Count per HTTP status, e.g. `{ 200: 812, 429: 0 }`. */
  statuses: Record<number, number>;
  /** Attempts that failed without a status (reset, timeout…). */
  networkFailures: number;
  /** 401s answered with a token renewal and one retry. */
  unauthorizedRenewals: number;
  limiter: RateLimiterStats;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path under the API base, e.g. `/3/customers`. */
  path: string;
  query?: Query | undefined;
  json?: unknown;
  form?: FormData;
  accept?: string;
  idempotent?: boolean;
  stream?: boolean;
  signal?: AbortSignal | undefined;
}

export interface FortnoxHttpOptions {
  apiUrl: string;
  tenantId: string;
  tokens: TokenManager;
  limiter: RateLimiter;
  settings: ExchangeSettings;
  /** Checked against every final URL path before anything is sent. */
  guard?: (pathname: string) => void;
}

/**
 * Authenticated, rate-limited, retried requests to one tenant's API. Non-2xx statuses become typed
 * errors carrying Fortnox's code and message; a 401 triggers one token renewal and one retry.
 */
export class FortnoxHttp {
  readonly tenantId: string;
  readonly #apiUrl: string;
  readonly #tokens: TokenManager;
  readonly #limiter: RateLimiter;
  readonly #settings: ExchangeSettings;
  readonly #guard: ((pathname: string) => void) | undefined;
  readonly #stats = { attempts: 0, retries: 0, statuses: {} as Record<number, number>, networkFailures: 0, unauthorizedRenewals: 0 };

  constructor(options: FortnoxHttpOptions) {
    this.tenantId = options.tenantId;
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.#tokens = options.tokens;
    this.#limiter = options.limiter;
    this.#settings = options.settings;
    this.#guard = options.guard;
  }

  /** Fortnox's clock as of its last answer (its `Date` header), and our monotonic time then. */
  #serverClock: { serverMs: number; localMs: number } | undefined;

  /**
   * The server's current time, extrapolated from the `Date` header of its last answer; undefined
   * before any answer. `lastmodified` is stamped by Fortnox's clock, so change windows must be too.
   */
  serverNow(): Date | undefined {
    if (this.#serverClock === undefined) return undefined;
    return new Date(this.#serverClock.serverMs + (performance.now() - this.#serverClock.localMs));
  }

  get stats(): HttpStats {
    return { ...this.#stats, statuses: { ...this.#stats.statuses }, limiter: this.#limiter.stats };
  }

  url(path: string, query: Query = {}): URL {
    const url = new URL(this.#apiUrl + path);
    // Base URL and path only; a path must not smuggle in its own query or another host.
    if (url.origin !== new URL(this.#apiUrl).origin || url.search !== '' || url.hash !== '') throw new RangeError(`not a plain API path: ${path}`);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null) continue;
      // Fortnox requires lower-case parameter names.
      url.searchParams.set(k.toLowerCase(), v instanceof Date ? fortnoxTimestamp(v) : String(v));
    }
    return url;
  }

  async request(req: HttpRequest): Promise<ExchangeResponse> {
    const url = this.url(req.path, req.query);
    const basePath = new URL(this.#apiUrl).pathname.replace(/\/+$/, '');
    const apiPath = url.pathname.slice(basePath.length);
    assertNoSideEffects(apiPath);
    this.#guard?.(apiPath);
    let token = await this.#tokens.accessToken(this.tenantId);
    const headers: Record<string, string> = { Accept: req.accept ?? 'application/json' };
    let body: string | FormData | undefined;
    if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      body = req.form;
    }
    const send = () =>
      exchange(
        { method: req.method, url, headers: () => ({ ...headers, Authorization: `Bearer ${token}` }), body, idempotent: req.idempotent, signal: req.signal, stream: req.stream },
        this.#settings,
        {
          beforeAttempt: (signal) => this.#limiter.acquire(signal),
          onAttempt: (e) => {
            this.#stats.attempts++;
            if (e.attempt > 1) this.#stats.retries++;
            if (e.failure !== undefined) this.#stats.networkFailures++;
            else if (e.status !== undefined) this.#stats.statuses[e.status] = (this.#stats.statuses[e.status] ?? 0) + 1;
          },
        },
      );
    let res = await send();
    this.#noteServerTime(res.headers.get('date'));
    if (res.status === 401) {
      // Fortnox rejects an unauthenticated request before doing anything, so even a POST may be repeated.
      this.#stats.unauthorizedRenewals++;
      await res.stream?.cancel();
      token = await this.#tokens.renewAfterRejection(this.tenantId, token);
      res = await send();
      this.#noteServerTime(res.headers.get('date'));
    }
    if (res.status >= 200 && res.status < 300) return res;
    if (res.stream) await res.stream.cancel();
    const text = res.body.toString('utf8');
    const info = parseErrorBody(text);
    const failure = { method: req.method, path: url.pathname + url.search };
    const idempotent = req.idempotent ?? req.method !== 'POST';
    if (!idempotent && res.status >= 500) {
      throw new FortnoxWriteUncertainError({ ...failure, status: res.status, fortnoxCode: info.fortnoxCode, fortnoxMessage: info.fortnoxMessage }, `HTTP ${res.status}`);
    }
    throw errorForStatus(res.status, info, failure);
  }

  #noteServerTime(header: string | null): void {
    const serverMs = header === null ? Number.NaN : Date.parse(header);
    if (Number.isFinite(serverMs)) this.#serverClock = { serverMs, localMs: performance.now() };
  }

  async json(req: HttpRequest): Promise<JsonValue> {
    const res = await this.request(req);
    const url = this.url(req.path, req.query);
    if (res.status === 204 || res.body.length === 0) return null;
    return parseJsonBody(res.body.toString('utf8'), { method: req.method, path: url.pathname + url.search, status: res.status });
  }
}
