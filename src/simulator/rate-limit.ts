/**
 * Fortnox's rate limit: a sliding window of `limit` requests per `windowMs` per (client id, tenant)
 * (fortnox-api.md §2). It runs on real time, not the simulated clock, because it protects the real
 * server from a real client's speed. Rejected requests do not enter the window, so a client that backs
 * off gets through as soon as the oldest accepted request has left it.
 */
export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #log = new Map<string, number[]>();

  constructor(limit: number, windowMs: number, now: () => number = () => performance.now()) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.#now = now;
  }

  /** Records a request and says whether it is allowed. */
  take(key: string): boolean {
    const now = this.#now();
    let times = this.#log.get(key);
    if (times === undefined) this.#log.set(key, (times = []));
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < times.length && (times[drop] as number) <= cutoff) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length >= this.limit) return false;
    times.push(now);
    return true;
  }

  reset(): void {
    this.#log.clear();
  }
}
