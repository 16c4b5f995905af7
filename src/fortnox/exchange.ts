import { FortnoxNetworkError, FortnoxWriteUncertainError } from './errors.ts';
import { backoffDelay, classifyFailure, parseRetryAfter, sleep, type RetryPolicy } from './retry.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ExchangeRequest {
  method: HttpMethod;
  url: URL;
  /** Called before every attempt, so a renewed token is picked up. */
  headers?: () => Promise<Record<string, string>> | Record<string, string>;
  body?: string | Uint8Array | FormData;
  /**
   * Whether sending the request twice is harmless. Defaults to true for GET, PUT and DELETE and false
   * for POST; a non-idempotent request is repeated only when it provably never reached the server.
   */
  idempotent?: boolean;
  signal?: AbortSignal | undefined;
  /** Return the body as a stream once the headers arrive instead of reading it (retries stop there). */
  stream?: boolean;
}

export interface ExchangeResponse {
  status: number;
  headers: Headers;
  /** The whole body (unless `stream` was asked for). */
  body: Buffer;
  stream: ReadableStream<Uint8Array> | null;
  attempts: number;
}

export interface ExchangeEvents {
  /**
   * Before each attempt, e.g. to wait for a rate-limit slot. May throw to give up. The function it
   * returns is called as soon as the attempt's answer (headers) or failure arrives.
   */
  beforeAttempt?: (signal: AbortSignal | undefined) => Promise<(() => void) | void>;
  /** After each attempt that got a status, or failed without one. */
  onAttempt?: (event: { method: HttpMethod; path: string; status?: number; failure?: string; attempt: number; willRetry: boolean }) => void;
}

export interface ExchangeSettings {
  fetch: typeof fetch;
  retry: RetryPolicy;
  /** Per attempt, covering connect, headers and (unless streaming) the body. */
  timeoutMs: number;
  random?: () => number;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * One logical HTTP request with a per-attempt timeout and retries (exponential back-off, full jitter,
 * `Retry-After` honoured). Statuses are returned, not thrown: the caller maps them to typed errors.
 * Only failures without a usable status throw: `FortnoxNetworkError` when retries run out, and
 * `FortnoxWriteUncertainError` when a non-idempotent request may have reached the server.
 */
export async function exchange(req: ExchangeRequest, settings: ExchangeSettings, events: ExchangeEvents = {}): Promise<ExchangeResponse> {
  const idempotent = req.idempotent ?? req.method !== 'POST';
  const path = req.url.pathname + req.url.search;
  const failure = { method: req.method, path };
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= settings.retry.maxAttempts;
    const answered = (await events.beforeAttempt?.(req.signal)) ?? (() => undefined);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException(`no answer within ${settings.timeoutMs} ms`, 'TimeoutError')), settings.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    let status: number | undefined;
    let retryAfterMs: number | undefined;
    try {
      const headers = (await req.headers?.()) ?? {};
      const res = await settings.fetch(req.url, { method: req.method, headers, body: req.body ?? null, signal, redirect: 'manual' });
      answered();
      status = res.status;
      retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      const willRetry = isRetryableStatus(res.status) && !last && (idempotent || res.status === 429);
      if (!willRetry) {
        if (req.stream && res.ok) {
          clearTimeout(timer);
          events.onAttempt?.({ method: req.method, path, status, attempt, willRetry });
          return { status: res.status, headers: res.headers, body: Buffer.alloc(0), stream: res.body, attempts: attempt };
        }
        const body = Buffer.from(await res.arrayBuffer());
        events.onAttempt?.({ method: req.method, path, status, attempt, willRetry });
        return { status: res.status, headers: res.headers, body, stream: null, attempts: attempt };
      }
      // Drain so the connection can be reused; its content does not matter.
      await res.arrayBuffer().catch(() => undefined);
      events.onAttempt?.({ method: req.method, path, status, attempt, willRetry });
    } catch (err) {
      answered();
      const { reach, reason } = classifyFailure(err, req.signal);
      // A status already arrived means the server processed (or rejected) the request; only the body was lost.
      const effectiveReach = status !== undefined && reach === 'not-sent' ? 'uncertain' : reach;
      if (effectiveReach === 'aborted') throw req.signal?.reason ?? err;
      const willRetry = !last && (idempotent || effectiveReach === 'not-sent');
      events.onAttempt?.({ method: req.method, path, failure: reason, attempt, willRetry, ...(status === undefined ? {} : { status }) });
      if (!willRetry) {
        if (!idempotent && effectiveReach === 'uncertain') throw new FortnoxWriteUncertainError({ ...failure, status }, reason, { cause: err });
        throw new FortnoxNetworkError({ ...failure, status }, `${reason}; ${attempt} attempt${attempt === 1 ? '' : 's'}`, { cause: err });
      }
    } finally {
      clearTimeout(timer);
    }
    await sleep(backoffDelay(attempt, settings.retry, retryAfterMs, settings.random), req.signal);
  }
}
