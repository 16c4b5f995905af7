import { listAudit, type AuditEntry } from '../accounts/audit.ts';
import type { Db } from '../db/index.ts';

export interface AuditPageQuery {
  /** undefined: every entry of the organisation; else company entries only of these companies (plus the organisation's own). */
  readonly tenantIds: readonly string[] | undefined;
  /** Only this company's entries (already checked to be one the user may see). */
  readonly companyId: string | undefined;
  readonly action: string | undefined;
  /** ISO time: only entries before it. */
  readonly before: string | undefined;
  readonly limit: number;
}

const BATCH = 500;
const MAX_BATCHES = 20;

/**
 * One page of the organisation's audit log and the `before` cursor of the next. `listAudit` always adds
 * the organisation's own entries to a company filter, so for one company the page is gathered in
 * batches, keeping only that company's entries (at most MAX_BATCHES × BATCH entries are read).
 */
export async function auditPage(db: Db, orgId: string, query: AuditPageQuery): Promise<{ entries: AuditEntry[]; next: string | undefined }> {
  const base = { action: query.action, ...(query.companyId === undefined ? (query.tenantIds === undefined ? {} : { tenantIds: query.tenantIds }) : { tenantIds: [query.companyId] }) };
  if (query.companyId === undefined) {
    const rows = await listAudit(db, orgId, { ...base, ...(query.before === undefined ? {} : { before: query.before }), limit: query.limit + 1 });
    const entries = rows.slice(0, query.limit);
    return { entries, next: rows.length > query.limit ? entries.at(-1)?.at : undefined };
  }
  const found: AuditEntry[] = [];
  let before = query.before;
  let more = true;
  for (let i = 0; i < MAX_BATCHES && more && found.length <= query.limit; i++) {
    const rows = await listAudit(db, orgId, { ...base, ...(before === undefined ? {} : { before }), limit: BATCH });
    found.push(...rows.filter((e) => e.tenantId === query.companyId));
    more = rows.length === BATCH;
    before = rows.at(-1)?.at ?? before;
  }
  const entries = found.slice(0, query.limit);
  // A page cut short by the batch limit goes on from where the reading stopped.
  return { entries, next: found.length > query.limit ? entries.at(-1)?.at : more ? before : undefined };
}
