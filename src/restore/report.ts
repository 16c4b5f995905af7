import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ReportStatus = 'created' | 'updated' | 'uploaded' | 'connected' | 'unchanged' | 'skipped' | 'failed';

export interface ReportItem {
  readonly dataset: string;
  /** The key in the snapshot (layout key). */
  readonly key: string;
  readonly status: ReportStatus;
  /** Where Fortnox put it, when it chose the number (vouchers, supplier invoices, files). */
  readonly newKey?: string;
  /** Fortnox's message for a failure, or why an item was skipped. */
  readonly message?: string;
  readonly fortnoxCode?: number;
}

export interface RestoreReport {
  readonly runId: string;
  readonly kind: 'registers' | 'new_company';
  readonly tenantId: string;
  readonly sourceTenantId: string;
  readonly snapshotId: string;
  readonly undoSnapshotId: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly status: 'succeeded' | 'partial' | 'failed';
  readonly warnings: readonly string[];
  readonly items: readonly ReportItem[];
  /** Old → new numbers where Fortnox numbers records itself: `vouchers` (`year/series/number`), `supplierinvoices`, `files`. */
  readonly numberMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** What the API could not take, as SIE files per financial year (as Fortnox imports them): 4I for vouchers, 1 for opening balances. */
  readonly sieFiles: readonly SieFileNote[];
  /** Things the API cannot restore at all, named so nobody assumes they were. */
  readonly notRestored: readonly string[];
}

export interface SieFileNote {
  readonly path: string;
  /** 4I: vouchers for import (no balances allowed); 1: opening balances. */
  readonly type: '4I' | '1';
  readonly financialYear: string;
  readonly vouchers: number;
  readonly balances: number;
  readonly why: string;
}

export function countByStatus(items: readonly ReportItem[]): Record<ReportStatus, number> {
  const counts: Record<ReportStatus, number> = { created: 0, updated: 0, uploaded: 0, connected: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const i of items) counts[i.status]++;
  return counts;
}

export function reportStatus(items: readonly ReportItem[]): RestoreReport['status'] {
  const failed = items.filter((i) => i.status === 'failed').length;
  if (failed === 0) return 'succeeded';
  return failed === items.length ? 'failed' : 'partial';
}

/** The report as a person reads it: totals, then every item that was not simply unchanged. */
export function formatReport(report: RestoreReport): string {
  const c = countByStatus(report.items);
  const lines = [
    `Restore ${report.runId} (${report.kind === 'registers' ? 'registers, same company' : 'into a new company'}): ${report.status}`,
    `Snapshot ${report.snapshotId} of tenant ${report.sourceTenantId} → tenant ${report.tenantId}`,
    `Started ${report.startedAt}, finished ${report.finishedAt}`,
    report.kind === 'new_company' ? 'Undo point: not needed (the company was empty)' : `Undo point: ${report.undoSnapshotId === null ? 'none (see warnings)' : `snapshot ${report.undoSnapshotId}`}`,
    `Created ${c.created}, updated ${c.updated}, uploaded ${c.uploaded}, connected ${c.connected}, unchanged ${c.unchanged}, skipped ${c.skipped}, failed ${c.failed}`,
  ];
  for (const w of report.warnings) lines.push(`Warning: ${w}`);
  for (const f of report.sieFiles) lines.push(`SIE ${f.type} file for import (${f.financialYear}): ${f.path} (${f.vouchers} vouchers, ${f.balances} opening balances): ${f.why}`);
  const shown = report.items.filter((i) => i.status !== 'unchanged');
  if (shown.length > 0) lines.push('', 'Items:');
  for (const i of shown) {
    const to = i.newKey !== undefined && i.newKey !== i.key ? ` → ${i.newKey}` : '';
    const why = i.message === undefined ? '' : `: ${i.message}${i.fortnoxCode === undefined ? '' : ` [${i.fortnoxCode}]`}`;
    lines.push(`  ${i.status.padEnd(9)} ${i.dataset} ${i.key}${to}${why}`);
  }
  for (const [name, map] of Object.entries(report.numberMaps)) {
    const entries = Object.entries(map);
    if (entries.length === 0) continue;
    lines.push('', `Number map, ${name} (old → new):`);
    for (const [from, to] of entries) lines.push(`  ${from} → ${to}`);
  }
  if (report.notRestored.length > 0) lines.push('', 'Not restored (the API does not allow it):', ...report.notRestored.map((n) => `  - ${n}`));
  return `${lines.join('\n')}\n`;
}

/** Writes `restore-<run>.json` and `restore-<run>.txt` into `dir`; returns their paths. */
export async function writeReportFiles(report: RestoreReport, dir: string): Promise<{ json: string; text: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, `restore-${report.runId}.json`);
  const text = join(dir, `restore-${report.runId}.txt`);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(text, formatReport(report));
  return { json, text };
}
