import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AlertSeverity, AlertsTable } from './database.ts';
import type { Db } from './open-database.ts';

/** A bank-detail field of a supplier as it was and as it is (null: empty). */
export interface BankFieldChange {
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** What each kind of alert says, stored as `details_json`. */
export interface AlertDetailsByKind {
  backup_failed: { readonly runId: string | null; readonly code: string; readonly message: string };
  reconnect_needed: { readonly runId: string | null; readonly code: string | null; readonly reason: string | null };
  supplier_bank_changed: { readonly supplierNumber: string; readonly name: string; readonly changes: readonly BankFieldChange[] };
  mass_deletion: { readonly dataset: string; readonly deleted: number; readonly before: number };
  /** The subscription was terminated: the service ends at `noticeEndsAt`, the backups are deleted at `deletionDueAt`. */
  deletion_scheduled: { readonly noticeEndsAt: string; readonly deletionDueAt: string };
}

export type AlertKind = keyof AlertDetailsByKind;

/** Kinds that describe a state rather than an event: at most one of each is unresolved per tenant. */
const STATE_KINDS: ReadonlySet<string> = new Set<AlertKind>(['backup_failed', 'reconnect_needed', 'deletion_scheduled']);

interface AlertBase {
  readonly id: string;
  readonly tenantId: string;
  readonly severity: AlertSeverity;
  readonly runId: string | null;
  readonly snapshotId: string | null;
  readonly createdAt: string;
  readonly resolvedAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly notifiedAt: string | null;
}

/** An alert with its details parsed; `kind` tells which details it carries. */
export type Alert = { [K in AlertKind]: AlertBase & { readonly kind: K; readonly details: AlertDetailsByKind[K] } }[AlertKind];

export type NewAlert = {
  [K in AlertKind]: {
    readonly tenantId: string;
    readonly kind: K;
    readonly severity: AlertSeverity;
    readonly details: AlertDetailsByKind[K];
    readonly runId?: string | null | undefined;
    readonly snapshotId?: string | null | undefined;
    readonly at?: Date | undefined;
  };
}[AlertKind];

/**
 * Records an alert and returns it. For `backup_failed` and `reconnect_needed`, while one of the same
 * kind is unresolved for the tenant (acknowledged or not) that one is returned and nothing is written:
 * a customer told once that the nightly backup fails is not told again every night. A tenant's backups
 * run one at a time, so the check and the insert need no lock.
 */
export async function raiseAlert(db: Db, alert: NewAlert): Promise<{ alert: Alert; created: boolean }> {
  if (STATE_KINDS.has(alert.kind)) {
    const open = await db
      .selectFrom('alerts')
      .selectAll()
      .where('tenant_id', '=', alert.tenantId)
      .where('kind', '=', alert.kind)
      .where('resolved_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst();
    if (open !== undefined) return { alert: toAlert(open), created: false };
  }
  const row = {
    id: randomUUID(),
    tenant_id: alert.tenantId,
    kind: alert.kind,
    severity: alert.severity,
    details_json: JSON.stringify(alert.details),
    run_id: alert.runId ?? null,
    snapshot_id: alert.snapshotId ?? null,
    created_at: (alert.at ?? new Date()).toISOString(),
    resolved_at: null,
    acknowledged_at: null,
    acknowledged_by: null,
    notified_at: null,
  };
  await db.insertInto('alerts').values(row).execute();
  return { alert: toAlert(row), created: true };
}

export interface ListAlertsOptions {
  /** true: only alerts neither resolved nor acknowledged (what still needs someone); false: only the others. */
  readonly open?: boolean | undefined;
  /** At most this many (default 100). */
  readonly limit?: number | undefined;
  /** The id of the last alert of the previous page: only alerts listed after it. */
  readonly before?: string | undefined;
}

/** The alerts of the given tenants (never of others), newest first. */
export async function listAlerts(db: Db, tenantIds: readonly string[], options: ListAlertsOptions = {}): Promise<Alert[]> {
  if (tenantIds.length === 0) return [];
  let q = db
    .selectFrom('alerts')
    .selectAll()
    .where('tenant_id', 'in', tenantIds)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100);
  if (options.open === true) q = q.where('resolved_at', 'is', null).where('acknowledged_at', 'is', null);
  if (options.open === false) q = q.where((eb) => eb.or([eb('resolved_at', 'is not', null), eb('acknowledged_at', 'is not', null)]));
  if (options.before !== undefined) {
    const cursor = await db.selectFrom('alerts').select(['created_at', 'id']).where('tenant_id', 'in', tenantIds).where('id', '=', options.before).executeTakeFirst();
    if (cursor === undefined) return [];
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', cursor.created_at), eb.and([eb('created_at', '=', cursor.created_at), eb('id', '<', cursor.id)])]),
    );
  }
  return (await q.execute()).map(toAlert);
}

/** The alert, if it belongs to one of the given tenants. */
export async function getAlert(db: Db, tenantIds: readonly string[], id: string): Promise<Alert | undefined> {
  if (tenantIds.length === 0) return undefined;
  const row = await db.selectFrom('alerts').selectAll().where('tenant_id', 'in', tenantIds).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toAlert(row);
}

/**
 * Marks the alert seen by a user; the first acknowledgement stays. Returns the alert, or undefined when
 * it does not belong to one of the given tenants (and then changes nothing).
 */
export async function acknowledgeAlert(db: Db, tenantIds: readonly string[], id: string, userId: string, at: Date = new Date()): Promise<Alert | undefined> {
  if (tenantIds.length === 0) return undefined;
  await db
    .updateTable('alerts')
    .set({ acknowledged_at: at.toISOString(), acknowledged_by: userId })
    .where('tenant_id', 'in', tenantIds)
    .where('id', '=', id)
    .where('acknowledged_at', 'is', null)
    .execute();
  return getAlert(db, tenantIds, id);
}

/** Resolves the tenant's unresolved alerts of a kind (a successful backup ends `backup_failed`). Returns how many. */
export async function resolveAlerts(db: Db, tenantId: string, kind: AlertKind, at: Date = new Date()): Promise<number> {
  const r = await db
    .updateTable('alerts')
    .set({ resolved_at: at.toISOString() })
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', kind)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Alerts no one has been told about by e-mail yet, oldest first, over all tenants. Alerts resolved or
 * acknowledged before a mail went out are left out: they no longer need anyone.
 */
export async function alertsToNotify(db: Db, limit: number): Promise<Alert[]> {
  const rows = await db
    .selectFrom('alerts')
    .selectAll()
    .where('notified_at', 'is', null)
    .where('resolved_at', 'is', null)
    .where('acknowledged_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toAlert);
}

/** Records that the alerts were mailed; an alert already marked keeps its first time. Returns how many were marked. */
export async function markAlertsNotified(db: Db, ids: readonly string[], at: Date = new Date()): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db.updateTable('alerts').set({ notified_at: at.toISOString() }).where('id', 'in', ids).where('notified_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

function toAlert(r: Selectable<AlertsTable>): Alert {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    kind: r.kind,
    severity: r.severity,
    details: JSON.parse(r.details_json) as unknown,
    runId: r.run_id,
    snapshotId: r.snapshot_id,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    notifiedAt: r.notified_at,
  } as Alert;
}
