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

/**
 * The organisation's log, newest first. `tenantIds` limits company events to those companies (events
 * without a company, like logins and invitations, are always the organisation's own).
 */
export async function listAudit(
  db: Db,
  orgId: string,
  options: { tenantIds?: readonly string[]; action?: string; before?: string; limit?: number } = {},
): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId);
  if (options.tenantIds !== undefined) {
    const ids = [...options.tenantIds];
    q = q.where((eb) => (ids.length === 0 ? eb('tenant_id', 'is', null) : eb.or([eb('tenant_id', 'is', null), eb('tenant_id', 'in', ids)])));
  }
  if (options.action !== undefined && options.action !== '') q = q.where('action', 'like', `${options.action.replace(/[%_]/g, '')}%`);
  if (options.before !== undefined) q = q.where('at', '<', options.before);
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
