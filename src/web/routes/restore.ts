/**
 * Self-service restore (DESIGN.md §5, docs/restore.md): choose a snapshot and registers or records, see
 * the plan field by field (nothing is written), confirm, follow the run, read the report; and ask for an
 * assisted restore within 48 hours. The planner, apply, report and requests are src/restore/'s; plans
 * wait on the server between preview and apply (src/web/restore-plans.ts), runs go in the background
 * (src/web/restore-tasks.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { companyFor } from '../../accounts/access.ts';
import { audit } from '../../accounts/audit.ts';
import { getSnapshot, listSnapshots, type Snapshot, type Tenant } from '../../db/index.ts';
import { getRestoreRun, listRestoreRuns, type RestoreRun } from '../../db/restore-runs.ts';
import type { JsonValue } from '../../fortnox/index.ts';
import { NoxError } from '../../errors.ts';
import { isRegisterDataSet, REGISTER_DATASETS } from '../../restore/fields.ts';
import { planRestore, type PlanItem, type RestorePlan } from '../../restore/plan.ts';
import { countByStatus, type ReportStatus, type RestoreReport } from '../../restore/report.ts';
import { listRequests, requestRestore, type RequestWithClock } from '../../restore/requests.ts';
import type { WebContext } from '../context.ts';
import { csrfField, select, submit } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatDateTime, formatNumber, messages, type Locale } from '../../i18n.ts';
import { notice, sendPage } from '../layout.ts';
import { clientIp, company, field, fields, notFound, seeOther, signedIn } from '../request-context.ts';
import { deletePlan, loadPlan, planExpired, savePlan, type StoredPlan } from '../restore-plans.ts';
import { RestoreBusyError, RestoreTasks } from '../restore-tasks.ts';
import { newCompanyReportBlock, newCompanySection, registerNewCompany, type NewCompanyFormState } from '../restore-new-company.ts';
import { datasetLabel } from '../dashboard-format.ts';

const PAGE_SIZE = 20;
const ITEMS_PER_PAGE = 50;
const SNAPSHOT_CHOICES = 30;

const m = messages(
  {
    title: 'Återställning',
    lead: 'Återställ register från en säkerhetskopia till Fortnox: först en plan som visar varje ändring, sedan – när du har bekräftat – skrivningen.',
    whatTitle: 'Vad kan återställas?',
    what1: 'Register till samma företag: kunder, leverantörer, artiklar, projekt, kostnadsställen och konton. Det som saknas i Fortnox skapas, det som ändrats sätts tillbaka fält för fält.',
    what2: 'Bokförda verifikationer skrivs aldrig om eller tas bort (bokföringslagen): rättelser görs med nya verifikationer. Ingående balanser följer av föregående års bokslut och skrivs inte heller.',
    what3: 'Innan något skrivs tas en säkerhetskopia av det som ska ändras (ångringspunkt), så att läget före återställningen kan återställas i sin tur.',
    what4: 'Ett helt företag – register, verifikationer i nummerordning, fakturor, leverantörsfakturor och filer – kan återställas till ett nytt, tomt Fortnox-företag i organisationen (nedan), eller med hjälp av oss (begär det längst ned).',
    planTitle: 'Planera en återställning',
    snapshot: 'Säkerhetskopia',
    latest: 'Den senaste ({time})',
    datasets: 'Register',
    records: 'Eller bara vissa poster',
    recordsHint: 'En per rad eller kommaseparerade, som register:nyckel, t.ex. customers:1042 eller accounts:3/1930. Anger du poster gäller de i stället för registren ovan.',
    makePlan: 'Visa planen',
    planNote: 'Planen jämför säkerhetskopian med Fortnox just nu (en läsning per post). Inget skrivs till Fortnox.',
    noSnapshots: 'Det finns ingen säkerhetskopia av företaget ännu.',
    chooseSomething: 'Välj minst ett register eller ange poster.',
    badRecord: 'Poster anges som register:nyckel, där registret är ett av {list}. Fel: {value}',
    badSnapshot: 'Välj en säkerhetskopia i listan.',
    planFailed: 'Planen kunde inte göras: {error}',
    planPageTitle: 'Plan för återställning',
    planLead: 'Säkerhetskopia från {time}. Planen gjordes {made}; inget har skrivits till Fortnox.',
    summary: 'Sammanfattning',
    dataset: 'Register',
    create: 'Skapas',
    update: 'Ändras',
    unchanged: 'Oförändrade',
    blocked: 'Kan inte återställas',
    changes: 'Ändringar',
    key: 'Nyckel',
    action: 'Åtgärd',
    field: 'Fält',
    current: 'I Fortnox nu',
    backup: 'I säkerhetskopian',
    nothing: 'Fortnox har redan det som säkerhetskopian har: det finns inget att återställa.',
    warnings: 'Varningar',
    confirmTitle: 'Skriv till Fortnox',
    confirmText: 'Återställningen skriver {n} ändringar till {company} i Fortnox. Först tas en säkerhetskopia (ångringspunkt).',
    confirmTextOne: 'Återställningen skriver en ändring till {company} i Fortnox. Först tas en säkerhetskopia (ångringspunkt).',
    understand: 'Jag förstår att detta skriver till Fortnox',
    apply: 'Återställ till Fortnox',
    confirmQuestion: 'Skriva ändringarna till Fortnox nu?',
    mustUnderstand: 'Kryssa i att du förstår att återställningen skriver till Fortnox.',
    planGone: 'Planen finns inte längre eller har redan använts. Gör en ny plan.',
    planOld: 'Planen är äldre än en timme och Fortnox kan ha ändrats sedan dess. Gör en ny plan.',
    planChanged: 'Planen stämmer inte med den som visades. Gör en ny plan.',
    busy: 'En återställning av företaget pågår redan.',
    newPlan: 'Gör en ny plan',
    runTitle: 'Återställning {time}',
    runningText: 'Återställningen pågår. Sidan uppdateras av sig själv; du kan också lämna den och komma tillbaka.',
    undoPhase: 'Ångringspunkt (säkerhetskopia före återställningen)',
    undoPending: 'tas nu …',
    progress: 'Förlopp',
    written: 'Skrivna',
    failedCount: 'Misslyckade',
    total: 'Att skriva',
    interrupted: 'Körningen avbröts (servern startades om). Den kan återupptas utan att något skrivs två gånger: begär hjälp nedan eller kör noxbackup restore apply --resume {id}.',
    report: 'Rapport',
    status: 'Status',
    st_running: 'Pågår',
    st_succeeded: 'Klar',
    st_partial: 'Delvis klar',
    st_failed: 'Misslyckades',
    undo: 'Ångringspunkt',
    undoNone: 'ingen (se varningar)',
    undoNotApplicable: 'behövs inte (företaget var tomt)',
    interruptedNew: 'Körningen avbröts (servern startades om). Den kan återupptas utan att något skrivs två gånger: begär hjälp nedan eller kör noxbackup restore new-company --from-tenant {from} --to-tenant {to} --snapshot {snapshot} --resume {id}.',
    kind: 'Typ',
    kindNew: 'Hela företaget till ett nytt, tomt företag',
    fromCompany: 'Från företag',
    undoHint: 'Läget före återställningen är säkerhetskopian {id}; den kan återställas på samma sätt.',
    started: 'Startad',
    finished: 'Klar',
    by: 'Av',
    items: 'Poster',
    message: 'Meddelande',
    rs_created: 'Skapad',
    rs_updated: 'Uppdaterad',
    rs_uploaded: 'Uppladdad',
    rs_connected: 'Kopplad',
    rs_unchanged: 'Oförändrad',
    rs_skipped: 'Hoppades över',
    rs_failed: 'Misslyckades',
    noItems: 'Inga poster skrevs.',
    runs: 'Tidigare återställningar',
    noRuns: 'Inga återställningar ännu.',
    show: 'Visa',
    back: 'Till återställning',
    requestTitle: 'Begär hjälp med återställning',
    requestLead: 'Vi återställer åt dig inom 48 timmar från begäran, t.ex. ett helt företag till ett nytt, tomt Fortnox-företag.',
    description: 'Vad ska återställas, och varför?',
    snapshotOptional: 'Säkerhetskopia (valfritt)',
    noneChosen: 'Ingen särskild',
    sendRequest: 'Skicka begäran',
    requested: 'Begäran är skickad. Vi återställer inom 48 timmar.',
    requestFailed: 'Begäran kunde inte skickas: {error}',
    requests: 'Begäranden',
    noRequests: 'Inga begäranden.',
    made: 'Gjord',
    deadline: 'Senast',
    timeLeft: 'Tid kvar',
    rq_open: 'Öppen',
    rq_in_progress: 'Pågår',
    rq_done: 'Klar',
    rq_rejected: 'Avslagen',
    overdue: 'Försenad med {span}',
    left: '{span} kvar',
    late: '(sent)',
    previous: 'Föregående',
    next: 'Nästa',
    pager: 'Sidor',
  },
  {
    title: 'Restore',
    lead: 'Restore registers from a backup into Fortnox: first a plan that shows every change, then, once you have confirmed, the writing.',
    whatTitle: 'What can be restored?',
    what1: 'Registers into the same company: customers, suppliers, articles, projects, cost centres and accounts. What is missing in Fortnox is created, what has changed is set back field by field.',
    what2: 'Booked vouchers are never rewritten or deleted (the Swedish Bookkeeping Act): corrections are new vouchers. Opening balances follow from the previous year\'s closing and are not written either.',
    what3: 'Before anything is written, a backup of what is about to change is taken (the undo point), so the state before the restore can itself be restored.',
    what4: 'A whole company (registers, vouchers in number order, invoices, supplier invoices and files) can be restored into a new, empty Fortnox company of the organisation (below), or we do it for you (request it at the bottom).',
    planTitle: 'Plan a restore',
    snapshot: 'Backup',
    latest: 'The newest ({time})',
    datasets: 'Registers',
    records: 'Or only some records',
    recordsHint: 'One per line or comma-separated, as register:key, e.g. customers:1042 or accounts:3/1930. Records, when given, replace the registers above.',
    makePlan: 'Show the plan',
    planNote: 'The plan compares the backup with Fortnox now (one read per record). Nothing is written to Fortnox.',
    noSnapshots: 'The company has no backup yet.',
    chooseSomething: 'Choose at least one register or give records.',
    badRecord: 'Records are register:key, the register one of {list}. Wrong: {value}',
    badSnapshot: 'Choose a backup from the list.',
    planFailed: 'The plan could not be made: {error}',
    planPageTitle: 'Restore plan',
    planLead: 'Backup from {time}. The plan was made {made}; nothing has been written to Fortnox.',
    summary: 'Summary',
    dataset: 'Register',
    create: 'Created',
    update: 'Changed',
    unchanged: 'Unchanged',
    blocked: 'Cannot be restored',
    changes: 'Changes',
    key: 'Key',
    action: 'Action',
    field: 'Field',
    current: 'In Fortnox now',
    backup: 'In the backup',
    nothing: 'Fortnox already holds what the backup holds: there is nothing to restore.',
    warnings: 'Warnings',
    confirmTitle: 'Write to Fortnox',
    confirmText: 'The restore writes {n} changes to {company} in Fortnox. A backup (the undo point) is taken first.',
    confirmTextOne: 'The restore writes one change to {company} in Fortnox. A backup (the undo point) is taken first.',
    understand: 'I understand that this writes to Fortnox',
    apply: 'Restore to Fortnox',
    confirmQuestion: 'Write the changes to Fortnox now?',
    mustUnderstand: 'Tick that you understand that the restore writes to Fortnox.',
    planGone: 'The plan no longer exists or has been used. Make a new plan.',
    planOld: 'The plan is more than an hour old and Fortnox may have changed since. Make a new plan.',
    planChanged: 'The plan does not match the one shown. Make a new plan.',
    busy: 'A restore of this company is already running.',
    newPlan: 'Make a new plan',
    runTitle: 'Restore {time}',
    runningText: 'The restore is running. The page updates itself; you can also leave and come back.',
    undoPhase: 'Undo point (backup before the restore)',
    undoPending: 'being taken …',
    progress: 'Progress',
    written: 'Written',
    failedCount: 'Failed',
    total: 'To write',
    interrupted: 'The run was interrupted (the server restarted). It can be resumed without writing anything twice: request help below or run noxbackup restore apply --resume {id}.',
    report: 'Report',
    status: 'Status',
    st_running: 'Running',
    st_succeeded: 'Done',
    st_partial: 'Partly done',
    st_failed: 'Failed',
    undo: 'Undo point',
    undoNone: 'none (see warnings)',
    undoNotApplicable: 'not needed (the company was empty)',
    interruptedNew: 'The run was interrupted (the server restarted). It can be resumed without writing anything twice: request help below or run noxbackup restore new-company --from-tenant {from} --to-tenant {to} --snapshot {snapshot} --resume {id}.',
    kind: 'Kind',
    kindNew: 'The whole company into a new, empty company',
    fromCompany: 'From company',
    undoHint: 'The state before the restore is backup {id}; it can be restored the same way.',
    started: 'Started',
    finished: 'Finished',
    by: 'By',
    items: 'Records',
    message: 'Message',
    rs_created: 'Created',
    rs_updated: 'Updated',
    rs_uploaded: 'Uploaded',
    rs_connected: 'Connected',
    rs_unchanged: 'Unchanged',
    rs_skipped: 'Skipped',
    rs_failed: 'Failed',
    noItems: 'No records were written.',
    runs: 'Earlier restores',
    noRuns: 'No restores yet.',
    show: 'Show',
    back: 'Back to restore',
    requestTitle: 'Request help with a restore',
    requestLead: 'We restore for you within 48 hours of the request, e.g. a whole company into a new, empty Fortnox company.',
    description: 'What should be restored, and why?',
    snapshotOptional: 'Backup (optional)',
    noneChosen: 'No particular one',
    sendRequest: 'Send request',
    requested: 'The request has been sent. We restore within 48 hours.',
    requestFailed: 'The request could not be sent: {error}',
    requests: 'Requests',
    noRequests: 'No requests.',
    made: 'Made',
    deadline: 'Due',
    timeLeft: 'Time left',
    rq_open: 'Open',
    rq_in_progress: 'In progress',
    rq_done: 'Done',
    rq_rejected: 'Rejected',
    overdue: 'Overdue by {span}',
    left: '{span} left',
    late: '(late)',
    previous: 'Previous',
    next: 'Next',
    pager: 'Pages',
  },
);

type T = ReturnType<typeof m>;

const RUN_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['running', 'succeeded', 'partial', 'failed'] },
    phase: { type: 'string', enum: ['undo', 'writing', 'finished', 'interrupted'] },
    snapshotId: { type: 'string' },
    undoSnapshotId: { type: ['string', 'null'] },
    total: { type: 'integer' },
    done: { type: 'integer' },
    failed: { type: 'integer' },
    writing: { type: 'integer' },
    percent: { type: 'integer' },
    startedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
  },
} as const;

interface FormState {
  readonly snapshot?: string;
  readonly datasets?: readonly string[];
  readonly records?: string;
  readonly error?: string;
  readonly requestError?: string;
  readonly description?: string;
  readonly newCompany?: NewCompanyFormState;
}

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const tasks = new RestoreTasks(ctx.app, ctx.queue, ctx.now);
  app.addHook('onClose', async () => tasks.close());
  const dataDir = ctx.app.config.dataDir;
  const base = (tenant: Tenant) => `/companies/${tenant.id}/restore`;
  const pageOf = (q: unknown, name = 'page') => {
    const v = (q as Record<string, unknown>)[name];
    return Math.max(0, Math.min(10_000, Number.parseInt(typeof v === 'string' ? v : '0', 10) || 0));
  };

  const restorePage = async (request: FastifyRequest, reply: FastifyReply, state: FormState, status = 200, ok?: string) => {
    const tenant = company(request);
    const t = m(request.locale);
    const locale = request.locale;
    const [snapshots, runs, requests] = await Promise.all([
      listSnapshots(ctx.app.db, tenant.id, { limit: SNAPSHOT_CHOICES }),
      listRestoreRuns(ctx.app.db, tenant.id),
      listRequests(ctx.app.db, { tenantId: tenant.id, all: true, now: ctx.now() }),
    ]);
    const newCompany = await newCompanySection(request, ctx, snapshots, state.newCompany ?? {});
    const runPage = pageOf(request.query, 'page');
    const reqPage = pageOf(request.query, 'rpage');
    const chosen = new Set(state.datasets ?? REGISTER_DATASETS);
    const planForm = snapshots.length === 0
      ? html`<p>${t('noSnapshots')}</p>`
      : html`<form method="post" action="${base(tenant)}/plan" class="form wide">
          ${csrfField(request)}
          ${notice('error', state.error)}
          ${select('snapshot', t('snapshot'), snapshotChoices(locale, snapshots), state.snapshot)}
          <fieldset class="checks"><legend>${t('datasets')}</legend>
            ${REGISTER_DATASETS.map((ds) => html`<label><input type="checkbox" name="datasets" value="${ds}"${chosen.has(ds) ? html` checked` : ''}> ${datasetLabel(locale, ds)}</label>`)}
          </fieldset>
          <div class="field"><label for="f-records">${t('records')}</label><p class="hint" id="f-records-hint">${t('recordsHint')}</p>
            <textarea id="f-records" name="records" rows="3" aria-describedby="f-records-hint">${state.records ?? ''}</textarea></div>
          <p class="hint">${t('planNote')}</p>
          ${submit(t('makePlan'))}
        </form>`;
    const runRows = runs.slice(runPage * PAGE_SIZE, (runPage + 1) * PAGE_SIZE);
    const runTable = runs.length === 0
      ? html`<p>${t('noRuns')}</p>`
      : html`<div class="table-wrap"><table><caption>${t('runs')}</caption>
          <thead><tr><th scope="col">${t('started')}</th><th scope="col">${t('snapshot')}</th><th scope="col">${t('status')}</th><th scope="col">${t('by')}</th><th scope="col">${t('report')}</th></tr></thead>
          <tbody>${runRows.map((r) => html`<tr>
            <td>${formatDateTime(locale, r.startedAt)}</td><td><code>${r.snapshotId.slice(0, 8)}</code></td><td>${runBadge(t, r, tasks.isRunning(tenant.id, r.id))}</td>
            <td>${r.startedBy ?? ''}</td><td><a href="${base(tenant)}/runs/${r.id}">${t('show')}</a></td></tr>`)}</tbody></table></div>
          ${pager(t, base(tenant), 'page', runPage, runs.length)}`;
    const reqRows = requests.slice(reqPage * PAGE_SIZE, (reqPage + 1) * PAGE_SIZE);
    const requestTable = requests.length === 0
      ? html`<p>${t('noRequests')}</p>`
      : html`<div class="table-wrap"><table><caption>${t('requests')}</caption>
          <thead><tr><th scope="col">${t('made')}</th><th scope="col">${t('description')}</th><th scope="col">${t('status')}</th><th scope="col">${t('deadline')}</th><th scope="col">${t('timeLeft')}</th></tr></thead>
          <tbody>${reqRows.map((r) => html`<tr>
            <td>${formatDateTime(locale, r.createdAt)}<br><span class="muted">${r.requestedBy}</span></td>
            <td>${r.description}${r.records.length > 0 ? html`<br><span class="muted">${r.records.join(', ')}</span>` : ''}${r.result === null ? '' : html`<br><span class="muted">${r.result}</span>`}</td>
            <td>${t(`rq_${r.status}`)}</td>
            <td><time datetime="${r.deadlineAt}">${formatDateTime(locale, r.deadlineAt)}</time></td>
            <td>${timeLeft(t, r)}</td></tr>`)}</tbody></table></div>
          ${pager(t, base(tenant), 'rpage', reqPage, requests.length)}`;
    const requestForm = html`<form method="post" action="${base(tenant)}/requests" class="form wide">
        ${csrfField(request)}
        ${notice('error', state.requestError)}
        <div class="field"><label for="f-description">${t('description')}</label>
          <textarea id="f-description" name="description" rows="3" required>${state.description ?? ''}</textarea></div>
        ${select('request_snapshot', t('snapshotOptional'), [{ value: '', label: t('noneChosen') }, ...snapshots.map((s) => ({ value: s.snapshotId, label: `${formatDateTime(locale, s.createdAt)} (${s.snapshotId.slice(0, 8)})` }))])}
        <div class="field"><label for="f-request-records">${t('records')}</label><p class="hint" id="f-request-records-hint">${t('recordsHint')}</p>
          <textarea id="f-request-records" name="request_records" rows="2" aria-describedby="f-request-records-hint">${state.records ?? ''}</textarea></div>
        ${submit(t('sendRequest'), { kind: 'secondary' })}
      </form>`;
    return sendPage(request, reply, {
      title: t('title'),
      lead: t('lead'),
      status,
      body: html`${notice('ok', ok)}
        <section aria-labelledby="what-h"><h2 id="what-h">${t('whatTitle')}</h2><ul><li>${t('what1')}</li><li>${t('what2')}</li><li>${t('what3')}</li><li>${t('what4')}</li></ul></section>
        <section aria-labelledby="plan-h"><h2 id="plan-h">${t('planTitle')}</h2>${planForm}</section>
        ${newCompany}
        <section aria-labelledby="runs-h"><h2 id="runs-h">${t('runs')}</h2>${runTable}</section>
        <section aria-labelledby="request-h"><h2 id="request-h">${t('requestTitle')}</h2><p>${t('requestLead')}</p>${requestForm}${requestTable}</section>`,
    });
  };

  registerNewCompany(app, ctx, { tasks, restorePage: (request, reply, newCompany, status) => restorePage(request, reply, { newCompany }, status) });

  app.get('/companies/:companyId/restore', { config: { permission: 'restore' } }, async (request, reply) => {
    const q = request.query as { records?: string | string[]; requested?: string };
    const records = (typeof q.records === 'string' ? [q.records] : (q.records ?? [])).join('\n');
    const t = m(request.locale);
    return restorePage(request, reply, records === '' ? {} : { records }, 200, q.requested === '1' ? t('requested') : undefined);
  });

  app.post('/companies/:companyId/restore/plan', { config: { permission: 'restore' } }, async (request, reply) => {
    const tenant = company(request);
    const auth = signedIn(request);
    const t = m(request.locale);
    const body = request.body;
    const state: FormState = { snapshot: field(body, 'snapshot'), datasets: fields(body, 'datasets'), records: field(body, 'records') };
    const snapshot = await chosenSnapshot(ctx, tenant, state.snapshot ?? '');
    if (snapshot === undefined) return restorePage(request, reply, { ...state, error: t('badSnapshot') }, 400);
    const records = parseRecords(state.records ?? '');
    const bad = records.find((r) => !/^[a-z]+:.+$/.test(r) || !isRegisterDataSet(r.slice(0, r.indexOf(':'))));
    if (bad !== undefined) return restorePage(request, reply, { ...state, error: t('badRecord', { list: REGISTER_DATASETS.join(', '), value: bad }) }, 400);
    const datasets = (state.datasets ?? []).filter(isRegisterDataSet);
    if (records.length === 0 && datasets.length === 0) return restorePage(request, reply, { ...state, error: t('chooseSomething') }, 400);
    let plan: RestorePlan;
    try {
      const [repository, reader] = await Promise.all([ctx.app.repositoryFor(tenant.id), ctx.app.readerFor(tenant.id)]);
      plan = await planRestore({
        repository, reader, snapshotId: snapshot.snapshotId, now: ctx.now(),
        ...(records.length > 0 ? { records: records.map((r) => ({ dataset: r.slice(0, r.indexOf(':')), key: r.slice(r.indexOf(':') + 1) })) } : { datasets }),
      });
    } catch (err) {
      if (!(err instanceof NoxError)) throw err;
      return restorePage(request, reply, { ...state, error: t('planFailed', { error: err.message }) }, 400);
    }
    const stored = await savePlan(dataDir, {
      tenantId: tenant.id, createdBy: auth.user.id, createdAt: ctx.now(), plan,
      selection: { snapshotId: snapshot.snapshotId, datasets: records.length > 0 ? [] : datasets, records },
    });
    await audit(ctx.app.db, {
      orgId: auth.org.id, tenantId: tenant.id, userId: auth.user.id, userEmail: auth.user.email, action: 'restore.plan', target: stored.id,
      details: { snapshotId: snapshot.snapshotId, datasets: stored.selection.datasets, records, ...actionCounts(plan.items) }, ip: clientIp(request), at: ctx.now(),
    });
    return seeOther(reply, `${base(tenant)}/plans/${stored.id}`);
  });

  const planPage = async (request: FastifyRequest, reply: FastifyReply, stored: StoredPlan, error?: string, status = 200) => {
    const tenant = company(request);
    const t = m(request.locale);
    const locale = request.locale;
    const snapshot = await getSnapshot(ctx.app.db, tenant.id, stored.plan.snapshotId);
    const items = stored.plan.items;
    const shown = items.filter((i) => i.action !== 'unchanged');
    const page = pageOf(request.query);
    const pageItems = shown.slice(page * ITEMS_PER_PAGE, (page + 1) * ITEMS_PER_PAGE);
    const writes = items.filter((i) => i.action === 'create' || i.action === 'update').length;
    const perDataset = REGISTER_DATASETS.map((ds) => ({ ds, ...actionCounts(items.filter((i) => i.dataset === ds)) })).filter((c) => c.create + c.update + c.unchanged + c.blocked > 0);
    const summary = html`<div class="table-wrap"><table><caption class="visually-hidden">${t('summary')}</caption>
      <thead><tr><th scope="col">${t('dataset')}</th><th scope="col" class="num">${t('create')}</th><th scope="col" class="num">${t('update')}</th><th scope="col" class="num">${t('unchanged')}</th><th scope="col" class="num">${t('blocked')}</th></tr></thead>
      <tbody>${perDataset.map((c) => html`<tr><th scope="row">${datasetLabel(locale, c.ds)}</th><td class="num">${formatNumber(locale, c.create)}</td><td class="num">${formatNumber(locale, c.update)}</td><td class="num">${formatNumber(locale, c.unchanged)}</td><td class="num">${formatNumber(locale, c.blocked)}</td></tr>`)}</tbody></table></div>`;
    const blocks = pageItems.map((item) => planItemBlock(t, locale, item));
    const confirm = writes === 0
      ? notice('info', t('nothing'))
      : html`<section aria-labelledby="confirm-h"><h2 id="confirm-h">${t('confirmTitle')}</h2>
          <form method="post" action="${base(tenant)}/apply" class="form" data-confirm="${t('confirmQuestion')}">
            ${csrfField(request)}
            ${notice('error', error)}
            <input type="hidden" name="plan" value="${stored.id}">
            <input type="hidden" name="hash" value="${stored.hash}">
            <p>${writes === 1 ? t('confirmTextOne', { company: tenant.name }) : t('confirmText', { n: formatNumber(locale, writes), company: tenant.name })}</p>
            <div class="checks"><label><input type="checkbox" name="understand" value="yes" required> ${t('understand')}</label></div>
            ${submit(t('apply'), { kind: 'danger' })}
          </form></section>`;
    return sendPage(request, reply, {
      title: t('planPageTitle'),
      lead: t('planLead', { time: formatDateTime(locale, snapshot?.createdAt ?? stored.plan.snapshotId), made: formatDateTime(locale, stored.createdAt) }),
      status,
      body: html`<section aria-labelledby="summary-h"><h2 id="summary-h">${t('summary')}</h2>${summary}</section>
        ${shown.length === 0 ? '' : html`<section aria-labelledby="changes-h"><h2 id="changes-h">${t('changes')}</h2>${blocks}${pager(t, `${base(tenant)}/plans/${stored.id}`, 'page', page, shown.length, ITEMS_PER_PAGE)}</section>`}
        ${confirm}
        <p><a href="${base(tenant)}">${t('newPlan')}</a></p>`,
    });
  };

  app.get('/companies/:companyId/restore/plans/:planId', { config: { permission: 'restore' } }, async (request, reply) => {
    const stored = await loadPlan(dataDir, company(request).id, (request.params as { planId: string }).planId);
    if (stored === undefined) throw notFound();
    return planPage(request, reply, stored);
  });

  app.post('/companies/:companyId/restore/apply', { config: { permission: 'restore' } }, async (request, reply) => {
    const tenant = company(request);
    const auth = signedIn(request);
    const t = m(request.locale);
    const stored = await loadPlan(dataDir, tenant.id, field(request.body, 'plan'));
    if (stored === undefined) return restorePage(request, reply, { error: t('planGone') }, 409);
    if (planExpired(stored, ctx.now())) return restorePage(request, reply, { error: t('planOld') }, 409);
    // The plan written is the one on the server that the user was shown, never one from the form.
    if (field(request.body, 'hash') !== stored.hash) return restorePage(request, reply, { error: t('planChanged') }, 409);
    if (field(request.body, 'understand') !== 'yes') return planPage(request, reply, stored, t('mustUnderstand'), 400);
    let runId: string;
    try {
      runId = await tasks.start(tenant.id, stored.plan, auth.user.email);
    } catch (err) {
      if (err instanceof RestoreBusyError) return planPage(request, reply, stored, t('busy'), 409);
      if (err instanceof NoxError) return planPage(request, reply, stored, t('planFailed', { error: err.message }), 400);
      throw err;
    }
    await deletePlan(dataDir, tenant.id, stored.id);
    await audit(ctx.app.db, {
      orgId: auth.org.id, tenantId: tenant.id, userId: auth.user.id, userEmail: auth.user.email, action: 'restore.apply', target: runId,
      details: { planId: stored.id, snapshotId: stored.plan.snapshotId, ...actionCounts(stored.plan.items) }, ip: clientIp(request), at: ctx.now(),
    });
    return seeOther(reply, `${base(tenant)}/runs/${runId}`);
  });

  /** The run, or (for the moment between start and its first row) the one this process has just started. */
  const findRun = async (request: FastifyRequest): Promise<{ run: RestoreRun | undefined; plan: RestorePlan | undefined; runId: string; newCompany: boolean }> => {
    const tenant = company(request);
    const runId = (request.params as { runId: string }).runId;
    if (!/^[0-9a-f-]{36}$/.test(runId)) throw notFound();
    const run = await getRestoreRun(ctx.app.db, tenant.id, runId);
    if (run === undefined && !tasks.isRunning(tenant.id, runId)) throw notFound();
    // A new-company run has no register plan: its progress is the items reported so far, then its report.
    const newCompany = run === undefined ? tasks.newCompanyProgress(runId) !== undefined : run.kind === 'new_company';
    if (newCompany) return { run, plan: undefined, runId, newCompany };
    return { run, plan: run === undefined ? undefined : (JSON.parse(run.planJson) as RestorePlan), runId, newCompany };
  };

  const runState = async (tenant: Tenant, runId: string, run: RestoreRun | undefined, plan: RestorePlan | undefined, newCompany: boolean) => {
    const status = run?.status ?? 'running';
    const here = tasks.isRunning(tenant.id, runId);
    let progress = plan === undefined ? { total: 0, done: 0, failed: 0, writing: 0 } : await tasks.progress(tenant.id, runId, plan);
    if (newCompany) {
      const report = run?.reportJson === null || run?.reportJson === undefined ? undefined : (JSON.parse(run.reportJson) as RestoreReport);
      const failed = report?.items.filter((i) => i.status === 'failed').length ?? 0;
      progress = tasks.newCompanyProgress(runId) ?? { total: report?.items.length ?? 0, done: (report?.items.length ?? 0) - failed, failed, writing: 0 };
    }
    // A new-company restore has no undo point to take: the target was empty.
    const phase = status !== 'running' ? 'finished' : !here ? 'interrupted' : newCompany ? 'writing' : run?.undoSnapshotId === null || run === undefined ? 'undo' : 'writing';
    const percent = status !== 'running' ? 100 : progress.total === 0 ? 0 : Math.min(99, Math.floor(((progress.done + progress.failed) * 100) / progress.total));
    return { status, phase, progress, percent };
  };

  app.get('/companies/:companyId/restore/runs/:runId', { config: { permission: 'restore' } }, async (request, reply) => {
    const tenant = company(request);
    const t = m(request.locale);
    const locale = request.locale;
    const { run, plan, runId, newCompany } = await findRun(request);
    const state = await runState(tenant, runId, run, plan, newCompany);
    const source = newCompany && run !== undefined && run.sourceTenantId !== tenant.id ? await companyFor(ctx.app.db, signedIn(request).principal, run.sourceTenantId) : undefined;
    const reportJson = run?.reportJson ?? null;
    const startedBy = run?.startedBy ?? null;
    const finishedAt = run?.finishedAt ?? null;
    const undoId = run?.undoSnapshotId ?? null;
    const report = reportJson === null ? undefined : (JSON.parse(reportJson) as RestoreReport);
    const facts = html`<dl class="facts">
      <dt>${t('status')}</dt><dd>${run === undefined ? html`<span class="badge info">${t('st_running')}</span>` : runBadge(t, run, tasks.isRunning(tenant.id, runId))}</dd>
      ${newCompany ? html`<dt>${t('kind')}</dt><dd>${t('kindNew')}</dd>` : ''}
      ${source === undefined ? '' : html`<dt>${t('fromCompany')}</dt><dd><a href="/companies/${source.id}/restore">${source.name}</a></dd>`}
      <dt>${t('snapshot')}</dt><dd><code>${(run?.snapshotId ?? plan?.snapshotId ?? '').slice(0, 8)}</code></dd>
      <dt>${t('started')}</dt><dd>${formatDateTime(locale, run?.startedAt ?? null)}${startedBy === null ? '' : ` (${startedBy})`}</dd>
      ${finishedAt === null ? '' : html`<dt>${t('finished')}</dt><dd>${formatDateTime(locale, finishedAt)}</dd>`}
      <dt>${t('undo')}</dt><dd>${newCompany ? t('undoNotApplicable') : undoId === null ? (state.phase === 'finished' ? t('undoNone') : t('undoPending')) : html`<code>${undoId.slice(0, 8)}</code>`}</dd>
    </dl>`;
    let body: SafeHtml;
    if (state.phase === 'undo' || state.phase === 'writing') {
      body = html`${facts}
        <div data-poll="/api/v1/companies/${tenant.id}/restore/runs/${runId}" data-poll-field="status" data-poll-until="succeeded partial failed" aria-live="polite">
          <p>${t('runningText')}</p>
          ${state.phase === 'undo' ? html`<p>${t('undoPhase')}: ${t('undoPending')}</p>` : ''}
          <label for="restore-progress">${t('progress')}</label>
          <progress id="restore-progress" max="100" value="${state.percent}" data-field="percent"></progress>
          <dl class="facts">
            <dt>${t('total')}</dt><dd data-field="total">${state.progress.total}</dd>
            <dt>${t('written')}</dt><dd data-field="done">${state.progress.done}</dd>
            <dt>${t('failedCount')}</dt><dd data-field="failed">${state.progress.failed}</dd>
          </dl>
        </div>`;
    } else if (state.phase === 'interrupted') {
      const text = newCompany && run !== undefined
        ? t('interruptedNew', { from: source?.id ?? (run.sourceTenantId === tenant.id ? tenant.id : '…'), to: tenant.id, snapshot: run.snapshotId, id: runId })
        : t('interrupted', { id: runId });
      body = html`${facts}${notice('error', text)}`;
    } else {
      const url = `${base(tenant)}/runs/${runId}`;
      body = html`${facts}${report === undefined ? '' : reportBlock(t, locale, report, pageOf(request.query), url)}
        ${report?.kind === 'new_company' ? newCompanyReportBlock(locale, report, tenant.id, pageOf(request.query, 'mpage'), url) : ''}`;
    }
    return sendPage(request, reply, {
      title: t('runTitle', { time: formatDateTime(locale, run?.startedAt ?? ctx.now()) }),
      body: html`${body}<p><a href="${base(tenant)}">${t('back')}</a></p>`,
    });
  });

  app.get(
    '/api/v1/companies/:companyId/restore/runs/:runId',
    {
      config: { permission: 'restore', api: true },
      schema: {
        tags: ['restore'],
        summary: 'A restore run\'s status and progress (from its journal)',
        params: { type: 'object', properties: { companyId: { type: 'string' }, runId: { type: 'string' } }, required: ['companyId', 'runId'] },
        response: { 200: RUN_SCHEMA },
      },
    },
    async (request) => {
      const tenant = company(request);
      const { run, plan, runId, newCompany } = await findRun(request);
      const state = await runState(tenant, runId, run, plan, newCompany);
      return {
        id: runId, status: state.status, phase: state.phase, snapshotId: run?.snapshotId ?? '', undoSnapshotId: run?.undoSnapshotId ?? null,
        ...state.progress, percent: state.percent, startedAt: run?.startedAt ?? ctx.now().toISOString(), finishedAt: run?.finishedAt ?? null,
      };
    },
  );

  app.post('/companies/:companyId/restore/requests', { config: { permission: 'restore' } }, async (request, reply) => {
    const tenant = company(request);
    const auth = signedIn(request);
    const t = m(request.locale);
    const description = field(request.body, 'description');
    const recordsText = field(request.body, 'request_records');
    const snapshotId = field(request.body, 'request_snapshot');
    const state: FormState = { description, records: recordsText };
    if (snapshotId !== '' && (!/^[0-9a-f]{8,64}$/.test(snapshotId) || (await getSnapshot(ctx.app.db, tenant.id, snapshotId)) === undefined)) {
      return restorePage(request, reply, { ...state, requestError: t('badSnapshot') }, 400);
    }
    const records = parseRecords(recordsText);
    const datasets = [...new Set(records.map((r) => r.slice(0, r.indexOf(':'))).filter((d) => d !== ''))];
    let id: string;
    try {
      const r = await requestRestore(ctx.app.db, tenant.id, {
        requestedBy: auth.user.email, snapshotId: snapshotId === '' ? null : snapshotId, datasets, records, description, createdAt: ctx.now(),
      });
      id = r.id;
    } catch (err) {
      if (!(err instanceof NoxError)) throw err;
      return restorePage(request, reply, { ...state, requestError: t('requestFailed', { error: err.message }) }, 400);
    }
    await audit(ctx.app.db, {
      orgId: auth.org.id, tenantId: tenant.id, userId: auth.user.id, userEmail: auth.user.email, action: 'restore.request', target: id,
      details: { snapshotId: snapshotId === '' ? null : snapshotId, records }, ip: clientIp(request), at: ctx.now(),
    });
    return seeOther(reply, `${base(tenant)}?requested=1#request-h`);
  });
}

async function chosenSnapshot(ctx: WebContext, tenant: Tenant, chosen: string): Promise<Snapshot | undefined> {
  if (chosen === '' || chosen === 'latest') return (await listSnapshots(ctx.app.db, tenant.id, { limit: 1 }))[0];
  return /^[0-9a-f]{8,64}$/.test(chosen) ? getSnapshot(ctx.app.db, tenant.id, chosen) : undefined;
}

/** `customers:12, suppliers:3` or one per line; blanks dropped, duplicates once. */
export function parseRecords(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s !== ''))];
}

function snapshotChoices(locale: Locale, snapshots: readonly Snapshot[]): { value: string; label: string }[] {
  const [newest] = snapshots;
  return [
    { value: 'latest', label: m(locale)('latest', { time: newest === undefined ? '' : formatDateTime(locale, newest.createdAt) }) },
    ...snapshots.map((s) => ({ value: s.snapshotId, label: `${formatDateTime(locale, s.createdAt)} (${s.snapshotId.slice(0, 8)})` })),
  ];
}

function actionCounts(items: readonly PlanItem[]): { create: number; update: number; unchanged: number; blocked: number } {
  const c = { create: 0, update: 0, unchanged: 0, blocked: 0 };
  for (const i of items) c[i.action]++;
  return c;
}

function show(v: JsonValue | undefined): string {
  if (v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function planItemBlock(t: T, locale: Locale, item: PlanItem): SafeHtml {
  const label = `${datasetLabel(locale, item.dataset)} ${item.key}`;
  const badge = item.action === 'create' ? html`<span class="badge ok">${t('create')}</span>`
    : item.action === 'update' ? html`<span class="badge warn">${t('update')}</span>`
    : html`<span class="badge bad">${t('blocked')}</span>`;
  if (item.action === 'blocked') return html`<h3>${label} ${badge}</h3><p>${item.message ?? ''}</p>`;
  return html`<div class="table-wrap"><table>
    <caption>${label} ${badge}</caption>
    <thead><tr><th scope="col">${t('field')}</th>${item.action === 'update' ? html`<th scope="col">${t('current')}</th>` : ''}<th scope="col">${t('backup')}</th></tr></thead>
    <tbody>${item.changes.map((c) => html`<tr><th scope="row">${c.field}</th>${item.action === 'update' ? html`<td class="diff-removed">${show(c.now)}</td>` : ''}<td class="diff-added">${show(c.snapshot)}</td></tr>`)}</tbody>
  </table></div>`;
}

function runBadge(t: T, run: RestoreRun, here: boolean): SafeHtml {
  const kind = run.status === 'succeeded' ? 'ok' : run.status === 'partial' ? 'warn' : run.status === 'failed' ? 'bad' : here ? 'info' : 'warn';
  return html`<span class="badge ${kind}">${t(`st_${run.status}`)}</span>`;
}

function reportBlock(t: T, locale: Locale, report: RestoreReport, page: number, url: string): SafeHtml {
  const counts = countByStatus(report.items);
  const shown = report.items.filter((i) => i.status !== 'unchanged');
  const rows = shown.slice(page * ITEMS_PER_PAGE, (page + 1) * ITEMS_PER_PAGE);
  const statuses = (Object.keys(counts) as ReportStatus[]).filter((s) => counts[s] > 0);
  return html`<section aria-labelledby="report-h"><h2 id="report-h">${t('report')}</h2>
    ${notice(report.status === 'succeeded' ? 'ok' : report.status === 'partial' ? 'info' : 'error', t(`st_${report.status}`))}
    ${statuses.length === 0 ? '' : html`<dl class="facts">${statuses.map((s) => html`<dt>${t(`rs_${s}`)}</dt><dd>${formatNumber(locale, counts[s])}</dd>`)}</dl>`}
    ${report.undoSnapshotId === null ? '' : html`<p>${t('undoHint', { id: report.undoSnapshotId.slice(0, 8) })}</p>`}
    ${report.warnings.length === 0 ? '' : html`<h3>${t('warnings')}</h3><ul>${report.warnings.map((w) => html`<li>${w}</li>`)}</ul>`}
    ${shown.length === 0 ? html`<p>${t('noItems')}</p>` : html`<div class="table-wrap"><table><caption>${t('items')}</caption>
      <thead><tr><th scope="col">${t('dataset')}</th><th scope="col">${t('key')}</th><th scope="col">${t('status')}</th><th scope="col">${t('message')}</th></tr></thead>
      <tbody>${rows.map((i) => html`<tr><td>${datasetLabel(locale, i.dataset)}</td><td>${i.key}${i.newKey !== undefined && i.newKey !== i.key ? ` → ${i.newKey}` : ''}</td>
        <td><span class="badge ${i.status === 'failed' ? 'bad' : i.status === 'skipped' ? 'warn' : 'ok'}">${t(`rs_${i.status}`)}</span></td>
        <td>${i.message ?? ''}${i.fortnoxCode === undefined ? '' : ` [${i.fortnoxCode}]`}</td></tr>`)}</tbody></table></div>
      ${pager(t, url, 'page', page, shown.length, ITEMS_PER_PAGE)}`}
  </section>`;
}

function timeLeft(t: T, r: RequestWithClock): SafeHtml {
  if (r.timeLeftMs === null) return html`${t(`rq_${r.status}`)}${r.overdue ? ` ${t('late')}` : ''}`;
  const span = duration(Math.abs(r.timeLeftMs));
  return r.timeLeftMs < 0 ? html`<span class="badge bad">${t('overdue', { span })}</span>` : html`${t('left', { span })}`;
}

function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  return [d > 0 ? `${d} d` : '', h > 0 ? `${h} h` : '', `${minutes % 60} min`].filter((x) => x !== '').join(' ');
}

function pager(t: T, url: string, name: string, page: number, total: number, size = PAGE_SIZE): SafeHtml | '' {
  const more = (page + 1) * size < total;
  if (page === 0 && !more) return '';
  const sep = url.includes('?') ? '&' : '?';
  return html`<nav class="pager" aria-label="${t('pager')}">
    ${page > 0 ? html`<a href="${url}${sep}${name}=${page - 1}">${t('previous')}</a>` : ''}
    ${more ? html`<a href="${url}${sep}${name}=${page + 1}">${t('next')}</a>` : ''}
  </nav>`;
}
