import type { Kysely } from 'kysely';
import type { Db } from './open-database.ts';

/** The `verification_runs` table (migration 0003). */
export interface VerificationRunsTable {
  tenant_id: string;
  id: string;
  /** `cli`, `schedule`, … */
  trigger: string;
  started_at: string;
  finished_at: string;
  /** The snapshot whose books were checked, if any. */
  snapshot_id: string | null;
  /** 1 when no errors were found (warnings allowed). */
  ok: number;
  errors: number;
  warnings: number;
  /** Read-and-decrypt: the percentage, and which of how many slots this run read; null when no data was read. */
  read_percent: number | null;
  read_slot: number | null;
  read_slots: number | null;
  packs_read: number;
  bytes_read: number;
  /** The whole report (src/verify/report.ts VerificationReport) as JSON. */
  report_json: string;
}

export interface VerificationRun {
  readonly tenantId: string;
  readonly id: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly snapshotId: string | null;
  readonly ok: boolean;
  readonly errors: number;
  readonly warnings: number;
  readonly readPercent: number | null;
  readonly readSlot: number | null;
  readonly readSlots: number | null;
  readonly packsRead: number;
  readonly bytesRead: number;
  readonly report: unknown;
}

// The table is typed here rather than in database.ts so this module stands alone.
type VDb = Kysely<{ verification_runs: VerificationRunsTable }>;
const v = (db: Db): VDb => db as unknown as VDb;

export async function saveVerificationRun(db: Db, run: Omit<VerificationRun, 'report'> & { report: unknown }): Promise<void> {
  await v(db)
    .insertInto('verification_runs')
    .values({
      tenant_id: run.tenantId,
      id: run.id,
      trigger: run.trigger,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      snapshot_id: run.snapshotId,
      ok: run.ok ? 1 : 0,
      errors: run.errors,
      warnings: run.warnings,
      read_percent: run.readPercent,
      read_slot: run.readSlot,
      read_slots: run.readSlots,
      packs_read: run.packsRead,
      bytes_read: run.bytesRead,
      report_json: JSON.stringify(run.report),
    })
    .execute();
}

/** A tenant's verification runs, newest first (without their reports unless asked). */
export async function listVerificationRuns(db: Db, tenantId: string, options: { limit?: number; withReports?: boolean } = {}): Promise<VerificationRun[]> {
  const rows = await v(db)
    .selectFrom('verification_runs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
  return rows.map((r) => toRun(r, options.withReports === true));
}

export async function getVerificationRun(db: Db, tenantId: string, id: string): Promise<VerificationRun | undefined> {
  const row = await v(db).selectFrom('verification_runs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRun(row, true);
}

/** The slot the last sampled run with this many slots read, so the next one reads the next. */
export async function lastReadSlot(db: Db, tenantId: string, slots: number): Promise<number | undefined> {
  const row = await v(db)
    .selectFrom('verification_runs')
    .select('read_slot')
    .where('tenant_id', '=', tenantId)
    .where('read_slots', '=', slots)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.read_slot ?? undefined;
}

function toRun(r: VerificationRunsTable, withReport: boolean): VerificationRun {
  return {
    tenantId: r.tenant_id,
    id: r.id,
    trigger: r.trigger,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    snapshotId: r.snapshot_id,
    ok: r.ok === 1,
    errors: Number(r.errors),
    warnings: Number(r.warnings),
    readPercent: r.read_percent === null ? null : Number(r.read_percent),
    readSlot: r.read_slot === null ? null : Number(r.read_slot),
    readSlots: r.read_slots === null ? null : Number(r.read_slots),
    packsRead: Number(r.packs_read),
    bytesRead: Number(r.bytes_read),
    report: withReport ? (JSON.parse(r.report_json) as unknown) : undefined,
  };
}
