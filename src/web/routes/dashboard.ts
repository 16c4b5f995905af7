import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, visibleCompanies } from '../../accounts/access.ts';
import { audit } from '../../accounts/audit.ts';
import { DATA_SET_NAMES } from '../../fortnox/catalogue.ts';
import { getBackupRun, listBackupRuns, listSnapshots, type BackupRun, type BackupRunDataset, type Tenant } from '../../db/index.ts';
import { listVerificationRuns } from '../../db/verification-runs.ts';
import { BACKUP_JOB, type BackupJobData } from '../../jobs/scheduler.ts';
import type { Job } from '../../jobs/job-queue.ts';
import { COMPANY_STATES, loadCompanyOverviews, type CompanyOverview } from '../company-status.ts';
import type { WebContext } from '../context.ts';
import { datasetLabel, formatDuration, reasonText, runBadge, runStatusLabel, stateBadge, stateLabel } from '../dashboard-format.ts';
import { arrangeTable, parseTableQuery, tableHref, type SortKey, type TableQuery } from '../dashboard-table.ts';
import { csrfField, submit } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatBytes, formatDateTime, formatNumber, messages, type Locale } from '../../i18n.ts';
import { notice, sendPage } from '../layout.ts';
import { clientIp, company, notFound, seeOther, signedIn } from '../request-context.ts';

const m = messages(
  {
    dashboard: 'Översikt',
    firmLead: 'Alla klientföretag du har tillgång till. Problem visas först.',
    startTitle: 'Välkommen till Noxbackup',
    startLead: 'Anslut ert Fortnox-företag så tar vi en första säkerhetskopia direkt och sedan varje natt.',
    startAdmin: 'Det tar några minuter. Den som är systemadministratör i Fortnox behöver godkänna anslutningen.',
    startNotAdmin: 'Inga företag är anslutna ännu, eller så har du inte fått tillgång till något. Be en systemadministratör i din organisation att ansluta Fortnox eller ge dig tillgång.',
    connect: 'Anslut Fortnox',
    connectAnother: 'Anslut ett företag till',
    company: 'Företag',
    orgNumber: 'Organisationsnummer',
    status: 'Status',
    lastBackup: 'Senaste säkerhetskopiering',
    nextRun: 'Nästa körning',
    records: 'Poster',
    alerts: 'Olästa larm',
    search: 'Sök namn eller organisationsnummer',
    allStatuses: 'Alla',
    filter: 'Filtrera',
    clear: 'Rensa',
    shown: '{n} av {total} företag',
    noMatch: 'Inga företag matchar filtret.',
    page: 'Sida {page} av {pages}',
    previous: 'Föregående',
    next: 'Nästa',
    pager: 'Sidor',
    sortBy: 'Sortera på {column}',
    none: '–',
    notScheduled: 'Ingen schemalagd körning',
    // Company page
    statusHeading: 'Status',
    lastHeading: 'Senaste säkerhetskopiering',
    never: 'Ingen säkerhetskopia ännu',
    started: 'Startad',
    finished: 'Klar',
    duration: 'Tid',
    requests: 'Anrop till Fortnox',
    changed: 'Ändrade poster',
    written: 'Skrivet',
    errors: 'Fel',
    verification: 'Senaste kontroll',
    verifyOk: 'Inga fel ({warnings} varningar)',
    verifyBad: '{errors} fel, {warnings} varningar',
    verifyNone: 'Ingen kontroll har körts ännu',
    connection: 'Fortnox-anslutning',
    modeService: 'Servicekonto',
    modeRefresh: 'Personlig inloggning (refresh token)',
    connOk: 'Fungerar',
    connReconnect: 'Behöver anslutas igen',
    connRevoked: 'Återkallad',
    notConnected: 'Inte ansluten',
    reconnectTitle: 'Fortnox behöver anslutas igen',
    reconnectText: 'Behörigheten till Fortnox har återkallats eller gått ut, så inga nya säkerhetskopior kan tas. De säkerhetskopior som redan finns är kvar.',
    reconnectAsk: 'Be en systemadministratör i din organisation att ansluta företaget igen.',
    reconnectButton: 'Anslut igen',
    openAlerts: 'Olästa larm',
    seeAlerts: 'Visa larm',
    backupNow: 'Säkerhetskopiera nu',
    backupRunning: 'En säkerhetskopiering pågår redan.',
    followIt: 'Följ den',
    datasets: 'Innehåll i senaste säkerhetskopian',
    datasetsLead: 'Tagen {at}.',
    dataset: 'Datamängd',
    count: 'Antal',
    complete: 'Komplett',
    yes: 'Ja',
    no: 'Nej – alla poster kunde inte hämtas',
    recentRuns: 'Senaste körningar',
    queued: 'Köad',
    trigger: 'Orsak',
    triggerManual: 'Manuell',
    triggerConnect: 'Vid anslutning',
    triggerSchedule: 'Schemalagd',
    noRuns: 'Inga körningar ännu.',
    details: 'Detaljer',
    // Backup start, job and run pages
    alreadyQueued: 'En säkerhetskopiering pågår redan för företaget; du ser den här.',
    startedNotice: 'Säkerhetskopieringen har startat.',
    jobTitle: 'Säkerhetskopiering startar',
    jobWaiting: 'Väntar på att starta …',
    jobFailed: 'Säkerhetskopieringen kunde inte köras: {message}',
    runTitle: 'Säkerhetskopiering {at}',
    progress: 'Förlopp',
    datasetsDone: '{done} av {total} datamängder klara',
    result: 'Resultat',
    backToCompany: 'Till företaget',
    error: 'Felmeddelande',
  },
  {
    dashboard: 'Dashboard',
    firmLead: 'Every client company you have access to. Problems first.',
    startTitle: 'Welcome to Noxbackup',
    startLead: 'Connect your Fortnox company: we take a first backup at once and then every night.',
    startAdmin: 'It takes a few minutes. Someone who is a system administrator in Fortnox must approve the connection.',
    startNotAdmin: 'No company is connected yet, or you have not been given access to one. Ask a system administrator in your organisation to connect Fortnox or to give you access.',
    connect: 'Connect Fortnox',
    connectAnother: 'Connect another company',
    company: 'Company',
    orgNumber: 'Organisation number',
    status: 'Status',
    lastBackup: 'Last backup',
    nextRun: 'Next run',
    records: 'Records',
    alerts: 'Unread alerts',
    search: 'Search name or organisation number',
    allStatuses: 'All',
    filter: 'Filter',
    clear: 'Clear',
    shown: '{n} of {total} companies',
    noMatch: 'No company matches the filter.',
    page: 'Page {page} of {pages}',
    previous: 'Previous',
    next: 'Next',
    pager: 'Pages',
    sortBy: 'Sort by {column}',
    none: '–',
    notScheduled: 'Not scheduled',
    statusHeading: 'Status',
    lastHeading: 'Last backup',
    never: 'No backup yet',
    started: 'Started',
    finished: 'Finished',
    duration: 'Duration',
    requests: 'Requests to Fortnox',
    changed: 'Changed records',
    written: 'Written',
    errors: 'Errors',
    verification: 'Latest verification',
    verifyOk: 'No errors ({warnings} warnings)',
    verifyBad: '{errors} errors, {warnings} warnings',
    verifyNone: 'No verification has run yet',
    connection: 'Fortnox connection',
    modeService: 'Service account',
    modeRefresh: 'Personal login (refresh token)',
    connOk: 'Working',
    connReconnect: 'Reconnect needed',
    connRevoked: 'Revoked',
    notConnected: 'Not connected',
    reconnectTitle: 'Fortnox must be reconnected',
    reconnectText: 'The consent to Fortnox was revoked or has expired, so no new backups can be taken. The backups already taken are kept.',
    reconnectAsk: 'Ask a system administrator in your organisation to reconnect the company.',
    reconnectButton: 'Reconnect',
    openAlerts: 'Unread alerts',
    seeAlerts: 'See alerts',
    backupNow: 'Back up now',
    backupRunning: 'A backup is already running.',
    followIt: 'Follow it',
    datasets: 'Contents of the latest backup',
    datasetsLead: 'Taken {at}.',
    dataset: 'Data set',
    count: 'Count',
    complete: 'Complete',
    yes: 'Yes',
    no: 'No – not every record could be fetched',
    recentRuns: 'Recent runs',
    queued: 'Queued',
    trigger: 'Trigger',
    triggerManual: 'Manual',
    triggerConnect: 'On connecting',
    triggerSchedule: 'Scheduled',
    noRuns: 'No runs yet.',
    details: 'Details',
    alreadyQueued: 'A backup of this company is already running; it is shown here.',
    startedNotice: 'The backup has started.',
    jobTitle: 'Backup starting',
    jobWaiting: 'Waiting to start …',
    jobFailed: 'The backup could not run: {message}',
    runTitle: 'Backup {at}',
    progress: 'Progress',
    datasetsDone: '{done} of {total} data sets done',
    result: 'Result',
    backToCompany: 'Back to the company',
    error: 'Error message',
  },
);

type T = ReturnType<typeof m>;

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FINISHED_RUN = ['succeeded', 'partial', 'failed'];

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const db = ctx.app.db;
  const overviews = (companies: readonly Tenant[]) => loadCompanyOverviews({ db, queue: ctx.queue, scheduled: ctx.scheduler !== undefined, ...(ctx.scheduler === undefined ? {} : { window: ctx.scheduler.window }), now: ctx.now() }, companies);

  app.get('/dashboard', async (request, reply) => {
    const { principal, org } = signedIn(request);
    const companies = await visibleCompanies(db, principal);
    const t = m(request.locale);
    if (companies.length === 0) return startPage(request, reply, t);
    if (org.kind === 'company' && companies.length === 1) return seeOther(reply, `/companies/${companies[0]!.id}`);
    const query = parseTableQuery(request.query);
    const all = await overviews(companies);
    const { rows, total, pages } = arrangeTable(all, query);
    return sendPage(request, reply, { title: t('dashboard'), lead: t('firmLead'), body: firmTable(request, t, query, rows, total, all.length, pages) });
  });

  const listSchema = {
    querystring: {
      type: 'object',
      properties: {
        sort: { type: 'string', enum: ['name', 'status', 'last', 'next'] },
        dir: { type: 'string', enum: ['asc', 'desc'] },
        q: { type: 'string', maxLength: 100 },
        status: { type: 'string', enum: [...COMPANY_STATES] },
        page: { type: 'integer', minimum: 1 },
      },
    },
  };
  const listCompanies = async (request: FastifyRequest) => {
    const { principal, org } = signedIn(request);
    const query = parseTableQuery(request.query);
    const { rows, total, pages } = arrangeTable(await overviews(await visibleCompanies(db, principal)), query);
    return { organisation: { id: org.id, kind: org.kind }, sort: query.sort, dir: query.dir, page: Math.min(query.page, pages), pages, total, companies: rows.map(overviewJson) };
  };
  app.get('/api/v1/dashboard', { config: { api: true }, schema: { tags: ['dashboard'], summary: 'The dashboard: every company the user may see with its status, problems first (sortable, filterable, paged by 50)', ...listSchema } }, listCompanies);
  app.get('/api/v1/companies', { config: { api: true }, schema: { tags: ['companies'], summary: 'The companies the user may see, with their backup status', ...listSchema } }, listCompanies);

  app.get('/companies/:companyId', async (request, reply) => {
    const page = await companyPage(request);
    const t = m(request.locale);
    const locale = request.locale;
    const { principal } = signedIn(request);
    const c = page.overview.company;
    const base = `/companies/${c.id}`;
    const o = page.overview;
    const last = o.status.lastRun;
    const needsReconnect = o.status.state === 'reconnect';
    const pendingJob = page.pending;
    const q = request.query as Record<string, string | undefined>;
    const body = html`
      ${q.notice === 'connected' ? notice('ok', connectedNotice(request.locale, c.name)) : ''}
      ${needsReconnect
        ? html`<section class="notice error" role="alert" aria-labelledby="reconnect-h"><h2 id="reconnect-h">${t('reconnectTitle')}</h2><p>${t('reconnectText')}</p>
            ${can(principal, 'administer')
              ? html`<form method="post" action="${base}/reconnect">${csrfField(request)}${submit(t('reconnectButton'))}</form>`
              : html`<p>${t('reconnectAsk')}</p>`}</section>`
        : ''}
      <div class="cards">
        <section class="card" aria-labelledby="status-h"><h2 id="status-h">${t('statusHeading')}</h2>
          <p class="big">${stateBadge(locale, o.status.state)}</p>
          ${o.status.reasons.length === 0 ? '' : html`<ul>${o.status.reasons.map((r) => html`<li>${reasonText(locale, r)}</li>`)}</ul>`}
          <p>${t('nextRun')}: ${o.nextRun === null ? t('notScheduled') : formatDateTime(locale, o.nextRun)}</p>
        </section>
        <section class="card" aria-labelledby="last-h"><h2 id="last-h">${t('lastHeading')}</h2>
          ${last === undefined
            ? html`<p>${t('never')}</p>`
            : html`<p class="big">${formatDateTime(locale, last.finishedAt)}</p>
              <dl class="facts"><dt>${t('status')}</dt><dd>${runBadge(locale, last.status)}</dd>
              <dt>${t('duration')}</dt><dd>${formatDuration(locale, last.startedAt, last.finishedAt)}</dd>
              <dt>${t('requests')}</dt><dd>${formatNumber(locale, last.requests)}</dd>
              <dt>${t('records')}</dt><dd>${formatNumber(locale, last.records)}</dd></dl>
              <p><a href="${base}/runs/${last.id}">${t('details')}</a></p>`}
        </section>
        <section class="card" aria-labelledby="verify-h"><h2 id="verify-h">${t('verification')}</h2>
          ${page.verification === undefined
            ? html`<p>${t('verifyNone')}</p>`
            : html`<p>${page.verification.ok ? html`<span class="badge ok">OK</span>` : html`<span class="badge bad">${t('errors')}</span>`}
                ${page.verification.ok ? t('verifyOk', { warnings: page.verification.warnings }) : t('verifyBad', { errors: page.verification.errors, warnings: page.verification.warnings })}</p>
              <p class="muted">${formatDateTime(locale, page.verification.finishedAt)}</p>`}
        </section>
        <section class="card" aria-labelledby="conn-h"><h2 id="conn-h">${t('connection')}</h2>
          ${o.connection === undefined
            ? html`<p><span class="badge bad">${t('notConnected')}</span></p>`
            : html`<p>${o.connection.status === 'ok' ? html`<span class="badge ok">${t('connOk')}</span>` : html`<span class="badge bad">${o.connection.status === 'revoked' ? t('connRevoked') : t('connReconnect')}</span>`}</p>
              <p>${o.connection.mode === 'service_account' ? t('modeService') : t('modeRefresh')}</p>`}
        </section>
        <section class="card" aria-labelledby="alerts-h"><h2 id="alerts-h">${t('openAlerts')}</h2>
          <p class="big">${formatNumber(locale, o.status.openAlerts)}</p>
          <p><a href="${base}/alerts">${t('seeAlerts')}</a></p>
        </section>
      </div>
      ${can(principal, 'operate')
        ? pendingJob !== undefined
          ? html`<p class="notice info" role="status">${t('backupRunning')} <a href="${base}/backups/${pendingJob.id}">${t('followIt')}</a></p>`
          : needsReconnect
            ? ''
            : html`<form method="post" action="${base}/backups" class="actions">${csrfField(request)}${submit(t('backupNow'))}</form>`
        : ''}
      <section aria-labelledby="datasets-h"><h2 id="datasets-h">${t('datasets')}</h2>
        ${page.snapshot === undefined
          ? html`<p>${t('never')}</p>`
          : html`<p>${t('datasetsLead', { at: formatDateTime(locale, page.snapshot.createdAt) })}</p>
            <div class="table-wrap"><table><caption class="visually-hidden">${t('datasets')}</caption>
            <thead><tr><th scope="col">${t('dataset')}</th><th scope="col" class="num">${t('count')}</th><th scope="col">${t('complete')}</th></tr></thead>
            <tbody>${page.snapshot.datasets.map((d) => html`<tr><th scope="row">${datasetLabel(locale, d.dataset)}</th><td class="num">${formatNumber(locale, d.count)}</td><td>${d.complete ? t('yes') : html`<span class="badge warn">${t('no')}</span>`}</td></tr>`)}</tbody>
            </table></div>`}
      </section>
      <section aria-labelledby="runs-h"><h2 id="runs-h">${t('recentRuns')}</h2>
        ${page.runs.length === 0 ? html`<p>${t('noRuns')}</p>` : runsTable(locale, t, base, page.runs)}
      </section>`;
    return sendPage(request, reply, { title: c.name, ...(c.orgNumber === null ? {} : { lead: `${t('orgNumber')} ${c.orgNumber}` }), body });
  });

  app.get('/api/v1/companies/:companyId', { config: { api: true }, schema: { tags: ['companies'], summary: 'A company: status, last backup, next run, latest snapshot\'s counts per data set, latest verification, Fortnox connection, open alerts, recent runs' } }, async (request) => {
    const page = await companyPage(request);
    const o = page.overview;
    return {
      ...overviewJson(o),
      snapshot: page.snapshot === undefined ? null : { id: page.snapshot.snapshotId, createdAt: page.snapshot.createdAt, datasets: page.snapshot.datasets.map((d) => ({ dataset: d.dataset, count: d.count, complete: d.complete })) },
      verification: page.verification === undefined ? null : { id: page.verification.id, finishedAt: page.verification.finishedAt, ok: page.verification.ok, errors: page.verification.errors, warnings: page.verification.warnings, readPercent: page.verification.readPercent },
      pendingJob: page.pending === undefined ? null : { id: page.pending.id, state: page.pending.state },
      recentRuns: page.runs.map(runJson),
    };
  });

  /** Everything the company page and its API show, for the route's (already checked) company. */
  const companyPage = async (request: FastifyRequest) => {
    const c = company(request);
    const [[overview], runs, [snapshot], [verification], pending] = await Promise.all([
      overviews([c]),
      listBackupRuns(db, c.id, { limit: 10 }),
      listSnapshots(db, c.id, { limit: 1 }),
      listVerificationRuns(db, c.id, { limit: 1 }),
      ctx.queue.pending(c.id),
    ]);
    return { overview: overview!, runs, snapshot, verification, pending: pending.find((j) => j.name === BACKUP_JOB) };
  };

  /** Queues a manual backup (or finds the one already queued or running): the same job the scheduler queues. */
  const startBackup = async (request: FastifyRequest) => {
    const c = company(request);
    const { user, org } = signedIn(request);
    const result = await ctx.queue.enqueue<BackupJobData>({ name: BACKUP_JOB, tenantId: c.id, data: { trigger: 'manual' }, retryLimit: 0 });
    await audit(db, { orgId: org.id, tenantId: c.id, userId: user.id, userEmail: user.email, action: 'backup.start', target: result.job.id, details: { coalesced: result.status === 'coalesced' }, ip: clientIp(request), at: ctx.now() });
    return result;
  };

  app.post('/companies/:companyId/backups', { config: { permission: 'operate' } }, async (request, reply) => {
    const result = await startBackup(request);
    return seeOther(reply, `/companies/${company(request).id}/backups/${result.job.id}${result.status === 'coalesced' ? '?already=1' : ''}`);
  });

  app.post('/api/v1/companies/:companyId/backups', { config: { api: true, permission: 'operate' }, schema: { tags: ['companies'], summary: 'Start a backup now (or get the one already queued or running)' } }, async (request, reply) => {
    const result = await startBackup(request);
    return reply.code(result.status === 'queued' ? 202 : 200).send({ status: result.status, job: await jobJson(company(request), result.job) });
  });

  /** The route's backup job, only if it is this company's (another tenant's id, or an unknown one: 404). */
  const jobOf = async (request: FastifyRequest): Promise<Job> => {
    const { jobId } = request.params as { jobId: string };
    if (!JOB_ID.test(jobId)) throw notFound();
    const job = await ctx.queue.get(jobId);
    if (job === undefined || job.tenantId !== company(request).id || job.name !== BACKUP_JOB) throw notFound();
    return job;
  };

  /** A job and the run it started: its result names it; while it runs, the company's newest run since it started. */
  const jobJson = async (c: Tenant, job: Job) => {
    let runId = (job.result as { runId?: string } | undefined)?.runId ?? null;
    if (runId === null && job.startedAt !== null) {
      const [latest] = await listBackupRuns(db, c.id, { limit: 1 });
      // A resumed run began before the job did, but is the one still running.
      if (latest !== undefined && (latest.status === 'running' || Date.parse(latest.queuedAt) >= job.startedAt.getTime() - 1000)) runId = latest.id;
    }
    const done = job.state === 'completed' || job.state === 'failed';
    const phase = done ? 'done' : runId !== null ? 'running' : 'queued';
    return { id: job.id, state: job.state, phase, runId, createdAt: job.createdAt.toISOString(), startedAt: job.startedAt?.toISOString() ?? null, finishedAt: job.finishedAt?.toISOString() ?? null, error: job.error };
  };

  app.get('/api/v1/companies/:companyId/backups/:jobId', { config: { api: true }, schema: { tags: ['companies'], summary: 'A backup job: queued, running (with the run it started) or done' } }, async (request) => jobJson(company(request), await jobOf(request)));

  app.get('/companies/:companyId/backups/:jobId', async (request, reply) => {
    const c = company(request);
    const job = await jobJson(c, await jobOf(request));
    const t = m(request.locale);
    const already = (request.query as Record<string, string | undefined>).already === '1';
    if (job.runId !== null) return seeOther(reply, `/companies/${c.id}/runs/${job.runId}${already ? '?already=1' : ''}`);
    const failed = job.state === 'failed';
    return sendPage(request, reply, {
      title: t('jobTitle'),
      body: html`${already ? notice('info', t('alreadyQueued')) : ''}
        ${failed
          ? notice('error', t('jobFailed', { message: job.error?.message ?? '' }))
          : html`<div data-poll="/api/v1/companies/${c.id}/backups/${job.id}" data-poll-field="phase" data-poll-until="running done" aria-live="polite"><p>${t('jobWaiting')}</p><progress aria-label="${t('progress')}"></progress></div>`}
        <p><a href="/companies/${c.id}">${t('backToCompany')}</a></p>`,
    });
  });

  const runOf = async (request: FastifyRequest) => {
    const { runId } = request.params as { runId: string };
    if (!RUN_ID.test(runId)) throw notFound();
    const run = await getBackupRun(db, company(request).id, runId);
    if (run === undefined) throw notFound();
    return run;
  };

  app.get('/api/v1/companies/:companyId/runs/:runId', { config: { api: true }, schema: { tags: ['companies'], summary: 'A backup run: status, totals and progress per data set' } }, async (request) => {
    const run = await runOf(request);
    const t = m(request.locale);
    const progress = progressOf(run.datasets);
    return {
      ...runJson(run),
      progress: { ...progress, text: t('datasetsDone', progress) },
      datasets: Object.fromEntries(run.datasets.map((d) => [d.dataset, { ...datasetJson(d), statusText: runStatusLabel(request.locale, d.status) }])),
    };
  });

  app.get('/companies/:companyId/runs/:runId', async (request, reply) => {
    const c = company(request);
    const run = await runOf(request);
    const t = m(request.locale);
    const locale = request.locale;
    const finished = FINISHED_RUN.includes(run.status);
    const progress = progressOf(run.datasets);
    const already = (request.query as Record<string, string | undefined>).already === '1';
    const rows = run.datasets.map((d) => html`<tr><th scope="row">${datasetLabel(locale, d.dataset)}</th>
      <td><span data-field="datasets.${d.dataset}.statusText">${runStatusLabel(locale, d.status)}</span></td>
      <td class="num" data-field="datasets.${d.dataset}.records">${formatNumber(locale, d.records)}</td>
      <td class="num" data-field="datasets.${d.dataset}.recordsChanged">${formatNumber(locale, d.recordsChanged)}</td>
      <td class="num" data-field="datasets.${d.dataset}.requests">${formatNumber(locale, d.requests)}</td></tr>`);
    const facts = html`<dl class="facts">
      <dt>${t('status')}</dt><dd>${runBadge(locale, run.status)}</dd>
      <dt>${t('trigger')}</dt><dd>${triggerLabel(t, run.trigger)}</dd>
      <dt>${t('started')}</dt><dd>${formatDateTime(locale, run.startedAt)}</dd>
      <dt>${t('finished')}</dt><dd>${formatDateTime(locale, run.finishedAt)}</dd>
      <dt>${t('duration')}</dt><dd>${formatDuration(locale, run.startedAt, run.finishedAt, ctx.now())}</dd>
      <dt>${t('records')}</dt><dd data-field="records">${formatNumber(locale, run.records)}</dd>
      <dt>${t('changed')}</dt><dd data-field="recordsChanged">${formatNumber(locale, run.recordsChanged)}</dd>
      <dt>${t('requests')}</dt><dd data-field="requests">${formatNumber(locale, run.requests)}</dd>
      <dt>${t('written')}</dt><dd>${formatBytes(locale, run.bytesWritten)}</dd>
      ${run.errors > 0 ? html`<dt>${t('errors')}</dt><dd>${formatNumber(locale, run.errors)}</dd>` : ''}
      ${run.errorMessage === null ? '' : html`<dt>${t('error')}</dt><dd>${run.errorMessage}${run.errorCode === null ? '' : html` <code>${run.errorCode}</code>`}</dd>`}
    </dl>`;
    const table = html`<div class="table-wrap"><table><caption class="visually-hidden">${t('progress')}</caption>
      <thead><tr><th scope="col">${t('dataset')}</th><th scope="col">${t('status')}</th><th scope="col" class="num">${t('records')}</th><th scope="col" class="num">${t('changed')}</th><th scope="col" class="num">${t('requests')}</th></tr></thead>
      <tbody>${rows}</tbody></table></div>`;
    return sendPage(request, reply, {
      title: t('runTitle', { at: formatDateTime(locale, run.startedAt ?? run.queuedAt) }),
      body: html`${already ? notice('info', t('alreadyQueued')) : ''}
        ${finished
          ? html`<section aria-labelledby="result-h"><h2 id="result-h">${t('result')}</h2>${facts}</section><h2>${t('datasets')}</h2>${table}`
          : html`<div data-poll="/api/v1/companies/${c.id}/runs/${run.id}" data-poll-field="status" data-poll-until="${FINISHED_RUN.join(' ')}">
              <h2 id="progress-h">${t('progress')}</h2>
              <div aria-live="polite"><p><progress max="${progress.total}" value="${progress.done}" data-field="progress.done" aria-labelledby="progress-h"></progress>
              <span data-field="progress.text">${t('datasetsDone', progress)}</span></p></div>
              ${facts}${table}</div>`}
        <p><a href="/companies/${c.id}">${t('backToCompany')}</a></p>`,
    });
  });

  /** Data sets done out of all (every data set unless the run's rows say it does fewer). */
  function progressOf(datasets: readonly BackupRunDataset[]) {
    const total = Math.max(datasets.length, DATA_SET_NAMES.length);
    const done = datasets.filter((d) => FINISHED_RUN.includes(d.status) || d.status === 'skipped').length;
    return { done, total };
  }
}

function connectedNotice(locale: Locale, name: string): string {
  return locale === 'en' ? `${name} is connected. The first backup has started.` : `${name} är anslutet. Den första säkerhetskopieringen har startat.`;
}

function startPage(request: FastifyRequest, reply: FastifyReply, t: T): FastifyReply {
  const { principal } = signedIn(request);
  return sendPage(request, reply, {
    title: t('startTitle'),
    lead: t('startLead'),
    body: can(principal, 'administer')
      ? html`<p>${t('startAdmin')}</p><p class="actions"><a class="button primary" href="/companies/connect">${t('connect')}</a></p>`
      : html`<p>${t('startNotAdmin')}</p>`,
  });
}

function firmTable(request: FastifyRequest, t: T, query: TableQuery, rows: readonly CompanyOverview[], total: number, all: number, pages: number): SafeHtml {
  const locale = request.locale;
  const { principal } = signedIn(request);
  const page = Math.min(query.page, pages);
  const header = (key: SortKey | undefined, label: string, num = false) => {
    if (key === undefined) return html`<th scope="col"${num ? html` class="num"` : ''}>${label}</th>`;
    const active = query.sort === key;
    const dir = active && query.dir === 'asc' ? 'desc' : 'asc';
    return html`<th scope="col"${num ? html` class="num"` : ''}${active ? html` aria-sort="${query.dir === 'asc' ? 'ascending' : 'descending'}"` : ''}><a href="${tableHref(query, { sort: key, dir, page: 1 })}" title="${t('sortBy', { column: label })}">${label}${active ? (query.dir === 'asc' ? ' ▲' : ' ▼') : ''}</a></th>`;
  };
  const statusChoices = [{ value: '', label: t('allStatuses') }, ...COMPANY_STATES.map((s) => ({ value: s, label: stateLabel(locale, s) }))];
  return html`
    <form method="get" action="/dashboard" class="filters" role="search">
      <div class="field"><label for="f-q">${t('search')}</label><input id="f-q" name="q" type="search" value="${query.q}"></div>
      <div class="field"><label for="f-status">${t('status')}</label><select id="f-status" name="status">${statusChoices.map((c) => html`<option value="${c.value}"${c.value === (query.status ?? '') ? html` selected` : ''}>${c.label}</option>`)}</select></div>
      ${query.sort === 'status' ? '' : html`<input type="hidden" name="sort" value="${query.sort}">`}
      ${query.dir === 'asc' ? '' : html`<input type="hidden" name="dir" value="${query.dir}">`}
      <button type="submit" class="button secondary">${t('filter')}</button>
      ${query.q !== '' || query.status !== undefined ? html`<a href="/dashboard">${t('clear')}</a>` : ''}
    </form>
    <p role="status">${t('shown', { n: total, total: all })}</p>
    ${rows.length === 0
      ? html`<p>${t('noMatch')}</p>`
      : html`<div class="table-wrap"><table class="companies"><caption class="visually-hidden">${t('dashboard')}</caption>
        <thead><tr>${header('name', t('company'))}${header(undefined, t('orgNumber'))}${header('status', t('status'))}${header('last', t('lastBackup'))}${header('next', t('nextRun'))}${header(undefined, t('records'), true)}${header(undefined, t('alerts'), true)}</tr></thead>
        <tbody>${rows.map((r) => html`<tr data-company="${r.company.id}">
          <th scope="row"><a href="/companies/${r.company.id}">${r.company.name}</a></th>
          <td>${r.company.orgNumber ?? t('none')}</td>
          <td>${stateBadge(locale, r.status.state)}</td>
          <td>${formatDateTime(locale, r.status.lastRun?.finishedAt)}</td>
          <td>${r.nextRun === null ? t('none') : formatDateTime(locale, r.nextRun)}</td>
          <td class="num">${r.status.records === undefined ? t('none') : formatNumber(locale, r.status.records)}</td>
          <td class="num">${r.status.openAlerts > 0 ? html`<a href="/companies/${r.company.id}/alerts">${formatNumber(locale, r.status.openAlerts)}</a>` : '0'}</td>
        </tr>`)}</tbody></table></div>`}
    ${pages > 1
      ? html`<nav class="pager" aria-label="${t('pager')}">
          ${page > 1 ? html`<a href="${tableHref(query, { page: page - 1 })}" rel="prev">${t('previous')}</a>` : ''}
          <span>${t('page', { page, pages })}</span>
          ${page < pages ? html`<a href="${tableHref(query, { page: page + 1 })}" rel="next">${t('next')}</a>` : ''}
        </nav>`
      : ''}
    ${can(principal, 'administer') ? html`<p class="actions"><a class="button secondary" href="/companies/connect">${t('connectAnother')}</a></p>` : ''}`;
}

/** What started a run, in words (unknown triggers, e.g. the CLI's, as they are). */
function triggerLabel(t: T, trigger: string): string {
  return trigger === 'manual' ? t('triggerManual') : trigger === 'schedule' ? t('triggerSchedule') : trigger === 'connect' ? t('triggerConnect') : trigger;
}

function runsTable(locale: Locale, t: T, base: string, runs: readonly BackupRun[]): SafeHtml {
  return html`<div class="table-wrap"><table><caption class="visually-hidden">${t('recentRuns')}</caption>
    <thead><tr><th scope="col">${t('queued')}</th><th scope="col">${t('trigger')}</th><th scope="col">${t('status')}</th><th scope="col">${t('duration')}</th><th scope="col" class="num">${t('records')}</th><th scope="col" class="num">${t('changed')}</th><th scope="col" class="num">${t('requests')}</th></tr></thead>
    <tbody>${runs.map((r) => html`<tr>
      <th scope="row"><a href="${base}/runs/${r.id}">${formatDateTime(locale, r.queuedAt)}</a></th>
      <td>${triggerLabel(t, r.trigger)}</td>
      <td>${runBadge(locale, r.status)}</td>
      <td>${formatDuration(locale, r.startedAt, r.finishedAt)}</td>
      <td class="num">${formatNumber(locale, r.records)}</td>
      <td class="num">${formatNumber(locale, r.recordsChanged)}</td>
      <td class="num">${formatNumber(locale, r.requests)}</td></tr>`)}</tbody></table></div>`;
}

function runJson(r: BackupRun) {
  return { id: r.id, status: r.status, trigger: r.trigger, queuedAt: r.queuedAt, startedAt: r.startedAt, finishedAt: r.finishedAt, snapshotId: r.snapshotId, records: r.records, recordsChanged: r.recordsChanged, requests: r.requests, bytesWritten: r.bytesWritten, errors: r.errors, errorCode: r.errorCode, errorMessage: r.errorMessage };
}

function datasetJson(d: BackupRunDataset) {
  return { status: d.status, records: d.records, recordsChanged: d.recordsChanged, requests: d.requests, startedAt: d.startedAt, finishedAt: d.finishedAt, errorCode: d.errorCode, errorMessage: d.errorMessage };
}

function overviewJson(o: CompanyOverview) {
  const last = o.status.lastRun;
  return {
    id: o.company.id,
    name: o.company.name,
    orgNumber: o.company.orgNumber,
    status: o.status.state,
    reasons: o.status.reasons,
    lastBackup: last === undefined ? null : { runId: last.id, status: last.status, finishedAt: last.finishedAt, startedAt: last.startedAt, requests: last.requests, records: last.records },
    nextRun: o.nextRun?.toISOString() ?? null,
    records: o.status.records ?? null,
    openAlerts: o.status.openAlerts,
    connection: o.connection ?? null,
  };
}
