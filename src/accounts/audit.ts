import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';

export interface AuditEvent {
  readonly orgId: string;
  readonly tenantId?: string | null;
  readonly userId?: string | null;
  readonly userEmail?: string | null;
  /** `record.view`, `export.download`, `restore.apply`, `user.invite`, `login.failed`… */
  readonly action: string;
  readonly target?: string | null;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly ip?: string | null;
  readonly at?: Date;
}

export interface AuditEntry {
  readonly id: string;
  readonly orgId: string;
  readonly tenantId: string | null;
  readonly userId: string | null;
  readonly userEmail: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly details: Record<string, unknown> | null;
  readonly ip: string | null;
  readonly at: string;
}

/** Appends to the audit log. The log is append-only: nothing in the app updates or deletes it. */
export async function audit(db: Db, event: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      org_id: event.orgId,
      tenant_id: event.tenantId ?? null,
      user_id: event.userId ?? null,
      user_email: event.userEmail ?? null,
      action: event.action,
      target: event.target ?? null,
      details_json: event.details === undefined ? null : JSON.stringify(event.details),
      ip: event.ip ?? null,
      at: (event.at ?? new Date()).toISOString(),
    })
    .execute();
}

/** Where a page of the log ends: its last entry's time and id (entries can share a millisecond). */
export function auditCursor(entry: Pick<AuditEntry, 'at' | 'id'>): string {
  return `${entry.at}_${entry.id}`;
}

/**
 * The organisation's log, newest first. `tenantIds` limits company events to those companies (events
 * without a company, like logins and invitations, are always the organisation's own); `companyId`
 * keeps only that company's events. `before` is a cursor from `auditCursor` (or a bare ISO time).
 */
export async function listAudit(
  db: Db,
  orgId: string,
  options: { tenantIds?: readonly string[]; companyId?: string; action?: string; before?: string; limit?: number } = {},
): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId);
  if (options.tenantIds !== undefined) {
    const ids = [...options.tenantIds];
    q = q.where((eb) => (ids.length === 0 ? eb('tenant_id', 'is', null) : eb.or([eb('tenant_id', 'is', null), eb('tenant_id', 'in', ids)])));
  }
  if (options.companyId !== undefined) q = q.where('tenant_id', '=', options.companyId);
  if (options.action !== undefined && options.action !== '') q = q.where('action', 'like', `${options.action.replace(/[%_\\]/g, '')}%`);
  if (options.before !== undefined && options.before !== '') {
    const cut = options.before.indexOf('_');
    const at = cut < 0 ? options.before : options.before.slice(0, cut);
    const id = cut < 0 ? undefined : options.before.slice(cut + 1);
    q = id === undefined ? q.where('at', '<', at) : q.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
  }
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(Math.min(options.limit ?? 100, 500)).execute();
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    tenantId: r.tenant_id,
    userId: r.user_id,
    userEmail: r.user_email,
    action: r.action,
    target: r.target,
    details: r.details_json === null ? null : (JSON.parse(r.details_json) as Record<string, unknown>),
    ip: r.ip,
    at: r.at,
  }));
}
