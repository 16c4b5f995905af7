/**
 * HTTP primitives shared by the simulator's endpoints: Fortnox's JSON encoding, the headers Fortnox
 * sends, Fortnox-shaped errors and a tiny path router. Handlers return a `Reply` instead of writing to
 * the socket, so faults, counters and the rate limiter can wrap every endpoint the same way.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

const NON_ASCII_OR_SLASH = /[/\u007f-\uffff]/g;

/**
 * JSON as Fortnox writes it: `/` escaped as `\/` and everything outside ASCII as `\u00e4`. A `/` can
 * only occur inside strings in JSON, so a global replace after `JSON.stringify` is safe.
 */
export function fortnoxJson(value: unknown): string {
  return JSON.stringify(value).replace(NON_ASCII_OR_SLASH, (c) => (c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, headers: { 'Content-Type': 'application/json', Vary: 'Accept-Encoding', ...headers }, body: fortnoxJson(value) };
}

export function bytes(body: Buffer, contentType: string, headers?: Record<string, string>): Reply {
  return { status: 200, headers: { 'Content-Type': contentType, ...headers }, body };
}

/** Headers every real Fortnox response carried in the 2023 recordings. */
function baseHeaders(): Record<string, string> {
  return {
    Server: 'Fortnox',
    'X-Uid': randomBytes(4).toString('hex'),
    'X-Content-Type-Options': 'nosniff',
    'X-Xss-Protection': '0',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'sameorigin',
    'Strict-Transport-Security': 'max-age=31536000; includeSubdomains',
  };
}

export function send(res: ServerResponse, reply: Reply): void {
  const body = reply.body ?? '';
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  res.writeHead(reply.status, { ...baseHeaders(), 'Content-Length': String(length), ...reply.headers });
  res.end(body);
}

/**
 * An error Fortnox answers with `ErrorInformation`. Real replies use two casings: capitalized keys on
 * 404 and lower-case keys on 400 (fortnox-api.md §3.2), so the casing follows the status unless given.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly capitalized: boolean;

  constructor(status: number, message: string, code: number, capitalized = status === 404) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.capitalized = capitalized;
  }

  reply(): Reply {
    const info = this.capitalized
      ? { Error: 1, Message: this.message, Code: this.code }
      : { error: 1, message: this.message, code: this.code };
    return json(this.status, { ErrorInformation: info });
  }
}

export const badRequest = (message: string, code: number): ApiError => new ApiError(400, message, code);
export const notFound = (message: string, code: number): ApiError => new ApiError(404, message, code);

/** Thrown by handlers for replies that are not `ErrorInformation` (401, 429, OAuth errors). */
export class ReplyError extends Error {
  readonly reply: Reply;
  constructor(reply: Reply) {
    super(`HTTP ${reply.status}`);
    this.reply = reply;
  }
}

export async function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw badRequest('Förfrågan är för stor.', 2001392);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export interface Route<H> {
  method: string;
  /** A template like `/3/customers/{id}`; it is also the request counter's key. */
  template: string;
  segments: string[];
  handler: H;
}

export interface RouteMatch<H> {
  route: Route<H>;
  params: Record<string, string>;
}

/** Matches `/a/{x}/b` templates segment by segment; a trailing slash is ignored, as Fortnox does. */
export class Router<H> {
  readonly #routes: Route<H>[] = [];

  add(method: string, template: string, handler: H): this {
    this.#routes.push({ method, template, segments: splitPath(template), handler });
    return this;
  }

  match(method: string, path: string): RouteMatch<H> | 'method-not-allowed' | undefined {
    const parts = splitPath(path);
    let pathMatched = false;
    // Literal segments win over parameters (`/3/vouchers/sublist/A` is not voucher `sublist`/`A`).
    const candidates = this.#routes
      .map((route) => ({ route, params: matchSegments(route.segments, parts) }))
      .filter((c): c is { route: Route<H>; params: Record<string, string> } => c.params !== undefined)
      .sort((a, b) => literalCount(b.route) - literalCount(a.route));
    for (const c of candidates) {
      pathMatched = true;
      if (c.route.method === method) return c;
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}

function literalCount(route: Route<unknown>): number {
  return route.segments.filter((s) => !s.startsWith('{')).length;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(template: string[], parts: string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const p = parts[i] as string;
    if (t.startsWith('{')) {
      try {
        params[t.slice(1, -1)] = decodeURIComponent(p);
      } catch {
        return undefined;
      }
    } else if (t !== p) return undefined;
  }
  return params;
}
