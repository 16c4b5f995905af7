import type { Db } from '../db/open-database.ts';
import { journalRestoreItem, restoreJournal, type RestoreItemRow } from '../db/restore-runs.ts';
import { FortnoxError } from '../fortnox/index.ts';

/**
 * The run's journal in the database: an item is marked `writing` before its request goes to Fortnox
 * and `done`/`skipped`/`failed` after. A re-run finds `writing` items and looks in Fortnox before
 * writing them again, so a crash between the write and the journal entry creates no duplicate.
 */
export class Journal {
  readonly #db: Db;
  readonly #tenantId: string;
  readonly #runId: string;
  readonly #rows: Map<string, RestoreItemRow>;

  private constructor(db: Db, tenantId: string, runId: string, rows: Map<string, RestoreItemRow>) {
    this.#db = db;
    this.#tenantId = tenantId;
    this.#runId = runId;
    this.#rows = rows;
  }

  static async open(db: Db, tenantId: string, runId: string): Promise<Journal> {
    return new Journal(db, tenantId, runId, await restoreJournal(db, tenantId, runId));
  }

  get(item: string): RestoreItemRow | undefined {
    return this.#rows.get(item);
  }

  /** Finished in an earlier attempt (done or skipped): not to be touched again. */
  finished(item: string): RestoreItemRow | undefined {
    const row = this.#rows.get(item);
    return row !== undefined && (row.status === 'done' || row.status === 'skipped') ? row : undefined;
  }

  writing(item: string, expectedKey: string | null = null): Promise<void> {
    return this.#set(item, { status: 'writing', expectedKey, newKey: null, message: null, fortnoxCode: null });
  }

  done(item: string, newKey: string | null = null, message: string | null = null): Promise<void> {
    return this.#set(item, { status: 'done', expectedKey: this.#rows.get(item)?.expectedKey ?? null, newKey, message, fortnoxCode: null });
  }

  skipped(item: string, message: string): Promise<void> {
    return this.#set(item, { status: 'skipped', expectedKey: null, newKey: null, message, fortnoxCode: null });
  }

  failed(item: string, err: unknown): Promise<void> {
    const { message, fortnoxCode } = describeFailure(err);
    return this.#set(item, { status: 'failed', expectedKey: this.#rows.get(item)?.expectedKey ?? null, newKey: null, message, fortnoxCode: fortnoxCode ?? null });
  }

  async #set(item: string, row: Omit<RestoreItemRow, 'item' | 'updatedAt'>): Promise<void> {
    const at = new Date();
    await journalRestoreItem(this.#db, this.#tenantId, this.#runId, item, { ...row, at });
    this.#rows.set(item, { item, ...row, updatedAt: at.toISOString() });
  }
}

/** Fortnox's own words when it refused, otherwise our error's message. */
export function describeFailure(err: unknown): { message: string; fortnoxCode?: number } {
  if (err instanceof FortnoxError) return { message: err.fortnoxMessage ?? err.message, ...(err.fortnoxCode === undefined ? {} : { fortnoxCode: err.fortnoxCode }) };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** Errors after which going on makes no sense (the connection is gone or Fortnox is unreachable). */
export function isFatal(err: unknown): boolean {
  if (!(err instanceof FortnoxError)) return true;
  return ['FORTNOX_RECONNECT_NEEDED', 'FORTNOX_UNAUTHORIZED', 'FORTNOX_RATE_LIMITED', 'FORTNOX_NETWORK', 'FORTNOX_SERVER_ERROR', 'FORTNOX_TOKEN_CONFLICT'].includes(err.code);
}
