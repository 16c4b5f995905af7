import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Permission } from '../accounts/access.ts';
import type { Organisation } from '../accounts/organisations.ts';
import type { SessionRecord } from '../accounts/sessions.ts';
import type { User } from '../accounts/users.ts';
import type { Tenant } from '../db/index.ts';
import { NoxError } from '../errors.ts';
import type { Locale } from '../i18n.ts';

/**
 * Who may call a route. `public`: anyone (a session is loaded when there is one). `pending`: a session
 * that has given its password but still owes the TOTP code. `member`: a signed-in member, optionally
 * with a permission. Routes are `member` unless they say otherwise: deny by default.
 */
export type Access = 'public' | 'pending' | 'member';

export interface RouteAccess {
  readonly access?: Access;
  readonly permission?: Permission;
  /** An administrator without TOTP may still reach this route (the set-up page, logout, language). */
  readonly beforeMfaSetup?: boolean;
}

export interface SignedIn {
  readonly session: SessionRecord;
  readonly user: User;
  readonly org: Organisation;
  readonly principal: Principal;
}

declare module 'fastify' {
  interface FastifyContextConfig extends RouteAccess {
    /** Marks JSON API routes in the route table (the security matrix reads it). */
    readonly api?: boolean;
  }
  interface FastifyRequest {
    /** The signed-in member, or undefined on public routes without a session. */
    auth: SignedIn | undefined;
    /** A session that owes its TOTP code (on `pending` routes). */
    pendingSession: SessionRecord | undefined;
    /** The company named by the route's `:companyId`, already checked against the principal. */
    company: Tenant | undefined;
    locale: Locale;
    /** The token forms must carry: the session's, or the pre-login double-submit cookie's. */
    csrfToken: string;
  }
}

export class HttpError extends NoxError {
  readonly statusCode: number;
  constructor(statusCode: number, code: string, message: string) {
    super(code, message);
    this.statusCode = statusCode;
  }
}

export function notFound(): HttpError {
  return new HttpError(404, 'NOT_FOUND', 'Not found');
}

/** The signed-in member of a `member` route (the hooks guarantee there is one). */
export function signedIn(request: FastifyRequest): SignedIn {
  if (request.auth === undefined) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
  return request.auth;
}

/** The route's company (routes with `:companyId`; the hooks have checked the principal may see it). */
export function company(request: FastifyRequest): Tenant {
  if (request.company === undefined) throw notFound();
  return request.company;
}

export function isApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/');
}

/** After a form post: 303 so the browser GETs the next page. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}

/** Only our own paths are followed after login or a language switch (no open redirect). */
export function safeNext(next: unknown, fallback = '/'): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : fallback;
}

/** A form field as a trimmed string ('' when absent or not a string). */
export function field(body: unknown, name: string): string {
  if (body === null || typeof body !== 'object') return '';
  const v = (body as Record<string, unknown>)[name];
  return typeof v === 'string' ? v.trim() : '';
}

/** A form field that may repeat (checkboxes): always an array of strings. */
export function fields(body: unknown, name: string): string[] {
  if (body === null || typeof body !== 'object') return [];
  const v = (body as Record<string, unknown>)[name];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function clientIp(request: FastifyRequest): string {
  return request.ip;
}
