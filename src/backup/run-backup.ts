import type { Db } from '../db/open-database.ts';
import { createBackupRun, finishBackupRun, getBackupRun, saveBackupRunDataset, startBackupRun } from '../db/backup-runs.ts';
import { clearRunJournal, getRunResumeState, listRunItems, saveRunResumeState, type JournalItem } from '../db/backup-run-journal.ts';
import { NoxError } from '../errors.ts';
import { FortnoxReconnectNeededError, toText, type FortnoxReader, type JsonObject } from '../fortnox/index.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';
import { indexCommittedSnapshot } from '../repository/index-sync.ts';
import { RefreshPlan } from './change-detection.ts';
import { ATTACHMENT_DATASETS, RECORD_DATASETS, TERMS_DATASETS, keys, type SnapshotDataSet } from './layout.ts';
import { RunContext, type BackupProgress, type DataSetTally } from './run-context.ts';
import { companyInformation, detailDataSet, files, financialYear, invoicePdfs, listDataSet, type Plan } from './steps.ts';

export type { BackupProgress } from './run-context.ts';

export interface BackupDeps {
  db: Db;
  repository: Repository;
  reader: FortnoxReader;
  /** Our tenant id (db `tenants.id`), the repository's tenant. */
  tenantId: string;
  now?: () => Date;
}

export interface BackupOptions {
  /** Snapshot data sets or terms names from layout.ts; default all. Related data sets come along (docs/backup.md). */
  datasets?: readonly string[];
  trigger?: 'manual' | 'schedule' | 'connect' | 'demo';
  onProgress?: (e: BackupProgress) => void;
  signal?: AbortSignal;
  /** Continue an interrupted run: what it stored is not fetched again. */
  resumeRunId?: string;
  /** `lastmodified` overlap before the previous run's start, in minutes (default 180; docs/backup.md). */
  overlapMinutes?: number;
  /**
   * Share of all details re-read each run whatever the change signals say (default 1/365: every
   * detail at least once a year, at a cost that keeps an ordinary night's run within 1.2 × its sweeps
   * and changes; 0 turns the rolling refresh off). docs/backup.md has the arithmetic.
   */
  refreshFraction?: number;
  /** Vouchers per re-read financial year also fetched as details and compared with SIE (default 5). */
  voucherSampleSize?: number;
  /** Journal (and flush the writer) after this many stored entries (default 250). */
  journalEvery?: number;
  /** Detail and download requests in flight at once (default 4; the rate limiter still caps the rate). */
  concurrency?: number;
}

/** One data set's outcome: the run's tally without its progress-only fields. */
export type BackupDataSetResult = Omit<DataSetTally, 'total' | 'done' | 'startedAt'>;

export interface BackupResult {
  runId: string;
  status: 'succeeded' | 'partial' | 'failed';
  snapshotId: string | null;
  datasets: BackupDataSetResult[];
  requests: number;
  bytes: number;
  seconds: number;
  warnings: string[];
  /** Details read only for the rolling refresh (not because anything said they changed). */
  refreshed: number;
  /** Set when the run failed as a whole. */
  error?: { code: string; message: string };
}

export class BackupError extends NoxError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'BackupError';
  }
}

const ALL: readonly SnapshotDataSet[] = [...RECORD_DATASETS, ...ATTACHMENT_DATASETS];

/** Data sets read together: one cannot be read without the others' lists. */
const GROUPS: readonly (readonly SnapshotDataSet[])[] = [
  ['companyinformation'],
  ['financialyears', 'accounts', 'voucherseries', 'vouchers', 'sie'],
  ['costcenters'],
  ['projects'],
  ['customers'],
  ['suppliers'],
  ['articles'],
  ['invoices', 'invoicepdfs'],
  ['supplierinvoices'],
  ['supplierinvoicefileconnections', 'voucherfileconnections', 'files', 'filecontents'],
];

/** Expands the caller's names (snapshot data sets or terms data sets) to whole groups. */
export function selectDataSets(names: readonly string[] | undefined): Set<SnapshotDataSet> {
  if (names === undefined || names.length === 0) return new Set(ALL);
  const picked = new Set<SnapshotDataSet>();
  for (const name of names) {
    const terms = TERMS_DATASETS[name];
    if (terms !== undefined) for (const d of terms.datasets) picked.add(d);
    else if ((ALL as readonly string[]).includes(name)) picked.add(name as SnapshotDataSet);
    else throw new BackupError('BACKUP_BAD_INPUT', `Unknown data set ${JSON.stringify(name)}; use one of ${[...ALL, ...Object.keys(TERMS_DATASETS)].join(', ')}`);
  }
  for (const g of GROUPS) if (g.some((d) => picked.has(d))) for (const d of g) picked.add(d);
  return picked;
}

function errorInfo(err: unknown): { code: string; message: string } {
  if (err instanceof NoxError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: err.name === 'AbortError' ? 'BACKUP_ABORTED' : 'BACKUP_INTERNAL', message: err.message };
  return { code: 'BACKUP_INTERNAL', message: String(err) };
}

/** Errors that end the run rather than one data set: no consent, a cancelled run, a broken repository. */
function endsRun(err: unknown, signal: AbortSignal | undefined): boolean {
  return err instanceof FortnoxReconnectNeededError || signal?.aborted === true || (err instanceof NoxError && err.code.startsWith('REPO_'));
}

interface RunState {
  seq: number;
  since: string | null;
  /** Fortnox's time at the run's start: the next run's `lastmodified` window starts from it. */
  fortnoxStartedAt?: string;
}

/** Default share of details the rolling refresh re-reads per run (see BackupOptions.refreshFraction). */
export const DEFAULT_REFRESH_FRACTION = 1 / 365;

/** Fortnox's time at a run's start, and the company information read to learn it (if it was). */
interface FortnoxStart {
  at: Date;
  company?: { record: JsonObject; requests: number };
}

/**
 * Fortnox's time now: `lastmodified` is stamped by Fortnox's clock, not ours (which may be off, or in
 * another zone), so change windows are measured on it. Read from the `Date` header of a fresh answer:
 * extrapolating an earlier one (a reader kept between runs) trusts our monotonic clock for hours, and
 * it stops in a suspend; a start that lags Fortnox's clock by a day makes the next run re-read that
 * whole day's changes. The request is the run's company information, which the run reads anyway, so
 * it costs nothing. A caller's `now` (tests pinning a clock) wins.
 */
async function fortnoxStart(deps: BackupDeps, signal: AbortSignal | undefined): Promise<FortnoxStart> {
  if (deps.now !== undefined) return { at: deps.now() };
  const before = deps.reader.stats.attempts;
  const record = await deps.reader.companyInformation({ signal });
  return { at: deps.reader.serverNow() ?? new Date(), company: { record, requests: deps.reader.stats.attempts - before } };
}

/**
 * One backup run (docs/backup.md): sweeps every list, reads what changed, carries forward the rest
 * from the previous snapshot, commits a snapshot, indexes it in the database and records the run.
 * A data set that fails is marked incomplete in the snapshot with its previous records carried
 * forward; a revoked consent or a cancelled run commits nothing. Resumable with `resumeRunId`.
 */
export async function runBackup(deps: BackupDeps, options: BackupOptions = {}): Promise<BackupResult> {
  const now = deps.now ?? ((): Date => new Date());
  const started = performance.now();
  const { db, repository: repo, reader, tenantId } = deps;
  const selected = selectDataSets(options.datasets);

  let runId: string;
  let parent: SnapshotInfo | undefined;
  let startedAt: Date;
  let fortnoxStartedAt: Date | undefined;
  let state: RunState;
  let journal: JournalItem[] = [];
  let company: FortnoxStart['company'];
  const startAttempts = reader.stats.attempts;
  if (options.resumeRunId !== undefined) {
    runId = options.resumeRunId;
    const run = await getBackupRun(db, tenantId, runId);
    const saved = await getRunResumeState(db, tenantId, runId);
    if (run === undefined || saved === undefined) throw new BackupError('BACKUP_RUN_NOT_FOUND', `Tenant ${tenantId} has no resumable backup run ${runId}`);
    if (run.snapshotId !== null) throw new BackupError('BACKUP_RUN_FINISHED', `Backup run ${runId} already committed snapshot ${run.snapshotId}`);
    // Packs and index files the interrupted attempt wrote are in the store, not yet in this process's index.
    await repo.refreshIndex();
    parent = saved.parentSnapshotId === null ? undefined : await repo.readSnapshot(saved.parentSnapshotId);
    startedAt = new Date(saved.startedAt);
    state = JSON.parse(saved.state) as RunState;
    if (state.fortnoxStartedAt !== undefined) fortnoxStartedAt = new Date(state.fortnoxStartedAt);
    journal = await listRunItems(db, tenantId, runId);
  } else {
    startedAt = now();
    runId = (await createBackupRun(db, tenantId, { trigger: options.trigger ?? 'manual', queuedAt: startedAt })).id;
    parent = await repo.latestSnapshot();
    const prevRun = parent?.run;
    const prevStartText = typeof prevRun?.fortnoxStartedAt === 'string' ? prevRun.fortnoxStartedAt : prevRun?.startedAt;
    const prevStart = typeof prevStartText === 'string' ? new Date(prevStartText) : null;
    let start: FortnoxStart;
    try {
      start = await fortnoxStart(deps, options.signal);
    } catch (err) {
      // Fortnox refused the very first request (a revoked consent, an outage): the run is recorded as
      // failed with the reason, like any other failed run, and nothing is committed.
      const info = errorInfo(err);
      const requests = reader.stats.attempts - startAttempts;
      await finishBackupRun(db, tenantId, runId, { status: 'failed', requests, errors: 1, errorCode: info.code, errorMessage: info.message, finishedAt: now() });
      return { runId, status: 'failed', snapshotId: null, datasets: [], requests, bytes: 0, seconds: (performance.now() - started) / 1000, warnings: [], refreshed: 0, error: info };
    }
    fortnoxStartedAt = start.at;
    company = start.company;
    const overlap = (options.overlapMinutes ?? 180) * 60_000;
    state = {
      seq: (typeof parent?.run.seq === 'number' ? parent.run.seq : 0) + 1,
      since: prevStart === null ? null : new Date(prevStart.getTime() - overlap).toISOString(),
      fortnoxStartedAt: fortnoxStartedAt.toISOString(),
    };
    await saveRunResumeState(db, tenantId, runId, { parentSnapshotId: parent?.id ?? null, startedAt: startedAt.toISOString(), state: JSON.stringify(state) });
  }
  await startBackupRun(db, tenantId, runId, now());

  const plan: Plan = {
    since: state.since === null ? null : new Date(state.since),
    refresh: new RefreshPlan(options.refreshFraction ?? DEFAULT_REFRESH_FRACTION, state.seq),
    voucherSampleSize: options.voucherSampleSize ?? 5,
    seq: state.seq,
  };
  const writer = await repo.beginSnapshot({ parent: parent?.id ?? null, runMeta: { runId, startedAt: startedAt.toISOString(), ...(fortnoxStartedAt === undefined ? {} : { fortnoxStartedAt: fortnoxStartedAt.toISOString() }), seq: state.seq } });
  const ctx = new RunContext({
    runId, db, tenantId, reader, repo, writer, parent, journal, startAttempts,
    journalEvery: options.journalEvery ?? 250, concurrency: options.concurrency ?? 4, signal: options.signal, onProgress: options.onProgress,
  });

  const failed = new Set<string>();
  /** Runs a step; if it fails, its data sets are marked incomplete and keep the parent's records. */
  const isolate = async (datasets: readonly SnapshotDataSet[], f: () => Promise<void>): Promise<boolean> => {
    const failedWith = datasets.find((d) => failed.has(d));
    if (failedWith !== undefined) {
      // The step needs a data set that already failed: what it would have refreshed is not current.
      for (const d of datasets) {
        if (failed.has(d)) continue;
        ctx.begin(d);
        writer.markIncomplete(d, `BACKUP_DEPENDENCY_FAILED: ${failedWith} could not be read`);
        if (ctx.tally(d).status === 'complete') ctx.tally(d).status = 'incomplete';
      }
      return false;
    }
    try {
      await f();
      return true;
    } catch (err) {
      if (endsRun(err, options.signal)) throw err;
      const info = errorInfo(err);
      for (const d of datasets) {
        failed.add(d);
        ctx.begin(d);
        writer.markIncomplete(d, `${info.code}: ${info.message}`);
        const t = ctx.tally(d);
        t.status = 'failed';
        t.error = info;
      }
      return false;
    }
  };

  try {
    for (const d of ALL) if (!selected.has(d)) ctx.reuse(d);
    if (selected.has('companyinformation')) await isolate(['companyinformation'], () => companyInformation(ctx, company));
    if (selected.has('financialyears')) {
      let years: Map<string, JsonObject> | null = null;
      await isolate(['financialyears'], async () => {
        years = await listDataSet(ctx, 'financialyears', (y) => keys.financialyear(toText(y.Id) ?? ''));
      });
      for (const d of ['accounts', 'voucherseries', 'vouchers', 'sie'] as const) ctx.begin(d);
      if (years === null) {
        for (const d of ['accounts', 'voucherseries', 'vouchers', 'sie'] as const) await isolate([d], () => Promise.reject(new BackupError('BACKUP_NO_FINANCIAL_YEARS', 'the financial years could not be read')));
      } else {
        for (const year of (years as Map<string, JsonObject>).values()) await financialYear(ctx, plan, year, isolate);
      }
    }
    if (selected.has('costcenters')) await isolate(['costcenters'], async () => void (await listDataSet(ctx, 'costcenters', (c) => keys.byId(toText(c.Code) ?? ''))));
    for (const [dataset, field] of [['projects', 'ProjectNumber'], ['customers', 'CustomerNumber'], ['suppliers', 'SupplierNumber'], ['articles', 'ArticleNumber']] as const) {
      if (selected.has(dataset)) await isolate([dataset], async () => void (await detailDataSet(ctx, plan, dataset, (i) => keys.byId(toText(i[field]) ?? ''))));
    }
    if (selected.has('invoices')) {
      let invoices: Awaited<ReturnType<typeof detailDataSet>> | null = null;
      await isolate(['invoices'], async () => {
        invoices = await detailDataSet(ctx, plan, 'invoices', (i) => keys.byId(toText(i.DocumentNumber) ?? ''));
      });
      if (invoices !== null) await isolate(['invoicepdfs'], () => invoicePdfs(ctx, invoices!));
      else await isolate(['invoicepdfs'], () => Promise.reject(new BackupError('BACKUP_DEPENDENCY_FAILED', 'the invoice list could not be read')));
    }
    if (selected.has('supplierinvoices')) await isolate(['supplierinvoices'], async () => void (await detailDataSet(ctx, plan, 'supplierinvoices', (i) => keys.byId(toText(i.GivenNumber) ?? ''))));
    if (selected.has('files')) {
      let supplier: Map<string, JsonObject> | null = null;
      let voucher: Map<string, JsonObject> | null = null;
      await isolate(['supplierinvoicefileconnections'], async () => {
        supplier = await listDataSet(ctx, 'supplierinvoicefileconnections', (c) => keys.byId(toText(c.FileId) ?? ''));
      });
      await isolate(['voucherfileconnections'], async () => {
        voucher = await listDataSet(ctx, 'voucherfileconnections', (c) => keys.byId(toText(c.FileId) ?? ''));
      });
      await isolate(['files', 'filecontents'], () => files(ctx, supplier, voucher));
      if (supplier === null || voucher === null) {
        for (const d of ['files', 'filecontents'] as const) if (!failed.has(d)) writer.markIncomplete(d, 'a file-connection list could not be read');
        for (const d of ['files', 'filecontents'] as const) if (ctx.tally(d).status === 'complete') ctx.tally(d).status = 'incomplete';
      }
    }
    await ctx.flush();
  } catch (err) {
    await writer.abort();
    const info = options.signal?.aborted === true ? { code: 'BACKUP_ABORTED', message: 'the run was cancelled; resume it with resumeRunId' } : errorInfo(err);
    const result = finish(ctx, 'failed', null, started, info);
    await finishBackupRun(db, tenantId, runId, { status: 'failed', requests: result.requests, bytesWritten: result.bytes, errors: 1, errorCode: info.code, errorMessage: info.message, finishedAt: now() });
    await recordDataSets(ctx, result, now());
    if (err instanceof FortnoxReconnectNeededError || info.code === 'BACKUP_ABORTED' || options.signal?.aborted === true) return result;
    throw err;
  }

  const snap = await writer.commit();
  try {
    await indexCommittedSnapshot(db, repo, snap);
  } catch (err) {
    // The snapshot is committed and safe; the index is a cache that can be rebuilt from the repository.
    ctx.warnings.push(`the snapshot was committed but not indexed (${errorInfo(err).message}); rebuild the index`);
  }
  const partial = [...ctx.tallies.values()].some((t) => t.status === 'failed' || t.status === 'incomplete');
  const result = finish(ctx, partial ? 'partial' : 'succeeded', snap.id, started);
  await recordDataSets(ctx, result, now());
  await finishBackupRun(db, tenantId, runId, {
    status: result.status,
    snapshotId: snap.id,
    records: result.datasets.reduce((s, d) => s + d.records, 0),
    recordsChanged: result.datasets.reduce((s, d) => s + d.added + d.changed + d.removed, 0),
    requests: result.requests,
    bytesWritten: result.bytes,
    errors: result.datasets.filter((d) => d.error !== undefined).length,
    finishedAt: now(),
  });
  await clearRunJournal(db, tenantId, runId);
  return result;
}

function finish(ctx: RunContext, status: BackupResult['status'], snapshotId: string | null, started: number, error?: { code: string; message: string }): BackupResult {
  const datasets = [...ctx.tallies.values()]
    .sort((a, b) => ALL.indexOf(a.dataset as SnapshotDataSet) - ALL.indexOf(b.dataset as SnapshotDataSet))
    .map((t) => ({
      dataset: t.dataset,
      status: t.status,
      records: t.records,
      fetched: t.fetched,
      requests: t.requests,
      bytes: t.bytes,
      added: t.added,
      changed: t.changed,
      removed: t.removed,
      ...(t.error === undefined ? {} : { error: t.error }),
    }));
  return {
    runId: ctx.runId,
    status,
    snapshotId,
    datasets,
    requests: ctx.requests,
    bytes: ctx.bytes,
    seconds: (performance.now() - started) / 1000,
    warnings: ctx.warnings,
    refreshed: ctx.refreshed,
    ...(error === undefined ? {} : { error }),
  };
}

async function recordDataSets(ctx: RunContext, result: BackupResult, at: Date): Promise<void> {
  const statusOf = { complete: 'succeeded', incomplete: 'partial', failed: 'failed', reused: 'skipped' } as const;
  for (const d of result.datasets) {
    const t = ctx.tally(d.dataset);
    await saveBackupRunDataset(ctx.db, ctx.tenantId, ctx.runId, d.dataset, {
      status: result.status === 'failed' && d.status === 'complete' ? 'failed' : statusOf[d.status],
      startedAt: t.startedAt,
      finishedAt: at,
      records: d.records,
      recordsChanged: d.added + d.changed + d.removed,
      requests: d.requests,
      bytesWritten: d.bytes,
      errorCode: d.error?.code ?? null,
      errorMessage: d.error?.message ?? null,
    });
  }
}
