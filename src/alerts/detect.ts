/**
 * What a backup run tells the customer: failures, a connection to reconnect, and two patterns in the
 * data worth a look (a supplier's bank details changed — a known invoice-fraud pattern — and a data set
 * that lost many records at once). Reads only what the run changed: the index's diff of suppliers and the
 * per-data-set counts, never the whole snapshot.
 */
import type { AppContext } from '../app.ts';
import type { BackupResult } from '../backup/index.ts';
import { raiseAlert, resolveAlerts, type Alert, type BankFieldChange, type NewAlert } from '../db/alerts.ts';
import { loadFortnoxConnection } from '../db/fortnox-connections.ts';
import { diffSnapshots } from '../db/record-versions.ts';
import { getSnapshot, listSnapshots, type Snapshot } from '../db/snapshots.ts';

/** A supplier's fields that say where its invoices are paid to. */
export const SUPPLIER_BANK_FIELDS = ['BG', 'PG', 'BankAccountNumber', 'ClearingNumber', 'IBAN', 'BIC', 'Bank'] as const;

/** A data set that lost at least this many records, and at least this share of them, in one run. */
export const MASS_DELETION = { minRecords: 20, minShare: 0.1 } as const;

/**
 * Raises and resolves the tenant's alerts after a backup run; `outcome` is the run's result, or the error
 * it threw. Returns the alerts it newly raised. The caller decides what an error here means (the backup job
 * logs it and carries on: an alert must never fail a backup).
 */
export async function alertsAfterBackup(app: AppContext, tenantId: string, outcome: { result: BackupResult } | { error: unknown }, options: { at?: Date } = {}): Promise<Alert[]> {
  const at = options.at ?? new Date();
  const raised: Alert[] = [];
  const raise = async (alert: NewAlert): Promise<void> => {
    const r = await raiseAlert(app.db, { ...alert, at });
    if (r.created) raised.push(r.alert);
  };

  const result = 'result' in outcome ? outcome.result : undefined;
  let failure: { code: string; message: string } | undefined;
  if ('error' in outcome) failure = errorOf(outcome.error);
  else if (outcome.result.status === 'failed') failure = outcome.result.error ?? { code: 'BACKUP_FAILED', message: 'The backup run failed' };
  const runId = result?.runId ?? ('error' in outcome ? runIdOf(outcome.error) : null);

  if (failure !== undefined) {
    await raise({ tenantId, kind: 'backup_failed', severity: 'critical', details: { runId, code: failure.code, message: failure.message }, runId });
  } else if (result?.status === 'succeeded') {
    await resolveAlerts(app.db, tenantId, 'backup_failed', at);
  }

  const connection = await loadFortnoxConnection(app.db, tenantId);
  if (failure?.code === 'FORTNOX_RECONNECT_NEEDED' || connection?.status === 'reconnect_needed' || connection?.status === 'revoked') {
    await raise({
      tenantId, kind: 'reconnect_needed', severity: 'critical', runId,
      details: { runId, code: failure?.code ?? null, reason: connection?.statusReason ?? failure?.message ?? null },
    });
  } else if (connection?.status === 'ok' && failure === undefined) {
    await resolveAlerts(app.db, tenantId, 'reconnect_needed', at);
  }

  if (result !== undefined && result.snapshotId !== null) {
    for (const alert of await dataAlerts(app, tenantId, result.snapshotId, result.runId)) await raise(alert);
  }
  return raised;
}

/** The data patterns between the new snapshot and the one before it in the index (none for the first). */
async function dataAlerts(app: AppContext, tenantId: string, snapshotId: string, runId: string): Promise<NewAlert[]> {
  const snapshot = await getSnapshot(app.db, tenantId, snapshotId);
  if (snapshot === undefined) return [];
  const [previous] = await listSnapshots(app.db, tenantId, { beforeSeq: snapshot.seq, limit: 1 });
  if (previous === undefined) return [];
  const common = { tenantId, runId, snapshotId } as const;
  const alerts: NewAlert[] = massDeletions(previous, snapshot).map((details) => ({ ...common, kind: 'mass_deletion', severity: 'warning', details }));

  const diff = await diffSnapshots(app.db, tenantId, previous.snapshotId, snapshotId, 'suppliers');
  if (diff.changed.length > 0) {
    const repo = await app.repositoryFor(tenantId);
    for (const c of diff.changed) {
      const [before, after] = await Promise.all([readObject(repo.readBlob(c.fromBlobId, 'record')), readObject(repo.readBlob(c.toBlobId, 'record'))]);
      const changes = bankChanges(before, after);
      if (changes.length === 0) continue;
      const details = { supplierNumber: text(after.SupplierNumber) ?? c.key, name: text(after.Name) ?? '', changes };
      alerts.push({ ...common, kind: 'supplier_bank_changed', severity: 'critical', details });
    }
  }
  return alerts;
}

/**
 * Data sets that lost many records: the net drop of the record count, for data sets both snapshots hold
 * complete (an incomplete data set's count says nothing about deletions).
 */
export function massDeletions(previous: Pick<Snapshot, 'datasets'>, next: Pick<Snapshot, 'datasets'>): { dataset: string; deleted: number; before: number }[] {
  const now = new Map(next.datasets.map((d) => [d.dataset, d]));
  const out: { dataset: string; deleted: number; before: number }[] = [];
  for (const d of previous.datasets) {
    const n = now.get(d.dataset);
    if (n === undefined || !d.complete || !n.complete) continue;
    const deleted = d.count - n.count;
    if (deleted >= MASS_DELETION.minRecords && deleted >= d.count * MASS_DELETION.minShare) out.push({ dataset: d.dataset, deleted, before: d.count });
  }
  return out;
}

/** The bank fields that differ between two versions of a supplier (empty and absent count as the same). */
export function bankChanges(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): BankFieldChange[] {
  const changes: BankFieldChange[] = [];
  for (const field of SUPPLIER_BANK_FIELDS) {
    const b = text(before[field]);
    const a = text(after[field]);
    if (b !== a) changes.push({ field, before: b, after: a });
  }
  return changes;
}

function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = (typeof v === 'string' ? v : JSON.stringify(v)).trim();
  return s === '' ? null : s;
}

async function readObject(bytes: Promise<Buffer>): Promise<Record<string, unknown>> {
  const v = JSON.parse((await bytes).toString('utf8')) as unknown;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function errorOf(err: unknown): { code: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'BACKUP_FAILED', message: err instanceof Error ? err.message : String(err) };
}

function runIdOf(err: unknown): string | null {
  const runId = (err as { details?: { runId?: unknown } } | null)?.details?.runId;
  return typeof runId === 'string' ? runId : null;
}
