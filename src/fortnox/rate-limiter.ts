import { performance } from 'node:perf_hooks';

export interface RateLimiterOptions {
  /** Requests allowed in any rolling window; Fortnox allows 25. */
  readonly limit: number;
  /** Window length; Fortnox uses 5000 ms. */
  readonly windowMs: number;
  /**
   * Extra time a slot stays taken beyond the window, for servers whose clocks or counting points we
   * distrust. Default 0: the window already runs from the answer, which is after the arrival.
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

/** Call when the answer (or the failure) arrives; the slot's window starts then. Safe to call twice. */
export type ReleaseSlot = () => void;

interface Entry {
  /** When the answer came; undefined while the request is in flight. */
  end: number | undefined;
}

interface Waiter {
  resolve: (release: ReleaseSlot) => void;
  reject: (reason: unknown) => void;
  since: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A sliding-window log of the last `limit` requests. Fortnox counts a request when it *arrives*, which
 * we cannot see; we only know it arrived before its answer came back. So each slot is held while its
 * request is in flight and for one window after the answer: then no window at the server can ever hold
 * more than `limit` arrivals, whatever the network's jitter (the first, cold requests of a run can take
 * far longer than later ones). The cost is one round trip per slot per window, a few per cent.
 * The next request starts the instant a slot frees; waiters are served first come, first served, so
 * the budget is spent fully and no slot stays idle while work is queued.
 */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly marginMs: number;
  readonly #now: () => number;
  /** Requests in flight or answered within the last window (+margin). */
  readonly #log: Entry[] = [];
  readonly #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #stats: RateLimiterStats = { sent: 0, waits: 0, waitedMs: 0, queued: 0, maxQueued: 0 };

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
    if (!(options.windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${options.windowMs}`);
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.marginMs = options.marginMs ?? 0;
    this.#now = options.now ?? (() => performance.now());
  }

  get stats(): Readonly<RateLimiterStats> {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Resolves when this request may start, with the function to call when its answer arrives. */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const now = this.#now();
    this.#prune(now);
    if (this.#queue.length === 0 && this.#log.length < this.limit) return Promise.resolve(this.#take());
    return new Promise<ReleaseSlot>((resolve, reject) => {
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

  #take(): ReleaseSlot {
    const entry: Entry = { end: undefined };
    this.#log.push(entry);
    this.#stats.sent++;
    return () => {
      if (entry.end !== undefined) return;
      entry.end = this.#now();
      if (this.#queue.length > 0) {
        this.#clearTimer();
        this.#schedule();
      }
    };
  }

  #prune(now: number): void {
    const span = this.windowMs + this.marginMs;
    for (let i = this.#log.length - 1; i >= 0; i--) {
      const end = (this.#log[i] as Entry).end;
      if (end !== undefined && end + span <= now) this.#log.splice(i, 1);
    }
  }

  #drain = (): void => {
    this.#timer = undefined;
    const now = this.#now();
    this.#prune(now);
    while (this.#queue.length > 0 && this.#log.length < this.limit) {
      const w = this.#queue.shift() as Waiter;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      this.#stats.waits++;
      this.#stats.waitedMs += now - w.since;
      w.resolve(this.#take());
    }
    if (this.#queue.length > 0) this.#schedule();
  };

  #schedule(): void {
    if (this.#timer !== undefined) return;
    if (this.#log.length < this.limit) {
      this.#timer = setTimeout(this.#drain, 0);
      return;
    }
    let earliest = Infinity;
    for (const e of this.#log) if (e.end !== undefined) earliest = Math.min(earliest, e.end);
    // Every slot is in flight: the next release reschedules.
    if (earliest === Infinity) return;
    this.#timer = setTimeout(this.#drain, Math.max(1, Math.ceil(earliest + this.windowMs + this.marginMs - this.#now())));
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
