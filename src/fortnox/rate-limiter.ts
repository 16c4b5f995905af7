import { performance } from 'node:perf_hooks';

export interface RateLimiterOptions {
  /** Requests allowed in any rolling window; Fortnox allows 25. */
  readonly limit: number;
  /** Window length; Fortnox uses 5000 ms. */
  readonly windowMs: number;
  /**
   * Extra time a slot stays taken beyond the window. Fortnox counts when a request *arrives*, we count
   * when it leaves; if an early request is delayed more than a later one, the server sees them closer
   * together than we sent them. The margin absorbs that jitter. Default: 2 % of the window.
   */
  readonly marginMs?: number;
  /** Monotonic milliseconds; injectable for tests. */
  readonly now?: () => number;
}

export interface RateLimiterStats {
  /** Slots handed out, i.e. requests started. */
  sent: number;
  /** Of those, how many had to queue first. */
  waits: number;
  /** Total time spent queuing, summed over requests. */
  waitedMs: number;
  /** Requests queuing right now. */
  queued: number;
  maxQueued: number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  since: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A sliding-window log: remembers when each of the last `limit` requests started, and starts the next
 * one the instant the oldest leaves the window. Waiting requests are served first come, first served,
 * so the budget is spent fully and no slot stays idle while work is queued.
 */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly marginMs: number;
  readonly #now: () => number;
  /** Start times still inside the window (+margin), oldest first. */
  readonly #log: number[] = [];
  readonly #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #stats: RateLimiterStats = { sent: 0, waits: 0, waitedMs: 0, queued: 0, maxQueued: 0 };

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
    if (!(options.windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${options.windowMs}`);
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.marginMs = options.marginMs ?? Math.ceil(options.windowMs * 0.02);
    this.#now = options.now ?? (() => performance.now());
  }

  get stats(): Readonly<RateLimiterStats> {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Resolves when this request may start; its start is recorded at that instant. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const now = this.#now();
    this.#prune(now);
    if (this.#queue.length === 0 && this.#log.length < this.limit) {
      this.#take(now);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, since: now, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(signal.reason as Error);
          if (this.#queue.length === 0) this.#clearTimer();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#stats.maxQueued = Math.max(this.#stats.maxQueued, this.#queue.length);
      this.#schedule();
    });
  }

  #take(now: number): void {
    this.#log.push(now);
    this.#stats.sent++;
  }

  #prune(now: number): void {
    const span = this.windowMs + this.marginMs;
    while (this.#log.length > 0 && (this.#log[0] as number) + span <= now) this.#log.shift();
  }

  #drain = (): void => {
    this.#timer = undefined;
    const now = this.#now();
    this.#prune(now);
    while (this.#queue.length > 0 && this.#log.length < this.limit) {
      const w = this.#queue.shift() as Waiter;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      this.#take(now);
      this.#stats.waits++;
      this.#stats.waitedMs += now - w.since;
      w.resolve();
    }
    if (this.#queue.length > 0) this.#schedule();
  };

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const oldest = this.#log[0];
    const delay = oldest === undefined ? 0 : Math.max(1, Math.ceil(oldest + this.windowMs + this.marginMs - this.#now()));
    this.#timer = setTimeout(this.#drain, delay);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * One limiter per (client id, tenant) in this process, so every caller working on the same company
 * shares one budget, as Fortnox counts it.
 */
export class RateLimiterRegistry {
  readonly #limiters = new Map<string, RateLimiter>();
  readonly #defaults: RateLimiterOptions;

  constructor(defaults: RateLimiterOptions) {
    this.#defaults = defaults;
  }

  for(clientId: string, tenantId: string): RateLimiter {
    const key = JSON.stringify([clientId, tenantId]);
    let limiter = this.#limiters.get(key);
    if (limiter === undefined) {
      limiter = new RateLimiter(this.#defaults);
      this.#limiters.set(key, limiter);
    }
    return limiter;
  }
}
