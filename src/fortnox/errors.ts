import { NoxError } from '../errors.ts';

/** What Fortnox itself said about a failure, when it said anything. */
export interface FortnoxFailure {
  /** HTTP status, or undefined when no response arrived. */
  readonly status?: number | undefined;
  /** Fortnox's numeric error code (`ErrorInformation.Code`), e.g. 2000433. */
  readonly fortnoxCode?: number | undefined;
  /** Fortnox's message, usually Swedish, e.g. "Kan inte hitta kunden.". */
  readonly fortnoxMessage?: string | undefined;
  readonly method?: string | undefined;
  /** Path and query, never the host or any token. */
  readonly path?: string | undefined;
}

/** Base class of every error the Fortnox client throws; `code` is stable and machine-readable. */
export class FortnoxError extends NoxError {
  readonly status: number | undefined;
  readonly fortnoxCode: number | undefined;
  readonly fortnoxMessage: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(code: string, message: string, failure: FortnoxFailure = {}, options?: { cause?: unknown }) {
    const details: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(failure)) if (v !== undefined) details[k] = v;
    super(code, message, { details, cause: options?.cause });
    this.name = 'FortnoxError';
    this.status = failure.status;
    this.fortnoxCode = failure.fortnoxCode;
    this.fortnoxMessage = failure.fortnoxMessage;
    this.method = failure.method;
    this.path = failure.path;
  }
}

function describe(what: string, f: FortnoxFailure): string {
  const where = f.method !== undefined && f.path !== undefined ? ` (${f.method} ${f.path})` : '';
  const said = f.fortnoxMessage !== undefined ? `: ${f.fortnoxMessage}${f.fortnoxCode !== undefined ? ` [${f.fortnoxCode}]` : ''}` : '';
  return `${what}${where}${said}`;
}

/** 429 after every allowed retry. Usually another integration shares the tenant's budget. */
export class FortnoxRateLimitedError extends FortnoxError {
  constructor(f: FortnoxFailure, options?: { cause?: unknown }) {
    super('FORTNOX_RATE_LIMITED', describe('Fortnox kept answering 429 Too Many Requests', f), f, options);
    this.name = 'FortnoxRateLimitedError';
  }
}

/** 401 even after a fresh token: the token is not accepted for this call. */
export class FortnoxUnauthorizedError extends FortnoxError {
  constructor(f: FortnoxFailure, options?: { cause?: unknown }) {
    super('FORTNOX_UNAUTHORIZED', describe('Fortnox did not accept the access token', f), f, options);
    this.name = 'FortnoxUnauthorizedError';
  }
}

/** 403: the consent lacks the scope, or the company lacks the licence for this resource. */
export class FortnoxForbiddenError extends FortnoxError {
  constructor(f: FortnoxFailure, options?: { cause?: unknown }) {
    super('FORTNOX_FORBIDDEN', describe('Fortnox refused access (missing scope or licence)', f), f, options);
    this.name = 'FortnoxForbiddenError';
  }
}

export class FortnoxNotFoundError extends FortnoxError {
  constructor(f: FortnoxFailure, options?: { cause?: unknown }) {
    super('FORTNOX_NOT_FOUND', describe('Fortnox has no such resource', f), f, options);
    this.name = 'FortnoxNotFoundError';
  }
}

/** 400 and other 4xx: the request itself is wrong; repeating it will not help. */
export class FortnoxBadRequestError extends FortnoxError {
  constructor(f: FortnoxFailure, options?: { cause?: unknown }) {
    super('FORTNOX_BAD_REQUEST', describe('Fortnox rejected the request', f), f, options);
    this.name = 'FortnoxBadRequestError';
  }
}

/** 5xx after every allowed retry. */
export class FortnoxServerError extends FortnoxError {
  constructor(f: FortnoxFailure, options?: { cause?: unknown }) {
    super('FORTNOX_SERVER_ERROR', describe(`Fortnox failed with HTTP ${f.status ?? '5xx'}`, f), f, options);
    this.name = 'FortnoxServerError';
  }
}

/** No usable response: refused or dropped connection, DNS failure, timeout, truncated or unparseable body. */
export class FortnoxNetworkError extends FortnoxError {
  constructor(f: FortnoxFailure, reason: string, options?: { cause?: unknown }) {
    super('FORTNOX_NETWORK', describe(`Could not reach Fortnox (${reason})`, f), f, options);
    this.name = 'FortnoxNetworkError';
  }
}

/**
 * The connection's consent is gone (refresh token rejected with `invalid_grant`, or a service
 * account's consent revoked). A person has to reconnect the company; retrying cannot help.
 */
export class FortnoxReconnectNeededError extends FortnoxError {
  readonly tenantId: string;
  readonly reason: string;

  constructor(tenantId: string, reason: string, f: FortnoxFailure = {}, options?: { cause?: unknown }) {
    super('FORTNOX_RECONNECT_NEEDED', `The Fortnox connection for tenant ${tenantId} must be reconnected by a user: ${reason}`, f, options);
    this.name = 'FortnoxReconnectNeededError';
    this.tenantId = tenantId;
    this.reason = reason;
  }
}

/**
 * A write may or may not have been applied: the request left this machine but no answer came back.
 * Repeating it blindly could create a duplicate, so the caller must look before trying again.
 */
export class FortnoxWriteUncertainError extends FortnoxError {
  constructor(f: FortnoxFailure, reason: string, options?: { cause?: unknown }) {
    super('FORTNOX_WRITE_UNCERTAIN', describe(`A write to Fortnox may or may not have been applied (${reason}); check before retrying`, f), f, options);
    this.name = 'FortnoxWriteUncertainError';
  }
}

/** The token endpoint refused for a reason other than a dead grant, e.g. `invalid_client`. */
export class FortnoxOAuthError extends FortnoxError {
  readonly oauthError: string | undefined;

  constructor(oauthError: string | undefined, description: string | undefined, f: FortnoxFailure, options?: { cause?: unknown }) {
    super('FORTNOX_OAUTH', `Fortnox's token endpoint refused: ${oauthError ?? `HTTP ${f.status ?? '?'}`}${description ? ` (${description})` : ''}`, f, options);
    this.name = 'FortnoxOAuthError';
    this.oauthError = oauthError;
  }
}

/** A programming error: the backup side asked for a path it must never touch. */
export class FortnoxForbiddenPathError extends FortnoxError {
  constructor(path: string, reason: string) {
    super('FORTNOX_FORBIDDEN_PATH', `Refusing to request ${path}: ${reason}`, { path });
    this.name = 'FortnoxForbiddenPathError';
  }
}

/** A 2xx answer that is not what the endpoint promises (not JSON, missing envelope key). */
export class FortnoxInvalidResponseError extends FortnoxError {
  constructor(f: FortnoxFailure, reason: string, options?: { cause?: unknown }) {
    super('FORTNOX_INVALID_RESPONSE', describe(`Fortnox sent an unexpected response (${reason})`, f), f, options);
    this.name = 'FortnoxInvalidResponseError';
  }
}

/** Another process changed the stored tokens while this one held what it thought was the refresh lease. */
export class FortnoxTokenConflictError extends FortnoxError {
  constructor(tenantId: string) {
    super('FORTNOX_TOKEN_CONFLICT', `The stored Fortnox tokens for tenant ${tenantId} changed under a refresh; try again`);
    this.name = 'FortnoxTokenConflictError';
  }
}
