import type { SnapshotInfo } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import { formatAmount, readSie, SieChecker } from '../sie/index.ts';
import { toProblem } from '../repository/verify.ts';
import type { Finding } from './verify.ts';

/** The bookkeeping check of one financial year, from the snapshot's SIE 4 file. Amounts in kronor as text. */
export interface BooksCheck {
  readonly financialYear: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly sieKey: string;
  readonly sieType: string | null;
  readonly checksum: string | null;
  /** #VER in the SIE file. */
  readonly vouchersInSie: number | null;
  /** Voucher records of that year in the snapshot (null when the snapshot has no vouchers data set). */
  readonly vouchersInSnapshot: number | null;
  /** What the backup counted in Fortnox for that year (run meta `totals.vouchersByYear`), if recorded. */
  readonly vouchersAtBackup: number | null;
  readonly unbalancedVouchers: number;
  readonly balanceMismatches: number;
  readonly resultMismatches: number;
}

/** Findings of one kind listed per year before they are summarised. */
const MAX_LISTED = 20;

/**
 * Counts and books of one snapshot:
 * - every data set has as many keys as its manifest says, and says whether it is complete;
 * - counts the backup recorded from Fortnox (`run.totals`: `{ <dataset>: n, vouchersByYear: { <yearId>: n } }`)
 *   equal the records in the snapshot;
 * - per financial year with a SIE 4 file: vouchers in the snapshot = #VER in the file = the backup's count;
 *   IB + transactions = UB per balance-sheet account, RES = transactions per result account, every
 *   voucher balances (SieChecker). The last three are Fortnox's own books, so they are warnings: they say
 *   something about the company's data, not about the backup.
 */
export async function checkBooks(repo: Repository, snap: SnapshotInfo): Promise<{ years: BooksCheck[]; findings: Finding[] }> {
  const findings: Finding[] = [];
  const where = { snapshot: snap.id };
  const vouchersByYear = new Map<string, number>();
  const entryCounts = new Map<string, number>();

  for (const [dataset, summary] of Object.entries(snap.datasets)) {
    if (!summary.complete) {
      findings.push({ severity: 'warning', code: 'SNAPSHOT_INCOMPLETE_DATASET', message: `Data set ${dataset} of snapshot ${snap.id} is incomplete: ${summary.incompleteReason ?? 'no reason recorded'}`, ...where, dataset });
    }
    let count = 0;
    try {
      for await (const e of repo.listEntries(snap.id, dataset)) {
        count += 1;
        if (dataset === 'vouchers') {
          const year = e.key.slice(0, e.key.indexOf('/'));
          vouchersByYear.set(year, (vouchersByYear.get(year) ?? 0) + 1);
        }
      }
    } catch (err) {
      const p = toProblem(err);
      findings.push({ severity: 'error', code: p.code, message: `Data set ${dataset} of snapshot ${snap.id} cannot be read to the end: ${p.message}`, ...where, dataset, ...(p.object === undefined ? {} : { object: p.object }) });
      continue;
    }
    entryCounts.set(dataset, count);
    if (count !== summary.count) {
      findings.push({ severity: 'error', code: 'SNAPSHOT_COUNT_MISMATCH', message: `Data set ${dataset} of snapshot ${snap.id} has ${count} keys, but its manifest says ${summary.count}`, ...where, dataset });
    }
  }

  const totals = runTotals(snap);
  for (const [dataset, expected] of Object.entries(totals.datasets)) {
    const actual = entryCounts.get(dataset);
    if (actual !== undefined && actual !== expected) {
      findings.push({
        severity: snap.datasets[dataset]?.complete === false ? 'warning' : 'error',
        code: 'BOOKS_COUNT_MISMATCH',
        message: `Snapshot ${snap.id} holds ${actual} ${dataset}, but Fortnox had ${expected} at backup time`,
        ...where,
        dataset,
      });
    }
  }

  const years = new Map<string, { from: string; to: string }>();
  if (snap.datasets.financialyears !== undefined) {
    try {
      for await (const { key, record } of repo.listRecords(snap.id, 'financialyears')) {
        const r = record as Record<string, unknown>;
        if (typeof r.FromDate === 'string' && typeof r.ToDate === 'string') years.set(key, { from: r.FromDate, to: r.ToDate });
      }
    } catch {
      // reported with the data set above
    }
  }

  const out: BooksCheck[] = [];
  if (snap.datasets.sie === undefined) {
    findings.push({ severity: 'warning', code: 'BOOKS_NO_SIE', message: `Snapshot ${snap.id} has no SIE files, so its books could not be checked`, ...where });
    return { years: out, findings };
  }
  const sieKeys: string[] = [];
  try {
    for await (const e of repo.listEntries(snap.id, 'sie')) if (e.kind === 'a' && e.key.endsWith('/4')) sieKeys.push(e.key);
  } catch {
    // reported with the data set above
  }
  const vouchersComplete = snap.datasets.vouchers?.complete !== false && snap.datasets.sie.complete;
  for (const key of sieKeys) {
    const year = key.slice(0, key.indexOf('/'));
    const at = { ...where, dataset: 'sie', key, financialYear: year };
    const dates = years.get(year);
    const check = {
      financialYear: year,
      from: dates?.from ?? null,
      to: dates?.to ?? null,
      sieKey: key,
      sieType: null as string | null,
      checksum: null as string | null,
      vouchersInSie: null as number | null,
      vouchersInSnapshot: snap.datasets.vouchers === undefined ? null : (vouchersByYear.get(year) ?? 0),
      vouchersAtBackup: totals.vouchersByYear[year] ?? null,
      unbalancedVouchers: 0,
      balanceMismatches: 0,
      resultMismatches: 0,
    };
    out.push(check);
    try {
      const checker = new SieChecker();
      const result = await readSie(await repo.readAttachment(snap.id, 'sie', key), { onVoucher: (v, info) => checker.addVoucher(v, info) });
      const c = checker.finish(result.document);
      check.sieType = result.sieType;
      check.checksum = result.checksum.status;
      check.vouchersInSie = result.counts.vouchers;
      check.unbalancedVouchers = c.unbalancedVouchers.length;
      check.balanceMismatches = c.balanceMismatches.length;
      check.resultMismatches = c.resultMismatches.length;
      const y0 = result.document.financialYears.find((y) => y.yearIndex === 0);
      if (dates !== undefined && y0 !== undefined && (y0.start !== dates.from || y0.end !== dates.to)) {
        findings.push({ severity: 'warning', code: 'BOOKS_YEAR_DATES', message: `SIE file ${key} covers ${y0.start} – ${y0.end}, but financial year ${year} is ${dates.from} – ${dates.to}`, ...at });
      }
      if (result.checksum.status === 'invalid') {
        findings.push({ severity: 'warning', code: 'BOOKS_SIE_CHECKSUM', message: `SIE file ${key}: its #KSUMMA does not match (as Fortnox sent it)`, ...at });
      }
      const listed = <T>(items: readonly T[], code: string, text: (item: T) => string, summary: string): void => {
        for (const item of items.slice(0, MAX_LISTED)) findings.push({ severity: 'warning', code, message: `Financial year ${label(year, dates)}: ${text(item)}`, ...at });
        if (items.length > MAX_LISTED) findings.push({ severity: 'warning', code, message: `Financial year ${label(year, dates)}: ${items.length - MAX_LISTED} more ${summary}`, ...at });
      };
      listed(c.unbalancedVouchers, 'BOOKS_UNBALANCED_VOUCHER', (u) => `voucher ${u.series} ${u.number ?? ''} (${u.date}) does not balance: its rows sum to ${formatAmount(u.difference)}`, 'unbalanced vouchers');
      listed(
        c.balanceMismatches,
        'BOOKS_IB_UB_MISMATCH',
        (m) => `account ${m.account}: opening balance ${formatAmount(m.ib)} + transactions ${formatAmount(m.transactions)} ≠ closing balance ${formatAmount(m.ub)} (difference ${formatAmount(m.difference)})`,
        'accounts whose opening balance + transactions ≠ closing balance',
      );
      listed(
        c.resultMismatches,
        'BOOKS_RES_MISMATCH',
        (m) => `account ${m.account}: transactions ${formatAmount(m.transactions)} ≠ result ${formatAmount(m.res)} (difference ${formatAmount(m.difference)})`,
        'result accounts whose result ≠ transactions',
      );
      if (check.vouchersInSnapshot !== null && check.vouchersInSnapshot !== check.vouchersInSie) {
        findings.push({
          severity: vouchersComplete ? 'error' : 'warning',
          code: 'BOOKS_VOUCHER_COUNT',
          message: `Financial year ${label(year, dates)}: the snapshot holds ${check.vouchersInSnapshot} vouchers, the SIE 4 file from the same backup ${check.vouchersInSie}`,
          ...at,
        });
      }
      if (check.vouchersAtBackup !== null && check.vouchersInSnapshot !== null && check.vouchersAtBackup !== check.vouchersInSnapshot) {
        findings.push({
          severity: vouchersComplete ? 'error' : 'warning',
          code: 'BOOKS_VOUCHER_COUNT',
          message: `Financial year ${label(year, dates)}: the snapshot holds ${check.vouchersInSnapshot} vouchers, but Fortnox had ${check.vouchersAtBackup} at backup time`,
          ...at,
        });
      }
    } catch (err) {
      const p = toProblem(err);
      findings.push({ severity: 'error', code: p.code, message: `SIE file ${key} of snapshot ${snap.id} cannot be read: ${p.message}`, ...at, ...(p.object === undefined ? {} : { object: p.object }) });
    }
  }
  return { years: out, findings };
}

function label(year: string, dates: { from: string; to: string } | undefined): string {
  return dates === undefined ? year : `${year} (${dates.from} – ${dates.to})`;
}

/** The counts the backup recorded from Fortnox, from the manifest's run meta (`totals`), if any. */
function runTotals(snap: SnapshotInfo): { datasets: Record<string, number>; vouchersByYear: Record<string, number> } {
  const raw = snap.run.totals;
  const datasets: Record<string, number> = {};
  const vouchersByYear: Record<string, number> = {};
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v === 'number') datasets[k] = v;
      else if (k === 'vouchersByYear' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        for (const [y, n] of Object.entries(v)) if (typeof n === 'number') vouchersByYear[y] = n;
      }
    }
  }
  return { datasets, vouchersByYear };
}
