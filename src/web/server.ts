import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { can } from '../accounts/access.ts';
import { companyFor } from '../accounts/access.ts';
import { getOrganisation, membership } from '../accounts/organisations.ts';
import { loadSession, type SessionRecord } from '../accounts/sessions.ts';
import { getUser } from '../accounts/users.ts';
import { NoxError } from '../errors.ts';
import type { WebContext } from './context.ts';
import { DEFAULT_LOCALE, isLocale, messages } from '../i18n.ts';
import { html } from './html.ts';
import { sendPage } from './layout.ts';
import { HttpError, isApi, notFound, type RouteAccess } from './request-context.ts';
import { ROUTE_MODULES } from './routes/index.ts';

export const SESSION_COOKIE = 'nox_sid';

export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  readonly config: RouteAccess & { readonly api?: boolean };
}

declare module 'fastify' {
  interface FastifyInstance {
    readonly noxRoutes: readonly RouteInfo[];
  }
}
/** Before login there is no session to hold the CSRF token: a double-submit cookie does. */
export const PRE_CSRF_COOKIE = 'nox_pre';
export const LOCALE_COOKIE = 'nox_lang';

const ASSETS = {
  'app.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./assets/app.css', import.meta.url)) },
  'app.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./assets/app.js', import.meta.url)) },
} as const;

const m = messages(
  {
    notFound: 'Sidan finns inte',
    notFoundText: 'Sidan finns inte, eller så har du inte tillgång till den.',
    forbidden: 'Ingen behörighet',
    forbiddenText: 'Din roll ger inte behörighet till detta. Be en systemadministratör i din organisation om hjälp.',
    error: 'Något gick fel',
    errorText: 'Ett oväntat fel inträffade. Försök igen om en stund; kvarstår felet, kontakta supporten och ange felkoden.',
    csrf: 'Formuläret har gått ut',
    csrfText: 'Ladda om sidan och försök igen.',
    tooMany: 'För många försök',
    back: 'Till översikten',
  },
  {
    notFound: 'Page not found',
    notFoundText: 'The page does not exist, or you do not have access to it.',
    forbidden: 'Not permitted',
    forbiddenText: 'Your role does not permit this. Ask a system administrator in your organisation.',
    error: 'Something went wrong',
    errorText: 'An unexpected error occurred. Try again shortly; if it persists, contact support and give the error code.',
    csrf: 'The form has expired',
    csrfText: 'Reload the page and try again.',
    tooMany: 'Too many attempts',
    back: 'Back to the dashboard',
  },
);

/**
 * The web application: pages and the JSON API over the same services as the CLI. Every request is
 * checked here, before any route runs: its session, the route's access level and permission, its CSRF
 * token if it changes anything, and the company its `:companyId` names (another tenant's: 404).
 */
export async function buildServer(ctx: WebContext, options: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: process.env.NOX_TRUST_PROXY === '1',
    bodyLimit: 1024 * 1024,
    // Our route paths are case-sensitive and exact; ids in them are validated by the handlers.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });
  await app.register(cookie);
  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Noxbackup API', version: '1', description: 'The JSON API behind Noxbackup\'s web pages. Authenticate with the session cookie; send the session\'s CSRF token (meta csrf-token, or GET /api/v1/me) as X-CSRF-Token on every POST.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
      security: [{ session: [] }],
    },
    hideUntagged: true,
  });

  // The route table with each route's access rules, for the security matrix test and the docs.
  const routes: RouteInfo[] = [];
  app.decorate('noxRoutes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') routes.push({ method, url: route.url, config: route.config ?? {} });
  });

  app.decorateRequest('auth', undefined);
  app.decorateRequest('pendingSession', undefined);
  app.decorateRequest('company', undefined);
  app.decorateRequest('locale', DEFAULT_LOCALE);
  app.decorateRequest('csrfToken', '');

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    const formAction = ctx.fortnox === undefined ? "'self'" : `'self' ${new URL(ctx.fortnox.authUrl).origin}`;
    reply.header('content-security-policy', `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action ${formAction}`);
    if (ctx.cookieSecure) reply.header('strict-transport-security', 'max-age=31536000');
    if (request.url.startsWith('/assets/') || request.url === '/healthz') return; // static: no session needed
    reply.header('cache-control', 'no-store');
    await identify(ctx, request, reply);
  });

  // preValidation: before Fastify validates a body against a route's schema, so a role without the
  // permission, or a foreign company, never learns anything from a validation error.
  app.addHook('preValidation', async (request) => {
    const config = request.routeOptions.config;
    const access = config.access ?? 'member';
    if (access === 'pending') {
      if (request.pendingSession === undefined) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
    } else if (access === 'member') {
      const auth = request.auth;
      if (auth === undefined) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
      if (auth.principal.role === 'admin' && !auth.user.totpEnabled && config.beforeMfaSetup !== true) {
        throw new HttpError(403, 'MFA_SETUP_REQUIRED', 'System administrators must set up two-factor authentication first');
      }
    }
    // The company first: one the principal may not see is 404 whatever else is wrong with the request,
    // so nothing (not even a permission error) tells another tenant's ids from ones that do not exist.
    const params = request.params as Record<string, string> | undefined;
    const companyId = params?.companyId;
    if (companyId !== undefined) {
      if (request.auth === undefined) throw notFound();
      request.company = await companyFor(ctx.app.db, request.auth.principal, companyId);
      if (request.company === undefined) throw notFound();
    }
    if (access === 'member' && config.permission !== undefined && request.auth !== undefined && !can(request.auth.principal, config.permission)) {
      throw new HttpError(403, 'FORBIDDEN', `Your role (${request.auth.principal.role}) does not permit this`);
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) checkCsrf(request);
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    const status = error instanceof HttpError ? error.statusCode : error.validation !== undefined ? 400 : error instanceof NoxError ? statusOfNoxError(error) : (error.statusCode ?? 500);
    const code = error instanceof NoxError ? error.code : error.validation !== undefined ? 'BAD_REQUEST' : status === 500 ? 'INTERNAL' : (error as { code?: string }).code ?? 'ERROR';
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (isApi(request)) return reply.code(status).send({ error: { code, message: status >= 500 && !(error instanceof NoxError) ? 'Internal error' : error.message } });
    if (status === 401 && request.method === 'GET') return reply.code(303).header('location', `/login?next=${encodeURIComponent(request.url)}`).send();
    if (code === 'MFA_SETUP_REQUIRED' && request.method === 'GET') return reply.code(303).header('location', '/account/two-factor').send();
    return errorPage(request, reply, status, code, error);
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (isApi(request)) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'Not found' } });
    return errorPage(request, reply, 404, 'NOT_FOUND', undefined);
  });

  app.get('/assets/:name', { config: { access: 'public' } }, async (request, reply) => {
    const asset = ASSETS[(request.params as { name: string }).name as keyof typeof ASSETS] as (typeof ASSETS)[keyof typeof ASSETS] | undefined;
    if (asset === undefined) throw new HttpError(404, 'NOT_FOUND', 'Not found');
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  });
  app.get('/api/openapi.json', { config: { access: 'public' } }, async () => app.swagger());
  app.get('/healthz', { config: { access: 'public' } }, async () => ({ ok: true }));

  for (const register of ROUTE_MODULES) await register(app, ctx);
  return app;
}

/** Loads the session from its cookie, and picks the locale and the CSRF token the page's forms carry. */
async function identify(ctx: WebContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = request.cookies[SESSION_COOKIE];
  let session: SessionRecord | undefined;
  if (token !== undefined && token !== '') session = await loadSession(ctx.app.db, token, ctx.now());
  if (session !== undefined) {
    const [user, org, role] = await Promise.all([getUser(ctx.app.db, session.userId), getOrganisation(ctx.app.db, session.orgId), membership(ctx.app.db, session.orgId, session.userId)]);
    if (user === undefined || org === undefined || role === undefined || user.disabledAt !== null) {
      session = undefined;
    } else if (!session.mfaPassed) {
      request.pendingSession = session;
    } else {
      request.auth = { session, user, org, principal: { userId: user.id, email: user.email, orgId: org.id, orgKind: org.kind, role } };
    }
  }
  if (session === undefined && token !== undefined) reply.clearCookie(SESSION_COOKIE, { path: '/' });
  const cookieLocale = request.cookies[LOCALE_COOKIE];
  request.locale = request.auth?.user.locale ?? (isLocale(cookieLocale) ? cookieLocale : DEFAULT_LOCALE);
  if (session !== undefined) {
    request.csrfToken = session.csrfToken;
  } else {
    let pre = request.cookies[PRE_CSRF_COOKIE];
    if (pre === undefined || !/^[A-Za-z0-9_-]{32}$/.test(pre)) {
      pre = randomBytes(24).toString('base64url');
      reply.setCookie(PRE_CSRF_COOKIE, pre, { path: '/', httpOnly: true, sameSite: 'strict', secure: ctx.cookieSecure });
    }
    request.csrfToken = pre;
  }
}

function checkCsrf(request: FastifyRequest): void {
  const header = request.headers['x-csrf-token'];
  const body = request.body as Record<string, unknown> | undefined;
  const sent = typeof header === 'string' ? header : typeof body?._csrf === 'string' ? body._csrf : '';
  const expected = request.csrfToken;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  // A POST without a session carries the pre-login cookie's token, which it only has if it read our page.
  if (expected === '' || a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(403, 'CSRF', 'Missing or wrong CSRF token');
}

function statusOfNoxError(error: NoxError): number {
  if (/_NOT_FOUND$/.test(error.code)) return 404;
  if (/_BAD_INPUT$|_INVALID$|^USAGE$/.test(error.code)) return 400;
  if (/_CONFLICT$|_ALREADY_/.test(error.code)) return 409;
  return 500;
}

function errorPage(request: FastifyRequest, reply: FastifyReply, status: number, code: string, error: Error | undefined): FastifyReply {
  const t = m(request.locale);
  const [title, text] =
    status === 404 ? [t('notFound'), t('notFoundText')]
    : status === 403 && code === 'CSRF' ? [t('csrf'), t('csrfText')]
    : status === 403 ? [t('forbidden'), t('forbiddenText')]
    : status === 429 ? [t('tooMany'), error?.message ?? '']
    : status < 500 && error !== undefined ? [t('error'), error.message]
    : [t('error'), t('errorText')];
  return sendPage(request, reply, {
    title,
    status,
    body: html`<p>${text}</p><p class="muted">${code}</p><p><a href="${request.auth === undefined ? '/' : '/dashboard'}">${t('back')}</a></p>`,
  });
}
