import type { Db, FortnoxConnectionStatus, Tenant } from '../db/index.ts';
import { listBackupRuns, loadFortnoxConnection, type BackupRun } from '../db/index.ts';
import { backupWindowFromEnv, localDate, plannedRun, tenantOffset, zonedInstant, type BackupWindow, type PlannedRun } from '../jobs/backup-window.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

/**
 * What a dashboard says about a company, worst first: the order the firm table lists problems in.
 * `reconnect`: the Fortnox consent is gone (or was never given), so no backup can run.
 */
export const COMPANY_STATES = ['reconnect', 'failed', 'warning', 'never', 'running', 'ok'] as const;
export type CompanyState = (typeof COMPANY_STATES)[number];

/** Why a company is not simply ok (several may hold; the state is the worst). */
export type StatusReason = 'not_connected' | 'reconnect_needed' | 'last_run_failed' | 'last_run_partial' | 'stale' | 'open_alerts' | 'never_backed_up' | 'running' | 'queued';

/** A successful backup older than this makes the company a warning: a nightly run was missed. */
export const STALE_AFTER_MS = 48 * 3600_000;

export interface StatusInputs {
  /** The company's runs, newest first (a few suffice). */
  readonly runs: readonly BackupRun[];
  /** undefined: never connected to Fortnox. */
  readonly connection: FortnoxConnectionStatus | undefined;
  /** The job queue's queued or active backup of the company, if any. */
  readonly job: 'queued' | 'active' | undefined;
  readonly openAlerts: number;
  readonly now: Date;
}

export interface CompanyStatus {
  readonly state: CompanyState;
  readonly reasons: readonly StatusReason[];
  /** The newest run that finished (succeeded, partial or failed). */
  readonly lastRun: BackupRun | undefined;
  /** The newest run that committed a snapshot (succeeded or partial). */
  readonly lastGoodRun: BackupRun | undefined;
  /** Records in the newest snapshot. */
  readonly records: number | undefined;
  readonly openAlerts: number;
}

const FINISHED = new Set(['succeeded', 'partial', 'failed']);

/** The status of one company from its runs, connection, queue and alerts; no I/O, so every page agrees. */
export function companyStatus(input: StatusInputs): CompanyStatus {
  const lastRun = input.runs.find((r) => FINISHED.has(r.status));
  const lastGoodRun = input.runs.find((r) => r.status === 'succeeded' || r.status === 'partial');
  const reasons: StatusReason[] = [];
  if (input.connection === undefined) reasons.push('not_connected');
  else if (input.connection !== 'ok') reasons.push('reconnect_needed');
  const running = input.job === 'active' || input.runs[0]?.status === 'running';
  if (running) reasons.push('running');
  else if (input.job === 'queued') reasons.push('queued');
  if (lastRun?.status === 'failed') reasons.push('last_run_failed');
  if (lastRun?.status === 'partial') reasons.push('last_run_partial');
  if (lastGoodRun === undefined) reasons.push('never_backed_up');
  else if (input.now.getTime() - Date.parse(lastGoodRun.finishedAt ?? lastGoodRun.queuedAt) > STALE_AFTER_MS) reasons.push('stale');
  if (input.openAlerts > 0) reasons.push('open_alerts');

  const has = (r: StatusReason) => reasons.includes(r);
  const state: CompanyState =
    has('not_connected') || has('reconnect_needed') ? 'reconnect'
    : running || has('queued') ? 'running'
    : has('last_run_failed') ? 'failed'
    : has('never_backed_up') ? 'never'
    : has('last_run_partial') || has('stale') || has('open_alerts') ? 'warning'
    : 'ok';
  return { state, reasons, lastRun, lastGoodRun, records: lastGoodRun?.records, openAlerts: input.openAlerts };
}

/** When the nightly scheduler will next back up a tenant (the first planned run after `now`). */
export function nextPlannedRun(window: BackupWindow, tenantId: string, now: Date): Date {
  return nextRunIn(nightsAround(window, now), tenantId, now);
}

type Nights = (offset: number) => PlannedRun;

/**
 * The nightly windows around `now` by day offset, each computed once when first asked for: they are the
 * same for every tenant (only where in the window a tenant starts differs), and their time-zone
 * arithmetic is what costs (about 1 ms a company on a firm's dashboard when redone per company).
 */
function nightsAround(window: BackupWindow, now: Date): Nights {
  const noon = zonedInstant(localDate(now, window.timeZone), 12 * 60, window.timeZone).getTime();
  const nights = new Map<number, PlannedRun>();
  return (offset) => {
    let night = nights.get(offset);
    if (night === undefined) {
      night = plannedRun(window, '', localDate(new Date(noon + offset * 24 * 3600_000), window.timeZone));
      nights.set(offset, night);
    }
    return night;
  };
}

function nextRunIn(nights: Nights, tenantId: string, now: Date): Date {
  // Where plannedRun places the tenant in a night's window.
  const startIn = ({ windowStart, windowEnd }: PlannedRun): Date => new Date(windowStart.getTime() + Math.floor(tenantOffset(tenantId) * (windowEnd.getTime() - windowStart.getTime())));
  for (const offset of [-1, 0, 1, 2]) {
    const at = startIn(nights(offset));
    if (at.getTime() > now.getTime()) return at;
  }
  return startIn(nights(3));
}

export interface CompanyOverview {
  readonly company: Tenant;
  readonly status: CompanyStatus;
  /** The connection's status as stored, and how it authenticates. */
  readonly connection: { readonly status: FortnoxConnectionStatus; readonly mode: 'service_account' | 'refresh_token' } | undefined;
  /** null: no nightly schedule (not running one, or the company is not active). */
  readonly nextRun: Date | null;
}

export interface StatusSources {
  readonly db: Db;
  readonly queue: JobQueue;
  /** Whether a nightly scheduler runs (the web context's `scheduler`). */
  readonly scheduled: boolean;
  /** The scheduler's window; default the one the server's scheduler reads from the environment. */
  readonly window?: BackupWindow;
  readonly now: Date;
}

/** Counts unresolved, unacknowledged alerts per tenant (only of the tenants given). */
export async function openAlertCounts(db: Db, tenantIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (tenantIds.length === 0) return counts;
  const rows = await db
    .selectFrom('alerts')
    .select(['tenant_id', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
    .where('tenant_id', 'in', tenantIds)
    .where('resolved_at', 'is', null)
    .where('acknowledged_at', 'is', null)
    .groupBy('tenant_id')
    .execute();
  for (const r of rows) counts.set(r.tenant_id, Number(r.n));
  return counts;
}

/** The overview of each company (all of them the caller may see, already checked by the caller). */
export async function loadCompanyOverviews(sources: StatusSources, companies: readonly Tenant[]): Promise<CompanyOverview[]> {
  const alerts = await openAlertCounts(sources.db, companies.map((c) => c.id));
  const window = sources.scheduled ? (sources.window ?? backupWindowFromEnv()) : undefined;
  const nights = window === undefined ? undefined : nightsAround(window, sources.now);
  return Promise.all(
    companies.map(async (company) => {
      const [runs, connection, pending] = await Promise.all([
        listBackupRuns(sources.db, company.id, { limit: 10 }),
        loadFortnoxConnection(sources.db, company.id),
        sources.queue.pending(company.id),
      ]);
      const active = pending.find((j) => j.state === 'active');
      const job = active !== undefined ? 'active' : pending.length > 0 ? 'queued' : undefined;
      const status = companyStatus({ runs, connection: connection?.status, job, openAlerts: alerts.get(company.id) ?? 0, now: sources.now });
      return {
        company,
        status,
        connection: connection === undefined ? undefined : { status: connection.status, mode: connection.authMode },
        nextRun: nights === undefined || company.status !== 'active' ? null : nextRunIn(nights, company.id, sources.now),
      };
    }),
  );
}
