/**
 * The deletion job (DESIGN.md §7): every tenant whose deletion has fallen due (`deletion_due_at <= now`,
 * set on termination, or at once by an immediate deletion that a crash interrupted) and is not yet
 * deleted is deleted and certified. The server runs it every hour.
 */
import type { AppContext } from '../app.ts';
import type { Mailer } from '../mail/mailer.ts';
import { deleteTenantData, type DeletionCertificate } from './delete-tenant.ts';
import { startPeriodic } from '../jobs/periodic.ts';

export interface DeletionJobOptions {
  readonly now?: Date;
  readonly mailer?: Mailer;
  readonly publicUrl?: string;
  readonly log?: (line: string) => void;
  /**
   * Whether a job (a backup, a restore's undo backup) is running for the tenant now: such a tenant is
   * left for the next run, so nothing writes to its repository while it is deleted.
   */
  readonly busy?: (tenantId: string) => Promise<boolean>;
}

export interface DeletionJobResult {
  readonly deleted: DeletionCertificate[];
  /** Tenants due but busy: tried again next run. */
  readonly postponed: string[];
  readonly failed: { readonly tenantId: string; readonly error: string }[];
}

/** The tenants whose deletion is due at `now` and not done. */
export async function dueForDeletion(app: AppContext, now: Date): Promise<string[]> {
  const rows = await app.db
    .selectFrom('tenants')
    .select('id')
    .where('status', '!=', 'deleted')
    .where('deletion_due_at', 'is not', null)
    .where('deletion_due_at', '<=', now.toISOString())
    .orderBy('deletion_due_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Deletes every due tenant; one failure is logged and does not stop the others (they are tried next run). */
export async function runDeletionJob(app: AppContext, options: DeletionJobOptions = {}): Promise<DeletionJobResult> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? new Date();
  const result: DeletionJobResult = { deleted: [], postponed: [], failed: [] };
  for (const tenantId of await dueForDeletion(app, now)) {
    if (options.busy !== undefined && (await options.busy(tenantId))) {
      result.postponed.push(tenantId);
      continue;
    }
    try {
      const { certificate } = await deleteTenantData(app, tenantId, {
        reason: { kind: 'termination' },
        now,
        log,
        ...(options.mailer === undefined ? {} : { mailer: options.mailer }),
        ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
      });
      result.deleted.push(certificate);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log(`deleting tenant ${tenantId} failed, trying again next run: ${error}`);
      result.failed.push({ tenantId, error });
    }
  }
  return result;
}

export interface DeletionScheduler {
  /** Runs the job now (after any run in progress). */
  runOnce(): Promise<DeletionJobResult>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs the deletion job every `intervalMs` (default an hour), the first time one interval after start.
 * The options' `publicUrl` and `now` are read on every run.
 */
export function startDeletionJob(
  app: AppContext,
  options: { readonly intervalMs?: number; readonly now?: () => Date; readonly mailer?: Mailer; readonly publicUrl?: () => string; readonly log?: (line: string) => void; readonly busy?: (tenantId: string) => Promise<boolean> } = {},
): DeletionScheduler {
  const log = options.log ?? (() => undefined);
  return startPeriodic(
    'the deletion job',
    () =>
      runDeletionJob(app, {
        now: (options.now ?? (() => new Date()))(),
        log,
        ...(options.mailer === undefined ? {} : { mailer: options.mailer }),
        ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl() }),
        ...(options.busy === undefined ? {} : { busy: options.busy }),
      }),
    { intervalMs: options.intervalMs ?? 60 * 60 * 1000, log },
  );
}
