import type { SieAccount, SieDocument, SieVoucher, SieWarning } from './model.ts';
import { formatAmount, type Ore } from './values.ts';

export interface UnbalancedVoucher {
  series: string;
  number: number | undefined;
  date: string;
  /** Σ #TRANS of the voucher; should be 0. */
  difference: Ore;
  /** Line of the #VER, when the checker was told. */
  line?: number;
}

/** IB₀ + Σ #TRANS ≠ UB₀ for a balance-sheet account. */
export interface BalanceMismatch {
  account: string;
  ib: Ore;
  transactions: Ore;
  ub: Ore;
  /** ib + transactions − ub */
  difference: Ore;
}

/** RES₀ ≠ Σ #TRANS for an income-statement account. */
export interface ResultMismatch {
  account: string;
  res: Ore;
  transactions: Ore;
  /** transactions − res */
  difference: Ore;
}

export interface SieCheckResult {
  unbalancedVouchers: UnbalancedVoucher[];
  balanceMismatches: BalanceMismatch[];
  resultMismatches: ResultMismatch[];
  /** One warning per finding above, plus voucher order and date findings, ready to show. */
  warnings: SieWarning[];
}

/**
 * Bookkeeping checks that real files sometimes fail, so they are warnings, not errors:
 * every voucher balances (Σ #TRANS = 0), IB₀ + Σ #TRANS = UB₀ per balance-sheet account,
 * RES₀ = Σ #TRANS per income-statement account, voucher numbers ascend within a series.
 * Only #TRANS rows count: #RTRANS rows are repeated as #TRANS and #BTRANS rows were struck out (§11).
 *
 * Feed vouchers one at a time (works with the streaming reader) and call `finish` with the document.
 */
export class SieChecker {
  readonly #unbalanced: UnbalancedVoucher[] = [];
  readonly #sums = new Map<string, Ore>();
  readonly #lastNumber = new Map<string, number>();
  readonly #orderProblems: SieWarning[] = [];
  #orderProblemCount = 0;
  #vouchers = 0;
  readonly #dates: string[] = [];

  addVoucher(voucher: SieVoucher, info?: { line?: number }): void {
    this.#vouchers++;
    let sum = 0n;
    for (const row of voucher.rows) {
      if (row.kind !== 'TRANS') continue;
      sum += row.amount;
      this.#sums.set(row.account, (this.#sums.get(row.account) ?? 0n) + row.amount);
    }
    if (sum !== 0n) {
      const u: UnbalancedVoucher = { series: voucher.series, number: voucher.number, date: voucher.date, difference: sum };
      if (info?.line !== undefined) u.line = info.line;
      this.#unbalanced.push(u);
    }
    if (voucher.number !== undefined) {
      const last = this.#lastNumber.get(voucher.series);
      if (last !== undefined && voucher.number <= last) {
        this.#orderProblemCount++;
        if (this.#orderProblems.length < 20) {
          const w: SieWarning = {
            code: 'SIE_VOUCHER_ORDER',
            message: `voucher ${label(voucher.series, voucher.number)} comes after number ${last} of the same series; numbers must ascend`,
          };
          if (info?.line !== undefined) w.line = info.line;
          this.#orderProblems.push(w);
        }
      }
      this.#lastNumber.set(voucher.series, Math.max(last ?? voucher.number, voucher.number));
    }
    // Only the extremes are needed for the out-of-year check; keep two dates, not all.
    if (this.#dates.length < 2) this.#dates.push(voucher.date, voucher.date);
    else {
      if (voucher.date < this.#dates[0]!) this.#dates[0] = voucher.date;
      if (voucher.date > this.#dates[1]!) this.#dates[1] = voucher.date;
    }
  }

  finish(doc: SieDocument): SieCheckResult {
    const warnings: SieWarning[] = [];
    for (const u of this.#unbalanced) {
      const w: SieWarning = {
        code: 'SIE_UNBALANCED_VOUCHER',
        message: `voucher ${label(u.series, u.number)} (${u.date}) does not balance: its rows sum to ${formatAmount(u.difference)}`,
      };
      if (u.line !== undefined) w.line = u.line;
      warnings.push(w);
    }
    warnings.push(...this.#orderProblems);
    if (this.#orderProblemCount > this.#orderProblems.length) {
      warnings.push({ code: 'SIE_VOUCHER_ORDER', message: `${this.#orderProblemCount - this.#orderProblems.length} more vouchers out of order` });
    }

    const year0 = doc.financialYears.find((y) => y.yearIndex === 0);
    if (year0 !== undefined && this.#vouchers > 0 && (this.#dates[0]! < year0.start || this.#dates[1]! > year0.end)) {
      warnings.push({
        code: 'SIE_VOUCHER_OUTSIDE_YEAR',
        message: `vouchers are dated ${this.#dates[0]} to ${this.#dates[1]}, outside the financial year ${year0.start} – ${year0.end}`,
      });
    }

    const accounts = new Map<string, SieAccount>(doc.accounts.map((a) => [a.number, a]));
    const balanceMismatches: BalanceMismatch[] = [];
    const resultMismatches: ResultMismatch[] = [];
    // Files without vouchers (types 1–3) or without balances (4I) have nothing to compare.
    if (this.#vouchers > 0 && (doc.ib.length > 0 || doc.ub.length > 0)) {
      const ib = yearZero(doc.ib);
      const ub = yearZero(doc.ub);
      const names = new Set([...ib.keys(), ...ub.keys()]);
      for (const a of this.#sums.keys()) if (isBalanceAccount(a, accounts.get(a))) names.add(a);
      for (const account of [...names].sort()) {
        const i = ib.get(account) ?? 0n;
        const t = this.#sums.get(account) ?? 0n;
        const u = ub.get(account) ?? 0n;
        if (i + t !== u) balanceMismatches.push({ account, ib: i, transactions: t, ub: u, difference: i + t - u });
      }
    }
    if (this.#vouchers > 0 && doc.res.length > 0) {
      const res = yearZero(doc.res);
      const names = new Set(res.keys());
      for (const a of this.#sums.keys()) if (!isBalanceAccount(a, accounts.get(a))) names.add(a);
      for (const account of [...names].sort()) {
        const r = res.get(account) ?? 0n;
        const t = this.#sums.get(account) ?? 0n;
        if (r !== t) resultMismatches.push({ account, res: r, transactions: t, difference: t - r });
      }
    }
    if (this.#vouchers > 0 && doc.res.length === 0 && (doc.ib.length > 0 || doc.ub.length > 0)) {
      warnings.push({ code: 'SIE_NO_RES', message: 'the file has vouchers and balances but no #RES records, so results were not reconciled' });
    }
    for (const m of balanceMismatches) {
      warnings.push({
        code: 'SIE_IB_UB_MISMATCH',
        message: `account ${m.account}: IB ${formatAmount(m.ib)} + transactions ${formatAmount(m.transactions)} = ${formatAmount(m.ib + m.transactions)}, but UB is ${formatAmount(m.ub)} (difference ${formatAmount(m.difference)})`,
      });
    }
    for (const m of resultMismatches) {
      warnings.push({
        code: 'SIE_RES_MISMATCH',
        message: `account ${m.account}: transactions sum to ${formatAmount(m.transactions)}, but RES is ${formatAmount(m.res)} (difference ${formatAmount(m.difference)})`,
      });
    }
    return { unbalancedVouchers: [...this.#unbalanced], balanceMismatches, resultMismatches, warnings };
  }
}

/** Runs every check on a document read whole (`parseSie`). */
export function checkSie(doc: SieDocument): SieCheckResult {
  const checker = new SieChecker();
  for (const v of doc.vouchers) checker.addVoucher(v);
  return checker.finish(doc);
}

function yearZero(balances: ReadonlyArray<{ yearIndex: number; account: string; amount: Ore }>): Map<string, Ore> {
  const m = new Map<string, Ore>();
  for (const b of balances) if (b.yearIndex === 0) m.set(b.account, (m.get(b.account) ?? 0n) + b.amount);
  return m;
}

/** #KTYP decides; without it the BAS chart does: classes 1 and 2 are the balance sheet. */
function isBalanceAccount(number: string, account: SieAccount | undefined): boolean {
  if (account?.type !== undefined) return account.type === 'T' || account.type === 'S';
  return number.startsWith('1') || number.startsWith('2');
}

function label(series: string, number: number | undefined): string {
  return [series, number].filter((x) => x !== undefined && x !== '').join(' ') || '(no series or number)';
}
