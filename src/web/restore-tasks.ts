/**
 * Register restores started from the web run in the web process, one per company at a time, through
 * the same `applyRestore` as the CLI: the undo snapshot first (a backup of the data sets about to be
 * written), then every item journalled in `restore_items`. Progress is read from that journal, so it is
 * the same whoever asks. A run that fails before `applyRestore` could record it still gets a run row
 * with the error, so the page that follows the run always has something to show.
 *
 * Restores into a new, empty company go the same way through `restoreNewCompany` (journalled per item,
 * resumable from the CLI), one at a time per target company and never beside a register restore of it.
 * There is no undo point: the target was empty. Their progress counts the report's items as the service
 * hands them over, against the snapshot's record counts.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app.ts';
import { createRestoreRun, getRestoreRun, restoreJournal, updateRestoreRun } from '../db/restore-runs.ts';
import { applyRestore } from '../restore/apply.ts';
import { restoreNewCompany } from '../restore/new-company.ts';
import type { RestorePlan } from '../restore/plan.ts';
import type { RestoreReport } from '../restore/report.ts';
import { undoSnapshotByQueue } from '../jobs/undo-snapshot.ts';
import type { JobQueue } from '../jobs/index.ts';

export class RestoreBusyError extends Error {
  readonly runId: string;
  constructor(runId: string) {
    super('A restore of this company is already running');
    this.runId = runId;
  }
}

export interface RestoreProgress {
  /** Items the plan writes (creates and updates). */
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly writing: number;
}

export interface NewCompanyStart {
  readonly source: { readonly tenantId: string };
  readonly target: { readonly tenantId: string };
  readonly snapshotId: string;
  /** Items the run is expected to report (the snapshot's records of the data sets it restores). */
  readonly expected: number;
  /** Where the service writes the SIE files for what Fortnox refuses. */
  readonly outDir: (runId: string) => string;
  readonly startedBy: string;
}

export interface NewCompanyProgress {
  readonly total: number;
  /** Items reported so far (written, unchanged, skipped or failed). */
  readonly done: number;
  readonly failed: number;
  readonly writing: number;
}

export class RestoreTasks {
  readonly #app: AppContext;
  readonly #now: () => Date;
  /** tenant id → its running restore in this process. */
  readonly #running = new Map<string, { runId: string; abort: AbortController; done: Promise<void> }>();
  /** run id → a running new-company restore's item counts (a finished run's are in its report). */
  readonly #newCompany = new Map<string, { total: number; done: number; failed: number }>();
  #closing = false;

  readonly #queue: JobQueue;

  constructor(app: AppContext, queue: JobQueue, now: () => Date) {
    this.#app = app;
    this.#queue = queue;
    this.#now = now;
  }

  /** Whether this process is running the given run (a `running` row that is not here was interrupted). */
  isRunning(tenantId: string, runId: string): boolean {
    return this.#running.get(tenantId)?.runId === runId;
  }

  /** Starts applying the plan and returns the run id at once; throws RestoreBusyError when one runs. */
  async start(tenantId: string, plan: RestorePlan, startedBy: string): Promise<string> {
    if (this.#closing) throw new Error('The server is shutting down');
    const busy = this.#running.get(tenantId);
    if (busy !== undefined) throw new RestoreBusyError(busy.runId);
    const runId = randomUUID();
    const abort = new AbortController();
    const task = { runId, abort, done: Promise.resolve() };
    this.#running.set(tenantId, task);
    try {
      const [reader, writer] = await Promise.all([this.#app.readerFor(tenantId), this.#app.writerFor(tenantId)]);
      task.done = applyRestore({
        db: this.#app.db, tenantId, reader, writer, plan, runId, startedBy, signal: abort.signal, now: this.#now,
        // The undo backup runs on the server's queue, never beside the tenant's nightly backup.
        undoSnapshot: undoSnapshotByQueue(this.#queue, tenantId, { signal: abort.signal }),
      })
        .then(() => undefined)
        .catch((err: unknown) => this.#failed(tenantId, runId, plan, startedBy, err))
        .finally(() => this.#running.delete(tenantId));
    } catch (err) {
      this.#running.delete(tenantId);
      throw err;
    }
    return runId;
  }

  /**
   * Starts restoring the snapshot into the target (which the caller has checked: visible, connected,
   * empty; the service checks emptiness again) and returns the run id at once; the run row belongs to
   * the target company. Throws RestoreBusyError when a restore of the target runs.
   */
  async startNewCompany(o: NewCompanyStart): Promise<string> {
    if (this.#closing) throw new Error('The server is shutting down');
    const tenantId = o.target.tenantId;
    const busy = this.#running.get(tenantId);
    if (busy !== undefined) throw new RestoreBusyError(busy.runId);
    const runId = randomUUID();
    const abort = new AbortController();
    const task = { runId, abort, done: Promise.resolve() };
    const counts = { total: o.expected, done: 0, failed: 0 };
    this.#running.set(tenantId, task);
    this.#newCompany.set(runId, counts);
    try {
      const [repository, reader, writer] = await Promise.all([
        this.#app.repositoryFor(o.source.tenantId), this.#app.readerFor(tenantId), this.#app.writerFor(tenantId),
      ]);
      task.done = restoreNewCompany({
        db: this.#app.db, source: { tenantId: o.source.tenantId, repository }, snapshotId: o.snapshotId, target: { tenantId, reader, writer },
        outDir: o.outDir(runId), runId, startedBy: o.startedBy, now: this.#now, signal: abort.signal,
        onItem: (item) => {
          counts.done++;
          if (item.status === 'failed') counts.failed++;
        },
      })
        .then(() => undefined)
        .catch((err: unknown) => this.#failedNewCompany(o, runId, err))
        .finally(() => {
          this.#running.delete(tenantId);
          this.#newCompany.delete(runId);
        });
    } catch (err) {
      this.#running.delete(tenantId);
      this.#newCompany.delete(runId);
      throw err;
    }
    return runId;
  }

  /** A new-company restore that threw (the target was not empty after all, a lost connection before its run row …). */
  async #failedNewCompany(o: NewCompanyStart, runId: string, err: unknown): Promise<void> {
    const db = this.#app.db;
    const tenantId = o.target.tenantId;
    const message = err instanceof Error ? err.message : String(err);
    try {
      let run = await getRestoreRun(db, tenantId, runId);
      run ??= await createRestoreRun(db, {
        tenantId, id: runId, kind: 'new_company', snapshotId: o.snapshotId, sourceTenantId: o.source.tenantId,
        planJson: JSON.stringify({ snapshotId: o.snapshotId, sourceTenantId: o.source.tenantId }), startedBy: o.startedBy, startedAt: this.#now().toISOString(),
      });
      const finishedAt = this.#now().toISOString();
      const report: RestoreReport = {
        runId, kind: 'new_company', tenantId, sourceTenantId: o.source.tenantId, snapshotId: o.snapshotId, undoSnapshotId: null, startedAt: run.startedAt,
        finishedAt, status: 'failed', warnings: [message], items: [], numberMaps: {}, sieFiles: [], notRestored: [],
      };
      await updateRestoreRun(db, tenantId, runId, { status: 'failed', reportJson: JSON.stringify(report), finishedAt });
    } catch {
      // The database is gone too (shutting down): the run stays `running` and can be resumed from the CLI.
    }
  }

  /** A new-company run's progress as this process has seen it (undefined for a run of another process). */
  newCompanyProgress(runId: string): NewCompanyProgress | undefined {
    const c = this.#newCompany.get(runId);
    if (c === undefined) return undefined;
    return { total: Math.max(c.total, c.done), done: c.done - c.failed, failed: c.failed, writing: 0 };
  }

  /** An apply that threw (no undo point, a lost connection before the first item …): the run says why. */
  async #failed(tenantId: string, runId: string, plan: RestorePlan, startedBy: string, err: unknown): Promise<void> {
    const db = this.#app.db;
    const message = err instanceof Error ? err.message : String(err);
    try {
      let run = await getRestoreRun(db, tenantId, runId);
      run ??= await createRestoreRun(db, {
        tenantId, id: runId, kind: 'registers', snapshotId: plan.snapshotId, sourceTenantId: tenantId, planJson: JSON.stringify(plan), startedBy,
        startedAt: this.#now().toISOString(),
      });
      const finishedAt = this.#now().toISOString();
      const report: RestoreReport = {
        runId, kind: 'registers', tenantId, sourceTenantId: tenantId, snapshotId: plan.snapshotId, undoSnapshotId: run.undoSnapshotId, startedAt: run.startedAt,
        finishedAt, status: 'failed', warnings: [message], items: [], numberMaps: {}, sieFiles: [], notRestored: [],
      };
      await updateRestoreRun(db, tenantId, runId, { status: 'failed', reportJson: JSON.stringify(report), finishedAt });
    } catch {
      // The database is gone too (shutting down): the run stays `running` and can be resumed from the CLI.
    }
  }

  /** The run's progress from its journal. */
  async progress(tenantId: string, runId: string, plan: RestorePlan): Promise<RestoreProgress> {
    const journal = await restoreJournal(this.#app.db, tenantId, runId);
    let done = 0;
    let failed = 0;
    let writing = 0;
    for (const row of journal.values()) {
      if (row.status === 'done' || row.status === 'skipped') done++;
      else if (row.status === 'failed') failed++;
      else writing++;
    }
    const total = plan.items.filter((i) => i.action === 'create' || i.action === 'update').length;
    return { total, done, failed, writing };
  }

  /** Stops running restores (resumable from the CLI) and waits for them. */
  async close(): Promise<void> {
    this.#closing = true;
    const tasks = [...this.#running.values()];
    for (const t of tasks) t.abort.abort(new Error('The server shut down during the restore; resume it with `noxbackup restore apply --resume`.'));
    await Promise.all(tasks.map((t) => t.done));
  }
}
