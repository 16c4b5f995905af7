import { auditCursor, listAudit, type AuditEntry } from '../accounts/audit.ts';
import type { Db } from '../db/index.ts';

export interface AuditPageQuery {
  /** undefined: every entry of the organisation; else company entries only of these companies (plus the organisation's own). */
  readonly tenantIds: readonly string[] | undefined;
  /** Only this company's entries (already checked to be one the user may see). */
  readonly companyId: string | undefined;
  readonly action: string | undefined;
  /** A cursor (`auditCursor`) of the previous page's last entry. */
  readonly before: string | undefined;
  readonly limit: number;
}

/** One page of the organisation's audit log and the cursor of the next. */
export async function auditPage(db: Db, orgId: string, query: AuditPageQuery): Promise<{ entries: AuditEntry[]; next: string | undefined }> {
  const rows = await listAudit(db, orgId, {
    ...(query.tenantIds === undefined ? {} : { tenantIds: query.tenantIds }),
    ...(query.companyId === undefined ? {} : { companyId: query.companyId }),
    ...(query.action === undefined ? {} : { action: query.action }),
    ...(query.before === undefined ? {} : { before: query.before }),
    limit: query.limit + 1,
  });
  const entries = rows.slice(0, query.limit);
  const last = entries.at(-1);
  return { entries, next: rows.length > query.limit && last !== undefined ? auditCursor(last) : undefined };
}
