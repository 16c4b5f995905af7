import type { FastifyInstance, FastifyRequest } from 'fastify';
import { visibleCompanies, type Principal } from '../../accounts/access.ts';
import type { AuditEntry } from '../../accounts/audit.ts';
import type { Tenant } from '../../db/index.ts';
import { auditPage } from '../audit-entries.ts';
import { ACTION_GROUPS, actionLabel } from '../audit-labels.ts';
import type { WebContext } from '../context.ts';
import { select, submit } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatDateTime, messages } from '../../i18n.ts';
import { sendPage } from '../layout.ts';
import { signedIn } from '../request-context.ts';

const m = messages(
  {
    title: 'Granskningslogg',
    lead: 'Vem som har sett, exporterat, återställt eller ändrat vad, och när. Nyast först.',
    leadRestricted: 'Du ser händelser för dina klientföretag och för organisationen.',
    filters: 'Filtrera',
    action: 'Händelse',
    anyAction: 'Alla händelser',
    company: 'Företag',
    anyCompany: 'Alla företag',
    filter: 'Visa',
    time: 'Tid',
    who: 'Vem',
    target: 'Gäller',
    ip: 'IP-adress',
    system: 'Systemet',
    none: 'Inga händelser.',
    pager: 'Sidor',
    first: 'Nyaste',
    older: 'Äldre händelser',
    caption: 'Händelser i granskningsloggen',
  },
  {
    title: 'Audit log',
    lead: 'Who saw, exported, restored or changed what, and when. Newest first.',
    leadRestricted: 'You see events of your client companies and of the organisation.',
    filters: 'Filter',
    action: 'Event',
    anyAction: 'All events',
    company: 'Company',
    anyCompany: 'All companies',
    filter: 'Show',
    time: 'Time',
    who: 'Who',
    target: 'Concerns',
    ip: 'IP address',
    system: 'The system',
    none: 'No events.',
    pager: 'Pages',
    first: 'Newest',
    older: 'Older events',
    caption: 'Events in the audit log',
  },
);

const PAGE_SIZE = 100;

/** A firm's users other than administrators see only their companies' entries (and the organisation's). */
function restricted(principal: Principal): boolean {
  return principal.role !== 'admin' && principal.orgKind === 'firm';
}

interface Filters {
  readonly action: string | undefined;
  readonly companyId: string | undefined;
  readonly before: string | undefined;
  readonly limit: number;
}

function filters(request: FastifyRequest, companies: readonly Tenant[]): Filters {
  const q = request.query as Record<string, unknown>;
  const action = typeof q.action === 'string' && /^[a-z_.]{1,40}$/.test(q.action) ? q.action : undefined;
  // A company the user may not see is ignored, like one that does not exist.
  const companyId = typeof q.company === 'string' && companies.some((c) => c.id === q.company) ? q.company : undefined;
  // A cursor from the previous page: its last entry's time and id (`auditCursor`).
  const before = typeof q.before === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z_[0-9a-f-]{36}$/.test(q.before) ? q.before : undefined;
  const limit = Math.min(500, Math.max(1, Math.floor(Number(q.limit)) || PAGE_SIZE));
  return { action, companyId, before, limit };
}

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const db = ctx.app.db;

  const load = async (request: FastifyRequest) => {
    const { principal, org } = signedIn(request);
    const companies = await visibleCompanies(db, principal);
    const f = filters(request, companies);
    const page = await auditPage(db, org.id, { tenantIds: restricted(principal) ? companies.map((c) => c.id) : undefined, companyId: f.companyId, action: f.action, before: f.before, limit: f.limit });
    return { principal, companies, f, ...page };
  };

  app.get('/audit', { config: { permission: 'audit' } }, async (request, reply) => {
    const t = m(request.locale);
    const locale = request.locale;
    const { principal, companies, f, entries, next } = await load(request);
    const names = new Map(companies.map((c) => [c.id, c.name]));
    const keep = new URLSearchParams();
    if (f.action !== undefined) keep.set('action', f.action);
    if (f.companyId !== undefined) keep.set('company', f.companyId);
    const firstHref = `/audit${keep.size === 0 ? '' : `?${keep.toString()}`}`;
    const olderParams = new URLSearchParams(keep);
    if (next !== undefined) olderParams.set('before', next);
    const row = (e: AuditEntry) => html`<tr>
      <td class="nowrap"><time datetime="${e.at}">${formatDateTime(locale, e.at)}</time></td>
      <td>${e.userEmail ?? t('system')}</td>
      <th scope="row"><span title="${e.action}">${actionLabel(locale, e.action)}</span></th>
      <td>${e.tenantId === null ? '–' : (names.get(e.tenantId) ?? e.tenantId)}</td>
      <td>${targetCell(e, names)}</td>
      <td>${e.ip ?? '–'}</td>
    </tr>`;
    return sendPage(request, reply, {
      title: t('title'),
      lead: restricted(principal) ? `${t('lead')} ${t('leadRestricted')}` : t('lead'),
      body: html`<form method="get" action="/audit" class="filters" role="search" aria-label="${t('filters')}">
        ${select('action', t('action'), [{ value: '', label: t('anyAction') }, ...ACTION_GROUPS.map((g) => ({ value: g.prefix, label: g.label[locale] }))], f.action ?? '')}
        ${select('company', t('company'), [{ value: '', label: t('anyCompany') }, ...companies.map((c) => ({ value: c.id, label: c.name }))], f.companyId ?? '')}
        ${submit(t('filter'), { kind: 'secondary' })}
      </form>
      ${entries.length === 0 ? html`<p>${t('none')}</p>` : html`<div class="table-wrap"><table>
        <caption class="visually-hidden">${t('caption')}</caption>
        <thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('who')}</th><th scope="col">${t('action')}</th><th scope="col">${t('company')}</th><th scope="col">${t('target')}</th><th scope="col">${t('ip')}</th></tr></thead>
        <tbody>${entries.map(row)}</tbody>
      </table></div>`}
      ${f.before === undefined && next === undefined ? '' : html`<nav class="pager" aria-label="${t('pager')}">
        ${f.before === undefined ? '' : html`<a href="${firstHref}">${t('first')}</a>`}
        ${next === undefined ? '' : html`<a href="/audit?${olderParams.toString()}">${t('older')}</a>`}
      </nav>`}`,
    });
  });

  app.get('/api/v1/audit', {
    config: { permission: 'audit', api: true },
    schema: {
      tags: ['audit'],
      summary: 'The organisation\'s audit log, newest first (a firm\'s users other than administrators: their companies\' entries and the organisation\'s); page with before=<next>',
      querystring: { type: 'object', properties: { action: { type: 'string', description: 'action prefix, e.g. "export." or "user."' }, company: { type: 'string' }, before: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 500 } } },
      response: {
        200: {
          type: 'object',
          properties: {
            entries: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, at: { type: 'string' }, action: { type: 'string' }, label: { type: 'string' }, userEmail: { type: ['string', 'null'] }, companyId: { type: ['string', 'null'] }, target: { type: ['string', 'null'] }, ip: { type: ['string', 'null'] }, details: { type: ['object', 'null'], additionalProperties: true } } } },
            next: { type: ['string', 'null'] },
          },
        },
      },
    },
  }, async (request) => {
    const { principal, entries, next } = await load(request);
    const limited = restricted(principal);
    return {
      entries: entries.map((e) => ({
        id: e.id, at: e.at, action: e.action, label: actionLabel(request.locale, e.action), userEmail: e.userEmail, companyId: e.tenantId, target: e.target, ip: e.ip,
        // The organisation's own entries may name companies a restricted user does not see (assignments, invitations).
        details: limited && e.tenantId === null ? null : e.details,
      })),
      next: next ?? null,
    };
  });
}

/**
 * What an entry concerns, as a link to it where the company is still visible to the reader: a record, a
 * restore run, an export, a backup job. Other targets (a user id, a Fortnox tenant id) show as text.
 */
function targetCell(e: AuditEntry, visible: ReadonlyMap<string, string>): SafeHtml | string {
  if (e.target === null) return '–';
  if (e.tenantId === null || !visible.has(e.tenantId)) return e.target;
  const base = `/companies/${e.tenantId}`;
  const href =
    e.action === 'record.view' || e.action === 'file.download' ? recordHref(base, e.target)
    : e.action === 'restore.apply' ? `${base}/restore/runs/${encodeURIComponent(e.target)}`
    : e.action === 'export.create' || e.action === 'export.download' ? `${base}/exports/${encodeURIComponent(e.target)}`
    : e.action === 'backup.start' ? `${base}/backups/${encodeURIComponent(e.target)}`
    : undefined;
  return href === undefined ? e.target : html`<a href="${href}">${e.target}</a>`;
}

function recordHref(base: string, target: string): string | undefined {
  const cut = target.indexOf(':');
  return cut <= 0 ? undefined : `${base}/records/${encodeURIComponent(target.slice(0, cut))}/${encodeURIComponent(target.slice(cut + 1))}`;
}
