/**
 * Restore into a new, empty company from the web (DESIGN.md §5, docs/restore.md "New, empty company"):
 * which companies may be the target, whether one is empty, what a snapshot holds for it, where the run's
 * SIE files live; the section of the restore page, the plan → confirm → apply routes and the report's
 * number maps and SIE files. The restore itself is `restoreNewCompany` (src/restore/new-company.ts), run
 * in the background by RestoreTasks; the run page is routes/restore.ts's, under the target company.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { companyFor, visibleCompanies, visibleCompanyIds, type Principal } from '../accounts/access.ts';
import { audit } from '../accounts/audit.ts';
import type { AppContext } from '../app.ts';
import { getSnapshot, listSnapshots, loadFortnoxConnection, type Snapshot, type Tenant } from '../db/index.ts';
import { getRestoreRun, type RestoreRun } from '../db/restore-runs.ts';
import { NoxError } from '../errors.ts';
import type { FortnoxReader } from '../fortnox/index.ts';
import { formatDateTime, formatNumber, messages, type Locale } from '../i18n.ts';
import { REGISTER_DATASETS, str, isObject } from '../restore/fields.ts';
import { NOT_RESTORED, nonEmptyDatasets } from '../restore/new-company.ts';
import type { RestoreReport } from '../restore/report.ts';
import type { WebContext } from './context.ts';
import { csrfField, input, select, submit } from './forms.ts';
import { html, type SafeHtml } from './html.ts';
import { notice, sendPage } from './layout.ts';
import { clientIp, company, field, notFound, signedIn } from './request-context.ts';
import { RestoreBusyError, type RestoreTasks } from './restore-tasks.ts';
import { datasetLabel } from './dashboard-format.ts';

/** The data sets a new-company restore writes, in its order, as the plan page counts them. */
export const NEW_COMPANY_DATASETS = [
  ...REGISTER_DATASETS, 'vouchers', 'invoices', 'supplierinvoices', 'files', 'supplierinvoicefileconnections', 'voucherfileconnections',
] as const;

export interface TargetChoice {
  readonly tenant: Tenant;
  /** Its Fortnox connection works (a restore can write to it). */
  readonly connected: boolean;
}

/** The other companies of the principal's organisation that the principal may see: the possible targets. */
export async function targetChoices(app: AppContext, principal: Principal, source: Tenant): Promise<TargetChoice[]> {
  const tenants = (await visibleCompanies(app.db, principal)).filter((t) => t.id !== source.id && t.status === 'active');
  return Promise.all(tenants.map(async (tenant) => ({ tenant, connected: (await loadFortnoxConnection(app.db, tenant.id))?.status === 'ok' })));
}

export type TargetCheck =
  | { readonly ok: true; readonly target: Tenant; readonly reader: FortnoxReader }
  | { readonly ok: false; readonly reason: 'not_found' }
  | { readonly ok: false; readonly reason: 'same'; readonly target: Tenant }
  | { readonly ok: false; readonly reason: 'not_connected'; readonly target: Tenant }
  | { readonly ok: false; readonly reason: 'not_empty'; readonly target: Tenant; readonly holds: readonly string[] };

/**
 * The target named in a form, checked: a company the principal may see (so one of its organisation's;
 * anything else is 'not_found', answered 404), not the source, connected to Fortnox, and empty there in
 * the service's sense. Reads Fortnox (one request per data set).
 */
export async function checkTarget(app: AppContext, principal: Principal, source: Tenant, targetId: string, signal?: AbortSignal): Promise<TargetCheck> {
  const target = await companyFor(app.db, principal, targetId);
  if (target === undefined) return { ok: false, reason: 'not_found' };
  if (target.id === source.id) return { ok: false, reason: 'same', target };
  // A terminated company (its data due for deletion) is not offered either.
  if (target.status !== 'active' || (await loadFortnoxConnection(app.db, target.id))?.status !== 'ok') return { ok: false, reason: 'not_connected', target };
  const reader = await app.readerFor(target.id);
  // The service's own check, so the page refuses exactly what the restore would.
  const holds = await nonEmptyDatasets(reader, signal);
  if (holds.length > 0) return { ok: false, reason: 'not_empty', target, holds };
  return { ok: true, target, reader };
}

/** Records per data set the snapshot holds for a new-company restore (from the snapshot's index). */
export function newCompanyCounts(snapshot: Snapshot): { dataset: string; count: number; complete: boolean }[] {
  const byName = new Map(snapshot.datasets.map((d) => [d.dataset, d]));
  return NEW_COMPANY_DATASETS.map((dataset) => ({ dataset, count: byName.get(dataset)?.count ?? 0, complete: byName.get(dataset)?.complete ?? true }));
}

/** How many report items a restore of these counts makes (registers, vouchers, invoices, uploads, connections): the progress bar's whole. */
export function expectedItems(counts: readonly { dataset: string; count: number }[]): number {
  return counts.reduce((sum, c) => sum + c.count, 0);
}

/**
 * The snapshot's financial years (dates) that the target lacks: the service sends their accounts and
 * vouchers to SIE files, so the plan says so before anything is written.
 */
export async function missingYears(app: AppContext, source: Tenant, snapshotId: string, reader: FortnoxReader, signal?: AbortSignal): Promise<string[]> {
  const target = new Set<string>();
  for await (const y of reader.items('financialyears', { signal })) target.add(`${str(y.FromDate)}/${str(y.ToDate)}`);
  const repository = await app.repositoryFor(source.id);
  const missing: string[] = [];
  for await (const { record } of repository.listRecords(snapshotId, 'financialyears')) {
    if (!isObject(record)) continue;
    if (!target.has(`${str(record.FromDate)}/${str(record.ToDate)}`)) missing.push(`${str(record.FromDate)}–${str(record.ToDate)}`);
  }
  return missing.sort();
}

/** Where a web-started run writes its SIE files: `<dataDir>/restore-new-company/<target tenant>/<run>/`. */
export function sieDir(dataDir: string, tenantId: string, runId: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(tenantId) || !/^[0-9a-f-]{36}$/.test(runId)) throw new RangeError('Bad tenant or run id');
  return join(dataDir, 'restore-new-company', tenantId, runId);
}

/**
 * Whether a SIE file named in a run's report may be served for that tenant's run: it lies in the run's
 * own directory (web runs) or is the CLI's `<dataDir>/reports/restore-<run>-….si`. Anything else (a path
 * edited into the report, another run's file) is refused.
 */
export function servableSiePath(dataDir: string, tenantId: string, runId: string, path: string): string | undefined {
  const file = resolve(path);
  const own = resolve(sieDir(dataDir, tenantId, runId)) + sep;
  const cli = resolve(dataDir, 'reports') + sep;
  if (file.startsWith(own) && !file.slice(own.length).includes(sep)) return file;
  if (file.startsWith(cli) && !file.slice(cli.length).includes(sep) && file.slice(cli.length).startsWith(`restore-${runId}-`) && file.endsWith('.si')) return file;
  return undefined;
}

// ---- Pages ----

const MAP_ROWS = 50;
const RUNS_SHOWN = 20;

const m = messages(
  {
    title: 'Återställ till ett nytt, tomt företag',
    lead: 'Hela säkerhetskopian – register, verifikationer i nummerordning, kundfakturor, leverantörsfakturor och filer – återställs till ett annat företag i organisationen som är anslutet till Fortnox och tomt där. Anslut först det nya Fortnox-företaget (en administratör gör det under Anslut företag), välj det här och se vad som skapas innan något skrivs.',
    snapshot: 'Säkerhetskopia',
    latest: 'Den senaste ({time})',
    target: 'Nytt företag att återställa till',
    notConnected: '{name} (inte anslutet till Fortnox)',
    noTargets: 'Det finns inget annat företag i organisationen som du kan se. Anslut det nya, tomma Fortnox-företaget först; sedan kan du återställa hit till det.',
    connectLink: 'Anslut ett företag',
    noSnapshots: 'Det finns ingen säkerhetskopia av företaget ännu.',
    makePlan: 'Visa vad som skapas',
    planNote: 'Först kontrolleras att företaget är tomt i Fortnox. Inget skrivs förrän du har bekräftat.',
    badSnapshot: 'Välj en säkerhetskopia i listan.',
    badTarget: 'Välj ett företag i listan.',
    same: 'Välj ett annat företag än det som säkerhetskopian kommer från.',
    notConnectedError: '{name} är inte anslutet till Fortnox (eller behöver anslutas igen). Anslut det först.',
    notEmpty: '{name} är inte tomt i Fortnox: det har redan {what}. En återställning till ett nytt företag kräver ett tomt företag. Välj ett annat företag, eller återställ register till samma företag med planen ovan.',
    checkFailed: 'Fortnox kunde inte läsas för {name}: {error}',
    planTitle: 'Återställning till {name}',
    planLead: 'Säkerhetskopia från {time} av {source}. Inget har skrivits till Fortnox.',
    createdTitle: 'Det här skapas i {name}',
    dataset: 'Register',
    records: 'Poster i säkerhetskopian',
    incomplete: 'ofullständigt i säkerhetskopian',
    how1: 'Register skapas med sina egna nummer, konton med ingående balanser, i räkenskapsår med samma datum.',
    how2: 'Verifikationer skapas i nummerordning per år och serie; Fortnox numrerar dem, så rapporten visar gammalt → nytt nummer. Leverantörsfakturor numreras också av Fortnox.',
    how3: 'Kundfakturor skapas med sina nummer men obokförda (verifikationerna bokför dem redan). Filer laddas upp igen och kopplas till sin leverantörsfaktura eller verifikation.',
    how4: 'Det Fortnox inte tar emot via API:t (t.ex. verifikationer i en låst period) samlas i en SIE 4I-fil per räkenskapsår, och ingående balanser som inte kunde skrivas i en SIE 1-fil. Filerna laddar du ned från rapporten och importerar i Fortnox.',
    yearsMissing: 'Räkenskapsåren {years} finns inte i {name}: deras konton och verifikationer hamnar i SIE-filerna. Skapa åren i Fortnox först om de ska skrivas via API:t.',
    notRestoredTitle: 'Det här återställs inte',
    confirmTitle: 'Skriv till {name} i Fortnox',
    confirmText: 'Återställningen skriver till ett annat företag, {name}, och kan inte ångras härifrån: det som skapas får tas bort i Fortnox. Det finns ingen ångringspunkt, eftersom företaget är tomt.',
    typeName: 'Skriv målföretagets namn för att bekräfta',
    typeNameHint: 'Exakt: {name}',
    understand: 'Jag förstår att detta skriver till {name} i Fortnox och inte kan ångras',
    apply: 'Återställ till {name}',
    confirmQuestion: 'Återställa hela säkerhetskopian till {name} nu?',
    wrongName: 'Namnet stämmer inte med målföretagets namn.',
    mustUnderstand: 'Kryssa i att du förstår att återställningen skriver till Fortnox.',
    busy: 'En återställning till {name} pågår redan.',
    startFailed: 'Återställningen kunde inte startas: {error}',
    back: 'Till återställning',
    runs: 'Återställningar till nya företag',
    started: 'Startad',
    to: 'Till',
    status: 'Status',
    show: 'Visa',
    st_running: 'Pågår',
    st_succeeded: 'Klar',
    st_partial: 'Delvis klar',
    st_failed: 'Misslyckades',
    mapsTitle: 'Nya nummer',
    mapsLead: 'Fortnox gav {vouchers} verifikationer, {supplierinvoices} leverantörsfakturor och {files} filer nya nummer.',
    old: 'I säkerhetskopian',
    new: 'I det nya företaget',
    map_vouchers: 'Verifikation',
    map_supplierinvoices: 'Leverantörsfaktura',
    map_files: 'Fil',
    sieTitle: 'SIE-filer att importera i Fortnox',
    noSie: 'Inga: Fortnox tog emot allt via API:t.',
    sieType: 'Typ',
    sieYear: 'Räkenskapsår',
    sieVouchers: 'Verifikationer',
    sieBalances: 'Ingående balanser',
    sieWhy: 'Varför',
    sieWhy4I: 'API:t tog inte emot verifikationerna (se de misslyckade posterna). Importera filen i Fortnox (SIE-import) när orsaken är åtgärdad; Fortnox numrerar dem.',
    sieWhy1: 'API:t kunde inte skriva dessa ingående balanser (se de misslyckade kontona). Importera dem i Fortnox (SIE-import).',
    download: 'Ladda ned',
    previous: 'Föregående',
    next: 'Nästa',
    pager: 'Sidor',
    nr0: 'Räkenskapsår och verifikationsserier: skapa dem i Fortnox först (API:t återställer till befintliga).',
    nr1: 'Betalningar av kund- och leverantörsfakturor, och deras bokförda, skickade och makulerade läge (sätts av åtgärder i Fortnox, inte av fält).',
    nr2: 'Kopplingen mellan en faktura och verifikationen som bokförde den: verifikationerna återställs som verifikationer i sin serie, fakturorna obokförda. Att bokföra dem skulle bokföra dem två gånger.',
    nr3: 'Verifikationsnummer: Fortnox sätter dem, se nummerkartan. Struken (borttagna) verifikationsrader.',
    nr4: 'Leverantörsfakturornas löpnummer (GivenNumber): Fortnox sätter dem, se nummerkartan.',
    nr5: 'Fakturornas PDF:er: Fortnox skapar dem på nytt från fakturan; de säkerhetskopierade PDF:erna finns kvar i säkerhetskopian och dess export.',
    nr6: 'Utgående balanser och årets resultat: de följer av verifikationerna.',
  },
  {
    title: 'Restore into a new, empty company',
    lead: 'The whole backup (registers, vouchers in number order, customer invoices, supplier invoices and files) is restored into another company of the organisation that is connected to Fortnox and empty there. First connect the new Fortnox company (an administrator does so under Connect a company), choose it here and see what will be created before anything is written.',
    snapshot: 'Backup',
    latest: 'The newest ({time})',
    target: 'New company to restore into',
    notConnected: '{name} (not connected to Fortnox)',
    noTargets: 'There is no other company of the organisation that you can see. Connect the new, empty Fortnox company first; then you can restore into it from here.',
    connectLink: 'Connect a company',
    noSnapshots: 'The company has no backup yet.',
    makePlan: 'Show what will be created',
    planNote: 'First we check that the company is empty in Fortnox. Nothing is written until you have confirmed.',
    badSnapshot: 'Choose a backup from the list.',
    badTarget: 'Choose a company from the list.',
    same: 'Choose another company than the one the backup comes from.',
    notConnectedError: '{name} is not connected to Fortnox (or needs to be connected again). Connect it first.',
    notEmpty: '{name} is not empty in Fortnox: it already has {what}. A restore into a new company needs an empty company. Choose another company, or restore registers into the same company with the plan above.',
    checkFailed: 'Fortnox could not be read for {name}: {error}',
    planTitle: 'Restore into {name}',
    planLead: 'Backup of {source} from {time}. Nothing has been written to Fortnox.',
    createdTitle: 'What will be created in {name}',
    dataset: 'Register',
    records: 'Records in the backup',
    incomplete: 'incomplete in the backup',
    how1: 'Registers are created with their own numbers, accounts with their opening balances, in the financial years with the same dates.',
    how2: 'Vouchers are created in number order per year and series; Fortnox numbers them, so the report shows old → new number. Supplier invoices are numbered by Fortnox too.',
    how3: 'Customer invoices are created with their numbers but unbooked (the vouchers already book them). Files are uploaded again and connected to their supplier invoice or voucher.',
    how4: 'What Fortnox does not take through the API (e.g. vouchers in a locked period) goes into an SIE 4I file per financial year, and opening balances that could not be written into an SIE 1 file. You download them from the report and import them in Fortnox.',
    yearsMissing: 'The financial years {years} do not exist in {name}: their accounts and vouchers go into the SIE files. Create the years in Fortnox first to have them written through the API.',
    notRestoredTitle: 'What is not restored',
    confirmTitle: 'Write to {name} in Fortnox',
    confirmText: 'The restore writes into another company, {name}, and cannot be undone from here: what it creates has to be removed in Fortnox. There is no undo point, since the company is empty.',
    typeName: 'Type the target company\'s name to confirm',
    typeNameHint: 'Exactly: {name}',
    understand: 'I understand that this writes to {name} in Fortnox and cannot be undone',
    apply: 'Restore into {name}',
    confirmQuestion: 'Restore the whole backup into {name} now?',
    wrongName: 'The name does not match the target company\'s name.',
    mustUnderstand: 'Tick the box to confirm that the restore writes to Fortnox.',
    busy: 'A restore into {name} is already running.',
    startFailed: 'The restore could not be started: {error}',
    back: 'Back to restore',
    runs: 'Restores into new companies',
    started: 'Started',
    to: 'Into',
    status: 'Status',
    show: 'Show',
    st_running: 'Running',
    st_succeeded: 'Done',
    st_partial: 'Partly done',
    st_failed: 'Failed',
    mapsTitle: 'New numbers',
    mapsLead: 'Fortnox gave {vouchers} vouchers, {supplierinvoices} supplier invoices and {files} files new numbers.',
    old: 'In the backup',
    new: 'In the new company',
    map_vouchers: 'Voucher',
    map_supplierinvoices: 'Supplier invoice',
    map_files: 'File',
    sieTitle: 'SIE files to import in Fortnox',
    noSie: 'None: Fortnox took everything through the API.',
    sieType: 'Type',
    sieYear: 'Financial year',
    sieVouchers: 'Vouchers',
    sieBalances: 'Opening balances',
    sieWhy: 'Why',
    sieWhy4I: 'The API refused these vouchers (see the failed items). Import the file in Fortnox (SIE import) once the cause is fixed; Fortnox numbers them.',
    sieWhy1: 'The API could not write these opening balances (see the failed accounts). Import them in Fortnox (SIE import).',
    download: 'Download',
    previous: 'Previous',
    next: 'Next',
    pager: 'Pages',
    nr0: NOT_RESTORED[0] ?? '',
    nr1: NOT_RESTORED[1] ?? '',
    nr2: NOT_RESTORED[2] ?? '',
    nr3: NOT_RESTORED[3] ?? '',
    nr4: NOT_RESTORED[4] ?? '',
    nr5: NOT_RESTORED[5] ?? '',
    nr6: NOT_RESTORED[6] ?? '',
  },
);

type T = ReturnType<typeof m>;
type Key = Parameters<T>[0];

/** The service's NOT_RESTORED list in the reader's language: an entry the Swedish does not know (the service's list changed) is shown as it is. */
export function notRestoredText(locale: Locale, list: readonly string[]): string[] {
  const t = m(locale);
  return list.map((s, i) => (i < 7 && NOT_RESTORED[i] === s ? t(`nr${i}` as Key) : s));
}


export interface NewCompanyFormState {
  readonly snapshot?: string;
  readonly target?: string;
  readonly error?: string;
}

function snapshotChoices(locale: Locale, snapshots: readonly Snapshot[]): { value: string; label: string }[] {
  const [newest] = snapshots;
  return [
    { value: 'latest', label: m(locale)('latest', { time: newest === undefined ? '' : formatDateTime(locale, newest.createdAt) }) },
    ...snapshots.map((s) => ({ value: s.snapshotId, label: `${formatDateTime(locale, s.createdAt)} (${s.snapshotId.slice(0, 8)})` })),
  ];
}

async function chosenSnapshot(app: AppContext, source: Tenant, chosen: string): Promise<Snapshot | undefined> {
  if (chosen === '' || chosen === 'latest') return (await listSnapshots(app.db, source.id, { limit: 1 }))[0];
  return /^[0-9a-f]{8,64}$/.test(chosen) ? getSnapshot(app.db, source.id, chosen) : undefined;
}

/** New-company runs from this company into companies the principal may see, newest first. */
async function runsFrom(app: AppContext, principal: Principal, source: Tenant): Promise<{ run: RestoreRun; targetName: string }[]> {
  const visible = (await visibleCompanyIds(app.db, principal)).filter((id) => id !== source.id);
  if (visible.length === 0) return [];
  const rows = await app.db.selectFrom('restore_runs').innerJoin('tenants', 'tenants.id', 'restore_runs.tenant_id')
    .select(['restore_runs.tenant_id', 'restore_runs.id', 'tenants.name'])
    .where('restore_runs.source_tenant_id', '=', source.id).where('restore_runs.kind', '=', 'new_company').where('restore_runs.tenant_id', 'in', visible)
    .orderBy('restore_runs.started_at', 'desc').limit(RUNS_SHOWN).execute();
  const out: { run: RestoreRun; targetName: string }[] = [];
  for (const r of rows) {
    const run = await getRestoreRun(app.db, r.tenant_id, r.id);
    if (run !== undefined) out.push({ run, targetName: r.name });
  }
  return out;
}

/** The restore page's section: a snapshot, one of the organisation's other companies, and the runs made so far. */
export async function newCompanySection(request: FastifyRequest, ctx: WebContext, snapshots: readonly Snapshot[], state: NewCompanyFormState): Promise<SafeHtml> {
  const source = company(request);
  const auth = signedIn(request);
  const t = m(request.locale);
  const locale = request.locale;
  const [targets, runs] = await Promise.all([targetChoices(ctx.app, auth.principal, source), runsFrom(ctx.app, auth.principal, source)]);
  let form: SafeHtml;
  if (snapshots.length === 0) form = html`<p>${t('noSnapshots')}</p>`;
  else if (targets.length === 0) {
    form = html`<p>${t('noTargets')}</p>${auth.principal.role === 'admin' ? html`<p><a href="/companies/connect">${t('connectLink')}</a></p>` : ''}`;
  } else {
    form = html`<form method="post" action="/companies/${source.id}/restore/new-company/plan" class="form wide">
      ${csrfField(request)}
      ${notice('error', state.error)}
      ${select('nc_snapshot', t('snapshot'), snapshotChoices(locale, snapshots), state.snapshot)}
      ${select('target', t('target'), targets.map((c) => ({ value: c.tenant.id, label: c.connected ? c.tenant.name : t('notConnected', { name: c.tenant.name }) })), state.target)}
      <p class="hint">${t('planNote')}</p>
      ${submit(t('makePlan'), { kind: 'secondary' })}
    </form>`;
  }
  const runTable = runs.length === 0 ? '' : html`<div class="table-wrap"><table><caption>${t('runs')}</caption>
    <thead><tr><th scope="col">${t('started')}</th><th scope="col">${t('to')}</th><th scope="col">${t('status')}</th><th scope="col">${t('show')}</th></tr></thead>
    <tbody>${runs.map(({ run, targetName }) => html`<tr><td>${formatDateTime(locale, run.startedAt)}</td><td>${targetName}</td>
      <td><span class="badge ${run.status === 'succeeded' ? 'ok' : run.status === 'partial' ? 'warn' : run.status === 'failed' ? 'bad' : 'info'}">${t(`st_${run.status}`)}</span></td>
      <td><a href="/companies/${run.tenantId}/restore/runs/${run.id}">${t('show')}</a></td></tr>`)}</tbody></table></div>`;
  return html`<section aria-labelledby="new-company-h"><h2 id="new-company-h">${t('title')}</h2><p>${t('lead')}</p>${form}${runTable}</section>`;
}

export interface NewCompanyDeps {
  readonly tasks: RestoreTasks;
  /** Renders the restore page again with the section's form state and an error. */
  readonly restorePage: (request: FastifyRequest, reply: FastifyReply, state: NewCompanyFormState, status: number) => Promise<FastifyReply>;
}

/** The plan → confirm → apply routes and the SIE file download. */
export function registerNewCompany(app: FastifyInstance, ctx: WebContext, deps: NewCompanyDeps): void {
  const dataDir = ctx.app.config.dataDir;

  /** The target from the form, checked; a company the user may not see is 404, the rest re-render the form with why. */
  const target = async (request: FastifyRequest, reply: FastifyReply, state: NewCompanyFormState): Promise<TargetCheck & { ok: true } | FastifyReply> => {
    const t = m(request.locale);
    const source = company(request);
    if (state.target === undefined || state.target === '') return deps.restorePage(request, reply, { ...state, error: t('badTarget') }, 400);
    let check: TargetCheck;
    try {
      check = await checkTarget(ctx.app, signedIn(request).principal, source, state.target);
    } catch (err) {
      if (!(err instanceof NoxError)) throw err;
      const named = await companyFor(ctx.app.db, signedIn(request).principal, state.target);
      return deps.restorePage(request, reply, { ...state, error: t('checkFailed', { name: named?.name ?? '', error: err.message }) }, 400);
    }
    if (check.ok) return check;
    if (check.reason === 'not_found') throw notFound();
    if (check.reason === 'same') return deps.restorePage(request, reply, { ...state, error: t('same') }, 400);
    if (check.reason === 'not_connected') return deps.restorePage(request, reply, { ...state, error: t('notConnectedError', { name: check.target.name }) }, 409);
    const what = check.holds.map((d) => datasetLabel(request.locale, d).toLowerCase()).join(', ');
    return deps.restorePage(request, reply, { ...state, error: t('notEmpty', { name: check.target.name, what }) }, 409);
  };

  const auditBoth = async (request: FastifyRequest, action: string, source: Tenant, to: Tenant, runOrSnapshot: string, details: Record<string, unknown>) => {
    const auth = signedIn(request);
    for (const tenant of [source, to]) {
      await audit(ctx.app.db, {
        orgId: auth.org.id, tenantId: tenant.id, userId: auth.user.id, userEmail: auth.user.email, action, target: runOrSnapshot,
        details: { ...details, sourceTenantId: source.id, targetTenantId: to.id }, ip: clientIp(request), at: ctx.now(),
      });
    }
  };

  const planPage = async (request: FastifyRequest, reply: FastifyReply, snapshot: Snapshot, to: Tenant, reader: FortnoxReader, error?: string, status = 200) => {
    const source = company(request);
    const t = m(request.locale);
    const locale = request.locale;
    const counts = newCompanyCounts(snapshot);
    let missing: string[] = [];
    try {
      missing = await missingYears(ctx.app, source, snapshot.snapshotId, reader);
    } catch (err) {
      if (!(err instanceof NoxError)) throw err;
    }
    const confirm = html`<section aria-labelledby="nc-confirm-h"><h2 id="nc-confirm-h">${t('confirmTitle', { name: to.name })}</h2>
      <form method="post" action="/companies/${source.id}/restore/new-company/apply" class="form" data-confirm="${t('confirmQuestion', { name: to.name })}">
        ${csrfField(request)}
        ${notice('error', error)}
        <input type="hidden" name="snapshot" value="${snapshot.snapshotId}">
        <input type="hidden" name="target" value="${to.id}">
        <p>${t('confirmText', { name: to.name })}</p>
        ${input('confirm_name', t('typeName'), { required: true, autocomplete: 'off', hint: t('typeNameHint', { name: to.name }) })}
        <div class="checks"><label><input type="checkbox" name="understand" value="yes" required> ${t('understand', { name: to.name })}</label></div>
        ${submit(t('apply', { name: to.name }), { kind: 'danger' })}
      </form></section>`;
    return sendPage(request, reply, {
      title: t('planTitle', { name: to.name }),
      lead: t('planLead', { time: formatDateTime(locale, snapshot.createdAt), source: source.name }),
      status,
      body: html`<section aria-labelledby="nc-created-h"><h2 id="nc-created-h">${t('createdTitle', { name: to.name })}</h2>
          <div class="table-wrap"><table><caption class="visually-hidden">${t('createdTitle', { name: to.name })}</caption>
            <thead><tr><th scope="col">${t('dataset')}</th><th scope="col" class="num">${t('records')}</th></tr></thead>
            <tbody>${counts.map((c) => html`<tr><th scope="row">${datasetLabel(locale, c.dataset)}</th><td class="num">${formatNumber(locale, c.count)}${c.complete ? '' : html` <span class="badge warn">${t('incomplete')}</span>`}</td></tr>`)}</tbody>
          </table></div>
          ${missing.length === 0 ? '' : notice('info', t('yearsMissing', { years: missing.join(', '), name: to.name }))}
          <ul><li>${t('how1')}</li><li>${t('how2')}</li><li>${t('how3')}</li><li>${t('how4')}</li></ul>
        </section>
        <section aria-labelledby="nc-not-h"><h2 id="nc-not-h">${t('notRestoredTitle')}</h2><ul>${notRestoredText(locale, NOT_RESTORED).map((s) => html`<li>${s}</li>`)}</ul></section>
        ${confirm}
        <p><a href="/companies/${source.id}/restore">${t('back')}</a></p>`,
    });
  };

  app.post('/companies/:companyId/restore/new-company/plan', { config: { permission: 'restore' } }, async (request, reply) => {
    const source = company(request);
    const t = m(request.locale);
    const state: NewCompanyFormState = { snapshot: field(request.body, 'nc_snapshot'), target: field(request.body, 'target') };
    const snapshot = await chosenSnapshot(ctx.app, source, state.snapshot ?? '');
    if (snapshot === undefined) return deps.restorePage(request, reply, { ...state, error: t('badSnapshot') }, 400);
    const checked = await target(request, reply, state);
    if (!('ok' in checked)) return checked;
    const counts = newCompanyCounts(snapshot);
    await auditBoth(request, 'restore.new_company.plan', source, checked.target, snapshot.snapshotId, {
      snapshotId: snapshot.snapshotId, counts: Object.fromEntries(counts.map((c) => [c.dataset, c.count])),
    });
    return planPage(request, reply, snapshot, checked.target, checked.reader);
  });

  app.post('/companies/:companyId/restore/new-company/apply', { config: { permission: 'restore' } }, async (request, reply) => {
    const source = company(request);
    const auth = signedIn(request);
    const t = m(request.locale);
    const body = request.body;
    const state: NewCompanyFormState = { snapshot: field(body, 'snapshot'), target: field(body, 'target') };
    // The snapshot must be the source company's, named in full (the plan page's hidden field).
    const snapshotId = state.snapshot ?? '';
    const snapshot = /^[0-9a-f]{8,64}$/.test(snapshotId) ? await getSnapshot(ctx.app.db, source.id, snapshotId) : undefined;
    if (snapshot === undefined) return deps.restorePage(request, reply, { ...state, error: t('badSnapshot') }, 400);
    // Visible (else 404), connected and still empty, then the confirmation.
    const checked = await target(request, reply, state);
    if (!('ok' in checked)) return checked;
    const to = checked.target;
    if (field(body, 'confirm_name').trim() !== to.name.trim()) return planPage(request, reply, snapshot, to, checked.reader, t('wrongName'), 400);
    if (field(body, 'understand') !== 'yes') return planPage(request, reply, snapshot, to, checked.reader, t('mustUnderstand'), 400);
    const counts = newCompanyCounts(snapshot);
    let runId: string;
    try {
      runId = await deps.tasks.startNewCompany({
        source: { tenantId: source.id }, target: { tenantId: to.id }, snapshotId: snapshot.snapshotId, expected: expectedItems(counts),
        outDir: (id) => sieDir(dataDir, to.id, id), startedBy: auth.user.email,
      });
    } catch (err) {
      if (err instanceof RestoreBusyError) return planPage(request, reply, snapshot, to, checked.reader, t('busy', { name: to.name }), 409);
      if (err instanceof NoxError) return planPage(request, reply, snapshot, to, checked.reader, t('startFailed', { error: err.message }), 400);
      throw err;
    }
    await auditBoth(request, 'restore.new_company.apply', source, to, runId, { snapshotId: snapshot.snapshotId, runId });
    return reply.code(303).header('location', `/companies/${to.id}/restore/runs/${runId}`).send();
  });

  app.get('/companies/:companyId/restore/runs/:runId/sie', { config: { permission: 'restore' } }, async (request, reply) => {
    const tenant = company(request);
    const auth = signedIn(request);
    const runId = (request.params as { runId: string }).runId;
    const index = Number((request.query as { file?: unknown }).file);
    if (!/^[0-9a-f-]{36}$/.test(runId) || !Number.isInteger(index) || index < 0) throw notFound();
    const run = await getRestoreRun(ctx.app.db, tenant.id, runId);
    if (run === undefined || run.kind !== 'new_company' || run.reportJson === null) throw notFound();
    const note = (JSON.parse(run.reportJson) as RestoreReport).sieFiles[index];
    const path = note === undefined ? undefined : servableSiePath(dataDir, tenant.id, runId, note.path);
    if (path === undefined) throw notFound();
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw notFound();
    }
    await audit(ctx.app.db, {
      orgId: auth.org.id, tenantId: tenant.id, userId: auth.user.id, userEmail: auth.user.email, action: 'file.download', target: basename(path),
      details: { restoreRunId: runId, sie: note!.type, financialYear: note!.financialYear }, ip: clientIp(request), at: ctx.now(),
    });
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(size))
      .header('content-disposition', `attachment; filename="${basename(path).replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .header('cache-control', 'no-store')
      .send(createReadStream(path));
  });
}

/** The new-company part of a run's report: the number maps (paged), the SIE files to download, what is not restored. */
export function newCompanyReportBlock(locale: Locale, report: RestoreReport, tenantId: string, page: number, url: string): SafeHtml {
  const t = m(locale);
  const maps = report.numberMaps;
  const entries = (['vouchers', 'supplierinvoices', 'files'] as const).flatMap((ds) => Object.entries(maps[ds] ?? {}).map(([from, to]) => ({ ds, from, to })));
  const rows = entries.slice(page * MAP_ROWS, (page + 1) * MAP_ROWS);
  const count = (ds: string) => formatNumber(locale, Object.keys(maps[ds] ?? {}).length);
  const more = (page + 1) * MAP_ROWS < entries.length;
  const sep = url.includes('?') ? '&' : '?';
  const pager = page === 0 && !more ? '' : html`<nav class="pager" aria-label="${t('pager')}">
    ${page > 0 ? html`<a href="${url}${sep}mpage=${page - 1}#maps-h">${t('previous')}</a>` : ''}
    ${more ? html`<a href="${url}${sep}mpage=${page + 1}#maps-h">${t('next')}</a>` : ''}</nav>`;
  return html`<section aria-labelledby="maps-h"><h2 id="maps-h">${t('mapsTitle')}</h2>
      <p>${t('mapsLead', { vouchers: count('vouchers'), supplierinvoices: count('supplierinvoices'), files: count('files') })}</p>
      ${rows.length === 0 ? '' : html`<div class="table-wrap"><table><caption class="visually-hidden">${t('mapsTitle')}</caption>
        <thead><tr><th scope="col">${t('dataset')}</th><th scope="col">${t('old')}</th><th scope="col">${t('new')}</th></tr></thead>
        <tbody>${rows.map((r) => html`<tr><td>${t(`map_${r.ds}`)}</td><td>${r.from}</td><td>${r.to}</td></tr>`)}</tbody></table></div>${pager}`}
    </section>
    <section aria-labelledby="sie-h"><h2 id="sie-h">${t('sieTitle')}</h2>
      ${report.sieFiles.length === 0 ? html`<p>${t('noSie')}</p>` : html`<div class="table-wrap"><table><caption class="visually-hidden">${t('sieTitle')}</caption>
        <thead><tr><th scope="col">${t('sieType')}</th><th scope="col">${t('sieYear')}</th><th scope="col" class="num">${t('sieVouchers')}</th><th scope="col" class="num">${t('sieBalances')}</th><th scope="col">${t('sieWhy')}</th><th scope="col">${t('download')}</th></tr></thead>
        <tbody>${report.sieFiles.map((f, i) => html`<tr><td>SIE ${f.type}</td><td>${f.financialYear}</td><td class="num">${formatNumber(locale, f.vouchers)}</td><td class="num">${formatNumber(locale, f.balances)}</td>
          <td>${f.type === '4I' ? t('sieWhy4I') : t('sieWhy1')}</td><td><a href="/companies/${tenantId}/restore/runs/${report.runId}/sie?file=${i}" download>${t('download')} <span class="visually-hidden">SIE ${f.type} ${f.financialYear}</span></a></td></tr>`)}</tbody></table></div>`}
    </section>
    ${report.notRestored.length === 0 ? '' : html`<section aria-labelledby="nc-not-h"><h2 id="nc-not-h">${t('notRestoredTitle')}</h2><ul>${notRestoredText(locale, report.notRestored).map((s) => html`<li>${s}</li>`)}</ul></section>`}`;
}
