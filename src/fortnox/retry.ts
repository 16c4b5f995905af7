/** Exponential back-off with full jitter, and the classification of failures that decides whether to retry. */

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 });

/**
 * Delay before retry number `retry` (1 for the first retry): uniform in [0, min(max, base·2^(retry-1))]
 * ("full jitter"), so many workers that failed together do not come back together. A server's
 * `Retry-After` is a floor.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, policy.maxDelayMs));
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How far a failed exchange got. `not-sent`: provably never reached the server (connection refused,
 * DNS failure, connect timeout), safe to repeat even for a write. `uncertain`: the request may have been
 * received (reset, hang-up, read timeout). `aborted`: the caller gave up; never retried.
 */
export type FailureReach = 'not-sent' | 'uncertain' | 'aborted';

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL']);

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const rec = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof rec.code === 'string') codes.push(rec.code);
    // Happy-eyeballs connects fail with an AggregateError of per-address errors.
    if (Array.isArray(rec.errors)) for (const sub of rec.errors as unknown[]) codes.push(...errorCodes(sub));
    e = rec.cause;
  }
  return codes;
}

export function classifyFailure(err: unknown, callerSignal?: AbortSignal): { reach: FailureReach; reason: string } {
  if (callerSignal?.aborted) return { reach: 'aborted', reason: 'aborted by caller' };
  const codes = errorCodes(err);
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  if (name === 'TimeoutError') return { reach: 'uncertain', reason: 'timed out' };
  if (codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c))) return { reach: 'not-sent', reason: codes[0] ?? 'not sent' };
  const message = err instanceof Error ? err.message : String(err);
  return { reach: 'uncertain', reason: codes[0] ?? message };
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
