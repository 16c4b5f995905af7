import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, visibleCompanies } from '../../accounts/access.ts';
import { audit } from '../../accounts/audit.ts';
import { acknowledgeAlert, listAlerts, type Alert } from '../../db/alerts.ts';
import type { Tenant } from '../../db/index.ts';
import { alertTitle } from '../../alerts/wording.ts';
import { alertItem } from '../alerts-view.ts';
import type { WebContext } from '../context.ts';
import { csrfField } from '../forms.ts';
import { html } from '../html.ts';
import { messages } from '../../i18n.ts';
import { sendPage } from '../layout.ts';
import { clientIp, company, field, notFound, safeNext, seeOther, signedIn } from '../request-context.ts';

const m = messages(
  {
    title: 'Larm',
    companyTitle: 'Larm för {name}',
    lead: 'Det som behöver någons uppmärksamhet, nyast först.',
    showOpen: 'Visa bara öppna larm',
    showAll: 'Visa även åtgärdade och kvitterade larm',
    noneOpen: 'Inga öppna larm. Allt ser bra ut.',
    none: 'Inga larm.',
    pager: 'Sidor',
    first: 'Nyaste',
    older: 'Äldre larm',
  },
  {
    title: 'Alerts',
    companyTitle: 'Alerts for {name}',
    lead: 'What needs someone\'s attention, newest first.',
    showOpen: 'Show open alerts only',
    showAll: 'Also show resolved and acknowledged alerts',
    noneOpen: 'No open alerts. All looks well.',
    none: 'No alerts.',
    pager: 'Pages',
    first: 'Newest',
    older: 'Older alerts',
  },
);

const PAGE_SIZE = 50;
const ID = /^[A-Za-z0-9-]{1,64}$/;

interface AlertQuery {
  readonly all: boolean;
  readonly before: string | undefined;
  readonly limit: number;
}

function alertQuery(request: FastifyRequest): AlertQuery {
  const q = request.query as Record<string, unknown>;
  const before = typeof q.before === 'string' && ID.test(q.before) ? q.before : undefined;
  const limit = Math.min(200, Math.max(1, Math.floor(Number(q.limit)) || PAGE_SIZE));
  return { all: q.all === '1' || q.all === 'true', before, limit };
}

/** One page of the tenants' alerts, and the cursor of the next page (when there is one). */
async function alertPage(ctx: WebContext, tenantIds: readonly string[], query: AlertQuery): Promise<{ alerts: Alert[]; next: string | undefined }> {
  const rows = await listAlerts(ctx.app.db, tenantIds, { open: query.all ? undefined : true, before: query.before, limit: query.limit + 1 });
  const alerts = rows.slice(0, query.limit);
  return { alerts, next: rows.length > query.limit ? alerts.at(-1)?.id : undefined };
}

const alertSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, companyId: { type: 'string' }, companyName: { type: 'string' }, kind: { type: 'string' }, title: { type: 'string' },
    severity: { type: 'string', enum: ['critical', 'warning', 'info'] }, details: { type: 'object', additionalProperties: true },
    createdAt: { type: 'string' }, resolvedAt: { type: ['string', 'null'] }, acknowledgedAt: { type: ['string', 'null'] },
  },
} as const;
const listSchema = { type: 'object', properties: { alerts: { type: 'array', items: alertSchema }, next: { type: ['string', 'null'] } } } as const;
const querySchema = { type: 'object', properties: { all: { type: 'string', enum: ['0', '1', 'true', 'false'] }, before: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 200 } } } as const;

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const db = ctx.app.db;

  const alertJson = (request: FastifyRequest, names: ReadonlyMap<string, string>) => (a: Alert) => ({
    id: a.id, companyId: a.tenantId, companyName: names.get(a.tenantId) ?? '', kind: a.kind, title: alertTitle(request.locale, a), severity: a.severity,
    details: a.details, createdAt: a.createdAt, resolvedAt: a.resolvedAt, acknowledgedAt: a.acknowledgedAt,
  });

  const listPage = async (request: FastifyRequest, reply: FastifyReply, companies: readonly Tenant[], path: string, title: string) => {
    const t = m(request.locale);
    const query = alertQuery(request);
    const { alerts, next } = await alertPage(ctx, companies.map((c) => c.id), query);
    const names = new Map(companies.map((c) => [c.id, c.name]));
    const canAck = can(signedIn(request).principal, 'operate');
    const allParam = query.all ? 'all=1&' : '';
    const here = `${path}${query.all ? '?all=1' : ''}${query.before === undefined ? '' : `${query.all ? '&' : '?'}before=${query.before}`}`;
    return sendPage(request, reply, {
      title,
      lead: t('lead'),
      body: html`<p class="actions">${query.all ? html`<a href="${path}">${t('showOpen')}</a>` : html`<a href="${path}?all=1">${t('showAll')}</a>`}</p>
      ${alerts.length === 0
        ? html`<p>${query.all ? t('none') : t('noneOpen')}</p>`
        : html`<ul class="alert-list">${alerts.map((a) => alertItem(a, { locale: request.locale, companyName: names.get(a.tenantId) ?? '', canAcknowledge: canAck, csrf: csrfField(request), next: here, headingLevel: 2 }))}</ul>`}
      ${query.before === undefined && next === undefined ? '' : html`<nav class="pager" aria-label="${t('pager')}">
        ${query.before === undefined ? '' : html`<a href="${path}${query.all ? '?all=1' : ''}">${t('first')}</a>`}
        ${next === undefined ? '' : html`<a href="${path}?${allParam}before=${next}">${t('older')}</a>`}
      </nav>`}`,
    });
  };

  app.get('/alerts', { config: { permission: 'browse' } }, async (request, reply) => {
    const companies = await visibleCompanies(db, signedIn(request).principal);
    return listPage(request, reply, companies, '/alerts', m(request.locale)('title'));
  });

  app.get('/companies/:companyId/alerts', { config: { permission: 'browse' } }, async (request, reply) => {
    const c = company(request);
    return listPage(request, reply, [c], `/companies/${c.id}/alerts`, m(request.locale)('companyTitle', { name: c.name }));
  });

  const acknowledge = async (request: FastifyRequest): Promise<Alert> => {
    const c = company(request);
    const { alertId } = request.params as { alertId: string };
    const { user, org } = signedIn(request);
    if (!ID.test(alertId)) throw notFound();
    // Looked up with the route's company: another company's alert id answers 404.
    const alert = await acknowledgeAlert(db, [c.id], alertId, user.id, ctx.now());
    if (alert === undefined) throw notFound();
    await audit(db, { orgId: org.id, tenantId: c.id, userId: user.id, userEmail: user.email, action: 'alert.acknowledge', target: alert.id, details: { kind: alert.kind }, ip: clientIp(request), at: ctx.now() });
    return alert;
  };

  app.post('/companies/:companyId/alerts/:alertId/acknowledge', { config: { permission: 'operate' } }, async (request, reply) => {
    await acknowledge(request);
    return seeOther(reply, safeNext(field(request.body, 'next'), `/companies/${company(request).id}/alerts`));
  });

  app.get('/api/v1/alerts', {
    config: { permission: 'browse', api: true },
    schema: { tags: ['alerts'], summary: 'Open alerts (all=1: also resolved and acknowledged) of every company the user may see, newest first; page with before=<next>', querystring: querySchema, response: { 200: listSchema } },
  }, async (request) => {
    const companies = await visibleCompanies(db, signedIn(request).principal);
    const { alerts, next } = await alertPage(ctx, companies.map((c) => c.id), alertQuery(request));
    return { alerts: alerts.map(alertJson(request, new Map(companies.map((c) => [c.id, c.name])))), next: next ?? null };
  });

  app.get('/api/v1/companies/:companyId/alerts', {
    config: { permission: 'browse', api: true },
    schema: { tags: ['alerts'], summary: 'The company\'s alerts, newest first', params: { type: 'object', properties: { companyId: { type: 'string' } } }, querystring: querySchema, response: { 200: listSchema } },
  }, async (request) => {
    const c = company(request);
    const { alerts, next } = await alertPage(ctx, [c.id], alertQuery(request));
    return { alerts: alerts.map(alertJson(request, new Map([[c.id, c.name]]))), next: next ?? null };
  });

  app.post('/api/v1/companies/:companyId/alerts/:alertId/acknowledge', {
    config: { permission: 'operate', api: true },
    schema: { tags: ['alerts'], summary: 'Acknowledge an alert', params: { type: 'object', properties: { companyId: { type: 'string' }, alertId: { type: 'string' } } }, response: { 200: alertSchema } },
  }, async (request) => {
    const alert = await acknowledge(request);
    return alertJson(request, new Map([[alert.tenantId, company(request).name]]))(alert);
  });
}
