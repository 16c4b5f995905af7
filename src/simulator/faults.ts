/**
 * Injected faults, so the client's retry and recovery paths can be tested: server errors, slow
 * answers, dropped connections, 429 storms and revoked consents. Each fault can be limited to a
 * tenant, a path prefix, a number of hits, a probability and a duration (real time).
 */
export const FAULT_KINDS = ['5xx', 'slow', 'drop', '429', 'revoke'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** Only requests for this tenant; all tenants when absent. */
  tenantId?: number;
  /** Only requests whose path starts with this (e.g. `/3/invoices`). */
  path?: string;
  /** HTTP status for `5xx` (default 500). */
  status?: number;
  /** Delay for `slow` (default 2000 ms). */
  delayMs?: number;
  /** Fire this many times, then disappear. */
  count?: number;
  /** Fire with this probability per matching request (default 1). */
  probability?: number;
  /** Stay active this long (real milliseconds) from creation. */
  durationMs?: number;
}

export interface Fault extends FaultSpec {
  id: number;
  hits: number;
  /** Real epoch ms after which the fault is gone. */
  until?: number;
}

export class FaultSpecError extends Error {}

export class Faults {
  #next = 1;
  #faults: Fault[] = [];
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(random: () => number, now: () => number = Date.now) {
    this.#random = random;
    this.#now = now;
  }

  add(spec: FaultSpec): Fault {
    if (!FAULT_KINDS.includes(spec.kind)) throw new FaultSpecError(`kind must be one of ${FAULT_KINDS.join(', ')}`);
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 500 || spec.status > 599)) throw new FaultSpecError('status must be 500–599');
    for (const k of ['delayMs', 'count', 'durationMs', 'tenantId'] as const) {
      const v = spec[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new FaultSpecError(`${k} must be a whole number ≥ 0`);
    }
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) throw new FaultSpecError('probability must be 0–1');
    if (spec.path !== undefined && typeof spec.path !== 'string') throw new FaultSpecError('path must be a string');
    const fault: Fault = { ...spec, id: this.#next++, hits: 0 };
    if (spec.durationMs !== undefined) fault.until = this.#now() + spec.durationMs;
    this.#faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    this.#expire();
    return this.#faults.map((f) => ({ ...f }));
  }

  clear(tenantId?: number): number {
    const before = this.#faults.length;
    this.#faults = tenantId === undefined ? [] : this.#faults.filter((f) => f.tenantId !== tenantId);
    return before - this.#faults.length;
  }

  /** The faults that fire for a request, consuming one of each one's hits. */
  fire(tenantId: number | undefined, path: string): Fault[] {
    this.#expire();
    const fired: Fault[] = [];
    for (const f of this.#faults) {
      if (f.tenantId !== undefined && f.tenantId !== tenantId) continue;
      if (f.path !== undefined && !path.startsWith(f.path)) continue;
      if (f.probability !== undefined && this.#random() >= f.probability) continue;
      f.hits++;
      fired.push({ ...f });
    }
    this.#faults = this.#faults.filter((f) => f.count === undefined || f.hits < f.count);
    return fired;
  }

  #expire(): void {
    const now = this.#now();
    this.#faults = this.#faults.filter((f) => f.until === undefined || f.until > now);
  }
}
