/**
 * Exports started from the web run in the web process, one per company at a time: the row in `exports`
 * says `running` and is updated with files and bytes as the ZIP grows (at most twice a second), then
 * `succeeded` with its path or `failed` with the error. The ZIP is written to `<id>.zip.partial` and
 * renamed when complete, so a file named `.zip` is always whole.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { AppContext } from '../app.ts';
import { exportSnapshot } from '../export/export.ts';
import { exportDir, exportFile, failInterruptedExports, insertExport, pruneExports, runningExport, updateExport } from './export-store.ts';

const PROGRESS_EVERY_MS = 500;

/** What a running export has done so far (also in the database, less often). */
export interface ExportProgressNow {
  readonly files: number;
  readonly bytes: number;
  /** Files the ZIP will roughly hold, from the snapshot's counts; for a progress bar, never exact. */
  readonly estimatedFiles: number;
}

export class ExportBusyError extends Error {
  readonly exportId: string | undefined;
  constructor(exportId: string | undefined) {
    super('An export of this company is already running');
    this.exportId = exportId;
  }
}

export class ExportTasks {
  readonly #app: AppContext;
  readonly #now: () => Date;
  /** tenant id → the running export of this process. */
  readonly #running = new Map<string, { id: string; progress: ExportProgressNow; out: WriteStream | undefined; done: Promise<void> }>();
  #closing = false;

  constructor(app: AppContext, now: () => Date) {
    this.#app = app;
    this.#now = now;
  }

  /** Marks exports a previous process left `running` as failed. */
  async recover(): Promise<void> {
    await failInterruptedExports(this.#app.db, this.#now());
  }

  progress(tenantId: string, id: string): ExportProgressNow | undefined {
    const task = this.#running.get(tenantId);
    return task?.id === id ? task.progress : undefined;
  }

  /**
   * Starts exporting a snapshot of the tenant and returns the export id at once. Throws ExportBusyError
   * when the tenant already has an export running.
   */
  async start(tenantId: string, snapshotId: string, estimatedFiles: number, createdBy: string): Promise<string> {
    if (this.#closing) throw new Error('The server is shutting down');
    // Reserved before the first await, so two requests at once cannot both start one.
    if (this.#running.has(tenantId)) throw new ExportBusyError(this.#running.get(tenantId)?.id);
    const id = randomUUID();
    const task = { id, progress: { files: 0, bytes: 0, estimatedFiles }, out: undefined as WriteStream | undefined, done: Promise.resolve() };
    this.#running.set(tenantId, task);
    try {
      const other = await runningExport(this.#app.db, tenantId);
      if (other !== undefined) throw new ExportBusyError(other.id);
      await pruneExports(this.#app.db, tenantId, this.#now());
      await insertExport(this.#app.db, { tenantId, id, snapshotId, createdBy, createdAt: this.#now() });
    } catch (err) {
      this.#running.delete(tenantId);
      throw err;
    }
    task.done = this.#run(tenantId, id, snapshotId, task).finally(() => this.#running.delete(tenantId));
    return id;
  }

  async #run(tenantId: string, id: string, snapshotId: string, task: { progress: ExportProgressNow; out: WriteStream | undefined }): Promise<void> {
    const db = this.#app.db;
    const path = exportFile(this.#app.config.dataDir, tenantId, id);
    const partial = `${path}.partial`;
    let lastWrite = 0;
    let writing: Promise<void> = Promise.resolve();
    try {
      await mkdir(exportDir(this.#app.config.dataDir, tenantId), { recursive: true, mode: 0o700 });
      const repo = await this.#app.repositoryFor(tenantId);
      const out = createWriteStream(partial, { mode: 0o600 });
      task.out = out;
      const summary = await exportSnapshot(repo, tenantId, snapshotId, out, {
        onProgress: (p) => {
          task.progress = { ...task.progress, files: p.files, bytes: p.bytesOut };
          const now = Date.now();
          if (now - lastWrite < PROGRESS_EVERY_MS) return;
          lastWrite = now;
          // One update at a time; a slow database skips progress rather than queueing it.
          writing = writing.then(() => updateExport(db, tenantId, id, { files: p.files, bytes: p.bytesOut })).catch(() => undefined);
        },
      });
      await writing;
      if (this.#closing) throw new Error('The server shut down while the export ran. Start it again.');
      await rename(partial, path);
      await updateExport(db, tenantId, id, { status: 'succeeded', files: summary.files + 1, bytes: summary.bytesOut, path, finishedAt: this.#now() });
    } catch (err) {
      await writing;
      task.out?.destroy();
      await rm(partial, { force: true });
      const message = err instanceof Error ? err.message : String(err);
      await updateExport(db, tenantId, id, { status: 'failed', errorMessage: message, finishedAt: this.#now() }).catch(() => undefined);
    }
  }

  /** Stops running exports (they are marked failed) and waits for them to end. */
  async close(): Promise<void> {
    this.#closing = true;
    const tasks = [...this.#running.values()];
    for (const t of tasks) t.out?.destroy(new Error('The server shut down while the export ran. Start it again.'));
    await Promise.all(tasks.map((t) => t.done));
  }

  /** Waits for a tenant's running export (tests). */
  async idle(tenantId: string): Promise<void> {
    await this.#running.get(tenantId)?.done;
  }
}
