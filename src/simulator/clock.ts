/**
 * The simulated clock. It starts at a fixed instant (so a seed gives the same company every time),
 * runs at real speed from there, and can be moved forward by the control API (to expire tokens or
 * to simulate days of business). It never goes back.
 */
export const DEFAULT_START = Date.parse('2026-11-20T07:00:00Z');

export class SimClock {
  readonly #realNow: () => number;
  readonly #realStart: number;
  readonly #simStart: number;
  #offset = 0;

  constructor(simStart: number = DEFAULT_START, realNow: () => number = Date.now) {
    this.#realNow = realNow;
    this.#simStart = simStart;
    this.#realStart = realNow();
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.#simStart + (this.#realNow() - this.#realStart) + this.#offset;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`the clock only moves forward; got ${ms} ms`);
    this.#offset += ms;
    return this.now();
  }
}

const STOCKHOLM = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/** `YYYY-MM-DD HH:mm:ss` in Swedish local time, the form Fortnox uses for timestamps. */
export function fortnoxDateTime(ms: number): string {
  const p = Object.fromEntries(STOCKHOLM.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `YYYY-MM-DD` in Swedish local time. */
export function fortnoxDate(ms: number): string {
  return fortnoxDateTime(ms).slice(0, 10);
}
