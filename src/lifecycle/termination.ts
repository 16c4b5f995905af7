/**
 * The dates of a termination (DESIGN.md §7): one calendar month's notice, during which backups go on and
 * the termination can be withdrawn; the backups are deleted 30 days after the notice ends.
 */
import type { Tenant } from '../db/index.ts';

/** Deletion follows 30 days after the notice period ends. */
export const DELETION_GRACE_DAYS = 30;

/** The same day and time one calendar month later (the last day of a shorter month: 31 Jan → 28/29 Feb). */
export function addOneMonth(at: Date): Date {
  const y = at.getUTCFullYear();
  const month = at.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(y, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, month, Math.min(at.getUTCDate(), lastDay), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds()));
}

export interface TerminationDates {
  readonly terminatedAt: Date;
  /** The end of one month's notice: the service runs until then, and the termination can be withdrawn. */
  readonly noticeEndsAt: Date;
  /** When the organisation's backups are deleted. */
  readonly deletionDueAt: Date;
}

export function terminationDates(terminatedAt: Date): TerminationDates {
  const noticeEndsAt = addOneMonth(terminatedAt);
  return { terminatedAt, noticeEndsAt, deletionDueAt: new Date(noticeEndsAt.getTime() + DELETION_GRACE_DAYS * 86_400_000) };
}

/**
 * Whether the tenant is still backed up at `now`: it is active (not being or already deleted), and if
 * it was given notice, the notice has not ended. Between the end of the notice and the deletion the
 * backups are kept, readable and exportable, but no new ones are taken: the service has ended.
 */
export function backupsAllowed(tenant: Pick<Tenant, 'status' | 'terminatedAt' | 'deletionDueAt'>, now: Date): boolean {
  if (tenant.status !== 'active') return false;
  if (tenant.deletionDueAt !== null && Date.parse(tenant.deletionDueAt) <= now.getTime()) return false;
  return tenant.terminatedAt === null || terminationDates(new Date(tenant.terminatedAt)).noticeEndsAt.getTime() > now.getTime();
}
