import {
  FortnoxBadRequestError,
  FortnoxForbiddenError,
  FortnoxInvalidResponseError,
  FortnoxNotFoundError,
  FortnoxRateLimitedError,
  FortnoxServerError,
  FortnoxUnauthorizedError,
  type FortnoxError,
  type FortnoxFailure,
} from './errors.ts';
import { toNumber } from './values.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fortnox's key casing is not stable (`Code` on 404, `code` on 400), so look keys up case-insensitively. */
export function getCaseInsensitive(o: JsonObject, name: string): JsonValue | undefined {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

/** What an error body says, from any of the shapes Fortnox uses. */
export interface ErrorBody {
  fortnoxCode?: number;
  fortnoxMessage?: string;
  /** The token endpoint's `error`, e.g. `invalid_grant`. */
  oauthError?: string;
  oauthDescription?: string;
}

/**
 * Reads an error body regardless of its content type (the token endpoint labels JSON as `text/html`):
 * `{"ErrorInformation":{"Error":1,"Message":…,"Code":…}}` in either casing, the API gateway's
 * `{"message":"unauthorized"}`, and OAuth's `{"error":"invalid_grant","error_description":…}`.
 */
export function parseErrorBody(text: string): ErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return trimmed === '' ? {} : { fortnoxMessage: trimmed.slice(0, 500) };
  }
  if (!isJsonObject(parsed)) return {};
  const out: ErrorBody = {};
  const info = getCaseInsensitive(parsed, 'ErrorInformation');
  const source = isJsonObject(info) ? info : parsed;
  const code = toNumber(getCaseInsensitive(source, 'Code'));
  if (code !== null) out.fortnoxCode = code;
  const message = getCaseInsensitive(source, 'Message');
  if (typeof message === 'string') out.fortnoxMessage = message;
  if (!isJsonObject(info)) {
    const error = parsed.error;
    if (typeof error === 'string') out.oauthError = error;
    const description = parsed.error_description;
    if (typeof description === 'string') out.oauthDescription = description;
    if (out.fortnoxMessage === undefined && out.oauthDescription !== undefined) out.fortnoxMessage = out.oauthDescription;
  }
  return out;
}

/** The typed error for a non-2xx API status. */
export function errorForStatus(status: number, body: ErrorBody, request: { method?: string; path?: string } = {}): FortnoxError {
  const f: FortnoxFailure = { status, fortnoxCode: body.fortnoxCode, fortnoxMessage: body.fortnoxMessage, method: request.method, path: request.path };
  if (status === 401) return new FortnoxUnauthorizedError(f);
  if (status === 403) return new FortnoxForbiddenError(f);
  if (status === 404) return new FortnoxNotFoundError(f);
  if (status === 429) return new FortnoxRateLimitedError(f);
  if (status >= 500) return new FortnoxServerError(f);
  return new FortnoxBadRequestError(f);
}

/**
 * Fortnox answers a `page` past the end with 400 "Angiven sida hittades ej (24).": for a paging walk
 * that is the end, not a failure.
 */
export function isPageNotFound(e: unknown): boolean {
  return e instanceof FortnoxBadRequestError && typeof e.fortnoxMessage === 'string' && /angiven sida hittades ej/i.test(e.fortnoxMessage);
}

export interface PageMeta {
  totalResources: number;
  totalPages: number;
  currentPage: number;
}

export interface ListEnvelope {
  meta: PageMeta;
  items: JsonObject[];
}

/** Parses JSON text, turning a syntax error into a typed one. */
export function parseJsonBody(text: string, request: FortnoxFailure = {}): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw new FortnoxInvalidResponseError(request, 'body is not JSON', { cause });
  }
}

/** `{"MetaInformation":{…},"<listKey>":[…]}`; a missing MetaInformation counts as one page. */
export function parseListEnvelope(body: JsonValue, listKey: string, request: FortnoxFailure = {}): ListEnvelope {
  if (!isJsonObject(body)) throw new FortnoxInvalidResponseError(request, 'list body is not an object');
  const list = getCaseInsensitive(body, listKey);
  if (!Array.isArray(list)) throw new FortnoxInvalidResponseError(request, `no "${listKey}" list in the body`);
  const items = list.filter(isJsonObject);
  if (items.length !== list.length) throw new FortnoxInvalidResponseError(request, `"${listKey}" holds non-objects`);
  const metaRaw = getCaseInsensitive(body, 'MetaInformation');
  const meta: PageMeta = isJsonObject(metaRaw)
    ? {
        totalResources: toNumber(metaRaw['@TotalResources']) ?? items.length,
        totalPages: toNumber(metaRaw['@TotalPages']) ?? 1,
        currentPage: toNumber(metaRaw['@CurrentPage']) ?? 1,
      }
    : { totalResources: items.length, totalPages: items.length > 0 ? 1 : 0, currentPage: 1 };
  return { meta, items };
}

/** `{"<key>":{…}}` → the inner object. */
export function parseDetailEnvelope(body: JsonValue, key: string, request: FortnoxFailure = {}): JsonObject {
  if (!isJsonObject(body)) throw new FortnoxInvalidResponseError(request, 'body is not an object');
  const inner = getCaseInsensitive(body, key);
  if (!isJsonObject(inner)) throw new FortnoxInvalidResponseError(request, `no "${key}" object in the body`);
  return inner;
}
