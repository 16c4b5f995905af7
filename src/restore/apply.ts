import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open-database.ts';
import { createRestoreRun, getRestoreRun, updateRestoreRun } from '../db/restore-runs.ts';
import { FortnoxBadRequestError, FortnoxNotFoundError, FortnoxWriteUncertainError, type FortnoxReader, type FortnoxWriter, type JsonObject } from '../fortnox/index.ts';
import { RestoreError } from './errors.ts';
import { registerId, sameValue } from './fields.ts';
import { describeFailure, isFatal, Journal } from './journal.ts';
import type { PlanItem, RestorePlan } from './plan.ts';
import { reportStatus, type ReportItem, type RestoreReport } from './report.ts';

/** Fortnox's "number already used" (deleted numbers stay reserved too). */
export const NUMBER_IN_USE = 2000637;

/**
 * Takes the undo point: a backup of the given data sets, returning its snapshot id. The CLI passes one
 * built on the backup engine; without it the restore goes ahead with a warning in the report.
 */
export type UndoSnapshot = (datasets: readonly string[]) => Promise<string | null>;

export interface ApplyOptions {
  readonly db: Db;
  /** Our tenant id (the database's), which is also the Fortnox company written to. */
  readonly tenantId: string;
  readonly reader: FortnoxReader;
  readonly writer: FortnoxWriter;
  /** A fresh plan, or omit it and give `resumeRunId` to go on with an interrupted run's plan. */
  readonly plan?: RestorePlan;
  readonly resumeRunId?: string;
  readonly undoSnapshot?: UndoSnapshot;
  readonly startedBy?: string;
  readonly runId?: string;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly onItem?: (item: ReportItem, index: number, total: number) => void;
}

/**
 * Applies a register plan to the same company: first the undo snapshot, then every create and update in
 * the plan's order (references first), journalled so that a re-run (`resumeRunId`) after a crash writes
 * nothing twice. A failed item is reported with Fortnox's message and the run goes on; a lost
 * connection or an exhausted rate limit stops it (resumable).
 */
export async function applyRestore(options: ApplyOptions): Promise<RestoreReport> {
  const now = options.now ?? (() => new Date());
  const { db, tenantId } = options;
  let runId: string;
  let plan: RestorePlan;
  let undoSnapshotId: string | null = null;
  let startedAt: string;
  const warnings: string[] = [];
  if (options.resumeRunId !== undefined) {
    const run = await getRestoreRun(db, tenantId, options.resumeRunId);
    if (run === undefined || run.kind !== 'registers') throw new RestoreError('RESTORE_NO_SUCH_RUN', `No register restore run ${options.resumeRunId} for tenant ${tenantId}.`, { exitCode: 2 });
    runId = run.id;
    plan = JSON.parse(run.planJson) as RestorePlan;
    undoSnapshotId = run.undoSnapshotId;
    startedAt = run.startedAt;
    await updateRestoreRun(db, tenantId, runId, { status: 'running', finishedAt: null });
  } else {
    if (options.plan === undefined) throw new RangeError('applyRestore needs a plan or a resumeRunId');
    plan = options.plan;
    runId = options.runId ?? randomUUID();
    startedAt = now().toISOString();
    await createRestoreRun(db, {
      tenantId, id: runId, kind: 'registers', snapshotId: plan.snapshotId, sourceTenantId: tenantId, planJson: JSON.stringify(plan),
      startedBy: options.startedBy ?? null, startedAt,
    });
  }

  const writes = plan.items.filter((i) => i.action === 'create' || i.action === 'update');
  if (undoSnapshotId === null && writes.length > 0) {
    const datasets = [...new Set(writes.map((i) => i.dataset))];
    if (options.undoSnapshot === undefined) {
      warnings.push('No undo snapshot was taken (the backup engine was not available); take a backup before relying on this restore.');
    } else {
      undoSnapshotId = await options.undoSnapshot(datasets);
      await updateRestoreRun(db, tenantId, runId, { undoSnapshotId });
    }
  }

  const journal = await Journal.open(db, tenantId, runId);
  const items: ReportItem[] = [];
  let fatal: unknown;
  for (const [index, item] of plan.items.entries()) {
    let result: ReportItem;
    if (fatal !== undefined) {
      result = { dataset: item.dataset, key: item.key, status: 'skipped', message: 'not attempted: the run stopped (resume it)' };
    } else {
      try {
        options.signal?.throwIfAborted();
        result = await applyRegisterItem(options.reader, options.writer, journal, item, options.signal);
      } catch (err) {
        fatal = err;
        result = { dataset: item.dataset, key: item.key, status: 'failed', ...describeFailure(err) };
      }
    }
    items.push(result);
    options.onItem?.(result, index, plan.items.length);
  }
  if (fatal !== undefined) warnings.push(`The run stopped early: ${describeFailure(fatal).message}. Run it again with --resume ${runId}.`);

  const report: RestoreReport = {
    runId, kind: 'registers', tenantId, sourceTenantId: tenantId, snapshotId: plan.snapshotId, undoSnapshotId, startedAt,
    finishedAt: now().toISOString(), status: fatal === undefined ? reportStatus(items) : 'failed', warnings, items, numberMaps: {}, sieFiles: [],
    notRestored: [],
  };
  await updateRestoreRun(db, tenantId, runId, { status: report.status, reportJson: JSON.stringify(report), finishedAt: report.finishedAt });
  return report;
}

export function itemId(dataset: string, key: string, action: string): string {
  return `${dataset}:${key}:${action}`;
}

/** One register item. Throws only for fatal errors; Fortnox's refusals become failed items. */
export async function applyRegisterItem(reader: FortnoxReader, writer: FortnoxWriter, journal: Journal, item: PlanItem, signal?: AbortSignal): Promise<ReportItem> {
  const base = { dataset: item.dataset, key: item.key };
  if (item.action === 'unchanged') return { ...base, status: 'unchanged' };
  if (item.action === 'blocked') return { ...base, status: 'failed', message: item.message ?? 'blocked' };
  const id = itemId(item.dataset, item.key, item.action);
  const doneStatus = item.action === 'create' ? 'created' : 'updated';
  const previous = journal.get(id);
  if (previous?.status === 'done') return { ...base, status: doneStatus, message: 'written by an earlier attempt of this run' };
  if (previous?.status === 'writing') {
    // The last attempt sent it but crashed before journalling the answer: look before writing again.
    const state = await matches(reader, item, signal);
    if (state === 'equal') {
      await journal.done(id, null, 'found in Fortnox after an interrupted attempt');
      return { ...base, status: doneStatus, message: 'found in Fortnox after an interrupted attempt' };
    }
    if (state === 'exists' && item.action === 'create') return await write(writer, reader, journal, { ...item, action: 'update' }, id, doneStatus, signal);
  }
  return await write(writer, reader, journal, item, id, doneStatus, signal);
}

async function write(writer: FortnoxWriter, reader: FortnoxReader, journal: Journal, item: PlanItem, id: string, doneStatus: 'created' | 'updated', signal?: AbortSignal): Promise<ReportItem> {
  const base = { dataset: item.dataset, key: item.key };
  await journal.writing(id);
  try {
    if (item.action === 'create') {
      const financialYear = item.dataset === 'accounts' ? Number(item.key.split('/')[0]) : undefined;
      await writer.create(item.dataset, item.body, { financialYear, signal });
    } else {
      await writer.update(item.dataset, registerId(item.dataset, item.key), item.body, { signal });
    }
    await journal.done(id);
    return { ...base, status: doneStatus };
  } catch (err) {
    if (err instanceof FortnoxWriteUncertainError || (err instanceof FortnoxBadRequestError && err.fortnoxCode === NUMBER_IN_USE)) {
      // Either our create may have landed, or the number is taken: what Fortnox holds now decides.
      const state = await matches(reader, item, signal);
      if (state === 'equal') {
        await journal.done(id, null, 'already in Fortnox');
        return { ...base, status: doneStatus, message: 'already in Fortnox' };
      }
      if (err instanceof FortnoxWriteUncertainError) {
        // Left as `writing`: the next attempt looks again before it writes.
        return { ...base, status: 'failed', message: `${describeFailure(err).message}; Fortnox does not hold it yet: run again to retry` };
      }
    }
    if (isFatal(err)) throw err;
    await journal.failed(id, err);
    return { ...base, status: 'failed', ...describeFailure(err) };
  }
}

/** Whether Fortnox now holds every field the item writes. */
async function matches(reader: FortnoxReader, item: PlanItem, signal?: AbortSignal): Promise<'equal' | 'exists' | 'missing'> {
  let current: JsonObject;
  try {
    current = await reader.detail(item.dataset, registerId(item.dataset, item.key), { signal });
  } catch (err) {
    if (err instanceof FortnoxNotFoundError) return 'missing';
    throw err;
  }
  return Object.entries(item.body).every(([k, v]) => sameValue(current[k], v)) ? 'equal' : 'exists';
}
