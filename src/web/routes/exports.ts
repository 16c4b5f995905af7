/**
 * Export ZIP from the web (DESIGN.md §5): a company's exports, newest first; "Skapa export" of the newest
 * or a chosen snapshot runs in the background (src/web/export-tasks.ts), with live progress and, when
 * done, a download streamed from disk. Finished exports are kept 7 days, then their files are deleted.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../../accounts/audit.ts';
import { ATTACHMENT_DATASETS } from '../../backup/layout.ts';
import { getSnapshot, listSnapshots, type Snapshot, type Tenant } from '../../db/index.ts';
import type { WebContext } from '../context.ts';
import { getExport, listExports, type WebExport } from '../export-store.ts';
import { ExportBusyError, ExportTasks } from '../export-tasks.ts';
import { csrfField, select, submit } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatBytes, formatDateTime, formatNumber, messages, type Locale } from '../../i18n.ts';
import { notice, sendPage } from '../layout.ts';
import { clientIp, company, field, HttpError, notFound, seeOther, signedIn } from '../request-context.ts';

const PAGE_SIZE = 20;
const SNAPSHOT_CHOICES = 30;

const m = messages(
  {
    title: 'Export',
    lead: 'Hela säkerhetskopian som en ZIP-fil i öppna format: JSON och Excel-vänlig CSV per datamängd, SIE-filerna som Fortnox skickade dem, bifogade filer och fakturor som PDF, och en manifest.json med SHA-256 för varje fil.',
    create: 'Skapa export',
    snapshot: 'Säkerhetskopia',
    latest: 'Den senaste ({time})',
    noSnapshots: 'Det finns ingen säkerhetskopia av företaget ännu. En export kan göras när den första säkerhetskopieringen är klar.',
    keep: 'Exporter sparas i 7 dagar och raderas sedan. Ladda ner filen och spara den där du vill ha den.',
    list: 'Tidigare exporter',
    none: 'Inga exporter ännu.',
    created: 'Skapad',
    by: 'Av',
    status: 'Status',
    files: 'Filer',
    size: 'Storlek',
    actions: 'Åtgärd',
    show: 'Visa',
    download: 'Ladda ner',
    running: 'Pågår',
    succeeded: 'Klar',
    failed: 'Misslyckades',
    expired: 'Raderad (äldre än 7 dagar)',
    busy: 'En export av företaget pågår redan. Vänta tills den är klar.',
    badSnapshot: 'Välj en säkerhetskopia i listan.',
    exportTitle: 'Export {time}',
    progress: 'Förlopp',
    filesDone: 'Filer klara',
    bytesDone: 'Skrivet (byte)',
    runningText: 'Exporten pågår. Sidan uppdateras av sig själv; du kan också lämna den och komma tillbaka.',
    done: 'Exporten är klar.',
    failedText: 'Exporten misslyckades: {error}',
    snapshotOf: 'Säkerhetskopia från',
    started: 'Startad',
    finished: 'Klar',
    back: 'Alla exporter',
    previous: 'Nyare',
    next: 'Äldre',
    pager: 'Sidor',
  },
  {
    title: 'Export',
    lead: 'The whole backup as a ZIP file in open formats: JSON and Excel-friendly CSV per data set, the SIE files as Fortnox sent them, attachments and invoice PDFs, and a manifest.json with the SHA-256 of every file.',
    create: 'Create export',
    snapshot: 'Backup',
    latest: 'The newest ({time})',
    noSnapshots: 'The company has no backup yet. An export can be made once the first backup has finished.',
    keep: 'Exports are kept for 7 days and then deleted. Download the file and keep it where you want it.',
    list: 'Earlier exports',
    none: 'No exports yet.',
    created: 'Created',
    by: 'By',
    status: 'Status',
    files: 'Files',
    size: 'Size',
    actions: 'Action',
    show: 'Show',
    download: 'Download',
    running: 'Running',
    succeeded: 'Done',
    failed: 'Failed',
    expired: 'Deleted (older than 7 days)',
    busy: 'An export of this company is already running. Wait until it has finished.',
    badSnapshot: 'Choose a backup from the list.',
    exportTitle: 'Export {time}',
    progress: 'Progress',
    filesDone: 'Files done',
    bytesDone: 'Written (bytes)',
    runningText: 'The export is running. The page updates itself; you can also leave and come back.',
    done: 'The export is ready.',
    failedText: 'The export failed: {error}',
    snapshotOf: 'Backup from',
    started: 'Started',
    finished: 'Finished',
    back: 'All exports',
    previous: 'Newer',
    next: 'Older',
    pager: 'Pages',
  },
);

const EXPORT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    snapshotId: { type: 'string' },
    status: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
    files: { type: 'integer' },
    bytes: { type: 'integer' },
    estimatedFiles: { type: ['integer', 'null'] },
    percent: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
    downloadUrl: { type: ['string', 'null'] },
  },
} as const;

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const tasks = new ExportTasks(ctx.app, ctx.now);
  await tasks.recover();
  app.addHook('onClose', async () => tasks.close());

  const base = (tenant: Tenant) => `/companies/${tenant.id}/exports`;
  const findExport = async (request: FastifyRequest): Promise<WebExport> => {
    const e = await getExport(ctx.app.db, company(request).id, (request.params as { exportId: string }).exportId);
    if (e === undefined) throw notFound();
    return e;
  };
  const downloadable = (e: WebExport) => e.status === 'succeeded' && e.path !== null;

  app.get('/companies/:companyId/exports', { config: { permission: 'export' } }, async (request, reply) => {
    const tenant = company(request);
    const query = request.query as { page?: string; error?: string };
    const page = Math.max(0, Math.min(10_000, Number.parseInt(query.page ?? '0', 10) || 0));
    return listPage(request, reply, tenant, page, query.error === 'busy' ? m(request.locale)('busy') : undefined);
  });

  const listPage = async (request: FastifyRequest, reply: Parameters<typeof sendPage>[1], tenant: Tenant, page: number, error?: string, status?: number) => {
    const t = m(request.locale);
    const locale = request.locale;
    const [snapshots, { rows, more }] = await Promise.all([
      listSnapshots(ctx.app.db, tenant.id, { limit: SNAPSHOT_CHOICES }),
      listExports(ctx.app.db, tenant.id, { limit: PAGE_SIZE, offset: page * PAGE_SIZE }),
    ]);
    const form = snapshots.length === 0
      ? html`<p>${t('noSnapshots')}</p>`
      : html`<form method="post" action="${base(tenant)}" class="form">
          ${csrfField(request)}
          ${select('snapshot', t('snapshot'), snapshotChoices(locale, snapshots))}
          ${submit(t('create'))}
        </form>`;
    const table = rows.length === 0
      ? html`<p>${t('none')}</p>`
      : html`<div class="table-wrap"><table>
          <caption>${t('list')}</caption>
          <thead><tr><th scope="col">${t('created')}</th><th scope="col">${t('snapshot')}</th><th scope="col">${t('status')}</th><th scope="col" class="num">${t('files')}</th><th scope="col" class="num">${t('size')}</th><th scope="col">${t('by')}</th><th scope="col">${t('actions')}</th></tr></thead>
          <tbody>${rows.map((e) => html`<tr>
            <td><a href="${base(tenant)}/${e.id}">${formatDateTime(locale, e.createdAt)}</a></td>
            <td><code>${e.snapshotId.slice(0, 8)}</code></td>
            <td>${statusBadge(locale, e)}</td>
            <td class="num">${formatNumber(locale, e.files)}</td>
            <td class="num">${formatBytes(locale, e.bytes)}</td>
            <td>${e.createdBy ?? ''}</td>
            <td>${downloadable(e) ? html`<a href="${base(tenant)}/${e.id}/download" download>${t('download')}</a>` : html`<a href="${base(tenant)}/${e.id}">${t('show')}</a>`}</td>
          </tr>`)}</tbody>
        </table></div>`;
    const pager = page === 0 && !more
      ? ''
      : html`<nav class="pager" aria-label="${t('pager')}">
          ${page > 0 ? html`<a href="${base(tenant)}?page=${page - 1}">${t('previous')}</a>` : ''}
          ${more ? html`<a href="${base(tenant)}?page=${page + 1}">${t('next')}</a>` : ''}
        </nav>`;
    return sendPage(request, reply, {
      title: t('title'),
      lead: t('lead'),
      status,
      body: html`${notice('error', error)}
        <section aria-labelledby="create-h"><h2 id="create-h">${t('create')}</h2>${form}<p class="hint">${t('keep')}</p></section>
        <section aria-labelledby="list-h"><h2 id="list-h">${t('list')}</h2>${table}${pager}</section>`,
    });
  };

  app.post('/companies/:companyId/exports', { config: { permission: 'export' } }, async (request, reply) => {
    const tenant = company(request);
    const auth = signedIn(request);
    const chosen = field(request.body, 'snapshot');
    const snapshot = chosen === '' || chosen === 'latest'
      ? (await listSnapshots(ctx.app.db, tenant.id, { limit: 1 }))[0]
      : /^[0-9a-f]{8,64}$/.test(chosen) ? await getSnapshot(ctx.app.db, tenant.id, chosen) : undefined;
    if (snapshot === undefined) return listPage(request, reply, tenant, 0, m(request.locale)('badSnapshot'), 400);
    let id: string;
    try {
      id = await tasks.start(tenant.id, snapshot.snapshotId, estimateFiles(snapshot), auth.user.email);
    } catch (err) {
      if (err instanceof ExportBusyError) return listPage(request, reply, tenant, 0, m(request.locale)('busy'), 409);
      throw err;
    }
    await audit(ctx.app.db, {
      orgId: auth.org.id, tenantId: tenant.id, userId: auth.user.id, userEmail: auth.user.email, action: 'export.create', target: id,
      details: { snapshotId: snapshot.snapshotId }, ip: clientIp(request), at: ctx.now(),
    });
    return seeOther(reply, `${base(tenant)}/${id}`);
  });

  app.get('/companies/:companyId/exports/:exportId', { config: { permission: 'export' } }, async (request, reply) => {
    const tenant = company(request);
    const e = await findExport(request);
    const t = m(request.locale);
    const locale = request.locale;
    const snapshot = await getSnapshot(ctx.app.db, tenant.id, e.snapshotId);
    const api = `/api/v1/companies/${tenant.id}/exports/${e.id}`;
    const now = tasks.progress(tenant.id, e.id);
    const facts = html`<dl class="facts">
      <dt>${t('snapshotOf')}</dt><dd>${snapshot === undefined ? e.snapshotId : formatDateTime(locale, snapshot.createdAt)} <code>${e.snapshotId.slice(0, 8)}</code></dd>
      <dt>${t('started')}</dt><dd>${formatDateTime(locale, e.createdAt)}${e.createdBy === null ? '' : ` (${e.createdBy})`}</dd>
      <dt>${t('status')}</dt><dd>${statusBadge(locale, e)}</dd>
      ${e.finishedAt === null ? '' : html`<dt>${t('finished')}</dt><dd>${formatDateTime(locale, e.finishedAt)}</dd>`}
    </dl>`;
    let body: SafeHtml;
    if (e.status === 'running') {
      const percent = percentOf(now);
      body = html`${facts}
        <div data-poll="${api}" data-poll-field="status" data-poll-until="succeeded failed" aria-live="polite">
          <p>${t('runningText')}</p>
          <label for="export-progress">${t('progress')}</label>
          <progress id="export-progress" max="100"${percent === null ? '' : html` value="${percent}"`} data-field="percent"></progress>
          <dl class="facts">
            <dt>${t('filesDone')}</dt><dd data-field="files">${now?.files ?? e.files}</dd>
            <dt>${t('bytesDone')}</dt><dd data-field="bytes">${now?.bytes ?? e.bytes}</dd>
          </dl>
        </div>`;
    } else if (e.status === 'failed') {
      body = html`${facts}${notice('error', t('failedText', { error: e.errorMessage ?? '' }))}`;
    } else {
      body = html`${facts}${notice('ok', e.path === null ? t('expired') : t('done'))}
        <p>${formatNumber(locale, e.files)} ${t('files').toLowerCase()}, ${formatBytes(locale, e.bytes)}</p>
        ${e.path === null ? '' : html`<p class="actions"><a class="button primary" href="${base(tenant)}/${e.id}/download" download>${t('download')}</a></p>`}
        <p class="hint">${t('keep')}</p>`;
    }
    return sendPage(request, reply, {
      title: t('exportTitle', { time: formatDateTime(locale, e.createdAt) }),
      body: html`${body}<p><a href="${base(tenant)}">${t('back')}</a></p>`,
    });
  });

  app.get('/companies/:companyId/exports/:exportId/download', { config: { permission: 'export' } }, async (request, reply) => {
    const tenant = company(request);
    const auth = signedIn(request);
    const e = await findExport(request);
    if (!downloadable(e) || e.path === null) throw notFound();
    let size: number;
    try {
      size = (await stat(e.path)).size;
    } catch {
      throw new HttpError(410, 'EXPORT_GONE', 'The export file is gone (exports are kept for 7 days)');
    }
    const snapshot = await getSnapshot(ctx.app.db, tenant.id, e.snapshotId);
    const name = downloadName(tenant.name, snapshot?.createdAt ?? e.createdAt);
    await audit(ctx.app.db, {
      orgId: auth.org.id, tenantId: tenant.id, userId: auth.user.id, userEmail: auth.user.email, action: 'export.download', target: e.id,
      details: { snapshotId: e.snapshotId, bytes: size }, ip: clientIp(request), at: ctx.now(),
    });
    return reply
      .type('application/zip')
      .header('content-length', size)
      .header('content-disposition', `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .send(createReadStream(e.path));
  });

  app.get(
    '/api/v1/companies/:companyId/exports/:exportId',
    {
      config: { permission: 'export', api: true },
      schema: {
        tags: ['exports'],
        summary: 'An export\'s status and progress',
        params: { type: 'object', properties: { companyId: { type: 'string' }, exportId: { type: 'string' } }, required: ['companyId', 'exportId'] },
        response: { 200: EXPORT_SCHEMA },
      },
    },
    async (request) => {
      const tenant = company(request);
      const e = await findExport(request);
      const now = e.status === 'running' ? tasks.progress(tenant.id, e.id) : undefined;
      return {
        id: e.id, snapshotId: e.snapshotId, status: e.status, files: now?.files ?? e.files, bytes: now?.bytes ?? e.bytes,
        estimatedFiles: now?.estimatedFiles ?? null, percent: e.status === 'succeeded' ? 100 : percentOf(now), error: e.errorMessage,
        createdAt: e.createdAt, finishedAt: e.finishedAt, downloadUrl: downloadable(e) ? `${base(tenant)}/${e.id}/download` : null,
      };
    },
  );

  app.get(
    '/api/v1/companies/:companyId/exports',
    {
      config: { permission: 'export', api: true },
      schema: {
        tags: ['exports'],
        summary: 'The company\'s exports, newest first',
        params: { type: 'object', properties: { companyId: { type: 'string' } }, required: ['companyId'] },
        querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 0, maximum: 10000 } } },
        response: { 200: { type: 'object', properties: { exports: { type: 'array', items: EXPORT_SCHEMA }, more: { type: 'boolean' } } } },
      },
    },
    async (request) => {
      const tenant = company(request);
      const page = (request.query as { page?: number }).page ?? 0;
      const { rows, more } = await listExports(ctx.app.db, tenant.id, { limit: PAGE_SIZE, offset: page * PAGE_SIZE });
      return {
        more,
        exports: rows.map((e) => ({
          id: e.id, snapshotId: e.snapshotId, status: e.status, files: e.files, bytes: e.bytes, estimatedFiles: null, percent: e.status === 'succeeded' ? 100 : null,
          error: e.errorMessage, createdAt: e.createdAt, finishedAt: e.finishedAt, downloadUrl: downloadable(e) ? `${base(tenant)}/${e.id}/download` : null,
        })),
      };
    },
  );
}

function snapshotChoices(locale: Locale, snapshots: readonly Snapshot[]): { value: string; label: string }[] {
  const [newest] = snapshots;
  return [
    { value: 'latest', label: m(locale)('latest', { time: newest === undefined ? '' : formatDateTime(locale, newest.createdAt) }) },
    ...snapshots.map((s) => ({ value: s.snapshotId, label: `${formatDateTime(locale, s.createdAt)} (${s.snapshotId.slice(0, 8)})` })),
  ];
}

function statusBadge(locale: Locale, e: WebExport): SafeHtml {
  const t = m(locale);
  if (e.status === 'running') return html`<span class="badge info">${t('running')}</span>`;
  if (e.status === 'failed') return html`<span class="badge bad">${t('failed')}</span>`;
  return e.path === null ? html`<span class="badge warn">${t('expired')}</span>` : html`<span class="badge ok">${t('succeeded')}</span>`;
}

/** README, manifest, two files (JSON, CSV) per record data set and one per attachment: roughly the ZIP. */
function estimateFiles(snapshot: Snapshot): number {
  const attachments = new Set<string>(ATTACHMENT_DATASETS);
  return 2 + snapshot.datasets.reduce((n, d) => n + (attachments.has(d.dataset) ? d.count : 2), 0);
}

function percentOf(p: { files: number; estimatedFiles: number } | undefined): number | null {
  if (p === undefined || p.estimatedFiles <= 0) return null;
  return Math.min(99, Math.floor((p.files * 100) / p.estimatedFiles));
}

/** `noxbackup-<company>-<date>.zip` in plain ASCII (Content-Disposition's filename), the date in Swedish time. */
export function downloadName(companyName: string, at: string): string {
  const slug = companyName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const date = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
  return `noxbackup-${slug === '' ? 'foretag' : slug}-${date}.zip`;
}
