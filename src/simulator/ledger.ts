/**
 * The general ledger of a simulated company: posts balanced vouchers into the right financial year and
 * series, keeps every account's `BalanceCarriedForward` equal to its opening balance plus its
 * transactions, opens and closes financial years, and carries balances from one year into the next.
 * Amounts are integer öre throughout; Fortnox's kronor numbers are written only into the records.
 */
import { BAS_ACCOUNTS, isBalanceSheetAccount, ACCOUNT } from './bas.ts';
import { voucherKey, type FortnoxRecord, type SimCompany, type Stored } from './model.ts';
import { accountTemplate, voucherRowTemplate } from './templates.ts';
import { text, toKronor, toOre } from './values.ts';

export interface VoucherLine {
  account: number;
  /** Debit positive, credit negative, in öre. */
  ore: number;
  costCenter?: string;
  project?: string;
  /** Row text (`TransactionInformation`). */
  info?: string;
}

export type ReferenceType = 'INVOICE' | 'SUPPLIERINVOICE' | 'INVOICEPAYMENT' | 'SUPPLIERPAYMENT' | 'MANUAL' | 'CASHINVOICE' | 'ACCRUAL';

export interface NewVoucher {
  series: string;
  date: string;
  description: string;
  lines: readonly VoucherLine[];
  referenceType: ReferenceType;
  referenceNumber?: string;
  comments?: string;
  costCenter?: string;
  project?: string;
  modified: number;
}

/** Fortnox's standard voucher series. */
export const VOUCHER_SERIES: readonly { code: string; description: string; manual: boolean }[] = [
  { code: 'A', description: 'Redovisning', manual: true },
  { code: 'B', description: 'Kundfakturor', manual: false },
  { code: 'C', description: 'Kundinbetalningar', manual: false },
  { code: 'D', description: 'Leverantörsfakturor', manual: false },
  { code: 'E', description: 'Leverantörsbetalningar', manual: false },
  { code: 'F', description: 'Kassa', manual: true },
  { code: 'I', description: 'Inventarier', manual: true },
  { code: 'L', description: 'Lön', manual: true },
];

export class UnbalancedVoucherError extends Error {
  readonly code = 'SIM_UNBALANCED_VOUCHER';
}

export class Ledger {
  readonly company: SimCompany;
  /** Closing balances in öre per year and account, mirrored into the account records. */
  readonly #balances = new Map<number, Map<number, number>>();

  constructor(company: SimCompany) {
    this.company = company;
  }

  years(): FortnoxRecord[] {
    return this.company.financialYears.map((y) => y.data);
  }

  lastYear(): FortnoxRecord | undefined {
    return this.company.financialYears.at(-1)?.data;
  }

  yearFor(date: string): FortnoxRecord | undefined {
    return this.company.financialYears.find((y) => text(y.data.FromDate) <= date && date <= text(y.data.ToDate))?.data;
  }

  #accountRecord(yearId: number, account: number): FortnoxRecord {
    const record = this.company.accounts.get(yearId)?.get(text(account))?.data;
    if (!record) throw new RangeError(`account ${account} does not exist in financial year ${yearId}`);
    return record;
  }

  #yearBalances(yearId: number): Map<number, number> {
    let map = this.#balances.get(yearId);
    if (!map) {
      map = new Map();
      for (const [number, stored] of this.company.accounts.get(yearId) ?? []) map.set(Number(number), toOre(stored.data.BalanceCarriedForward));
      this.#balances.set(yearId, map);
    }
    return map;
  }

  /** Closing balance (opening balance plus transactions so far) in öre. */
  balance(yearId: number, account: number): number {
    return this.#yearBalances(yearId).get(account) ?? 0;
  }

  #setBalance(yearId: number, account: number, ore: number): void {
    this.#yearBalances(yearId).set(account, ore);
    this.#accountRecord(yearId, account).BalanceCarriedForward = toKronor(ore);
  }

  /** Posts a voucher; throws (changing nothing) unless the lines balance and the year, series and accounts exist. */
  post(v: NewVoucher): Stored {
    const year = this.yearFor(v.date);
    if (!year) throw new RangeError(`no financial year contains ${v.date}`);
    const yearId = Number(year.Id);
    const lines = v.lines.filter((l) => l.ore !== 0);
    const sum = lines.reduce((s, l) => s + l.ore, 0);
    if (sum !== 0 || lines.length < 2) throw new UnbalancedVoucherError(`voucher "${v.description}" on ${v.date} does not balance (${sum} öre)`);
    for (const l of lines) {
      if (!Number.isInteger(l.ore)) throw new RangeError(`amount ${l.ore} is not whole öre`);
      this.#accountRecord(yearId, l.account);
    }
    const series = this.company.voucherSeries.get(yearId)?.get(v.series);
    if (!series) throw new RangeError(`voucher series ${v.series} does not exist in financial year ${yearId}`);
    const number = Number(series.data.NextVoucherNumber);
    series.data.NextVoucherNumber = number + 1;
    series.modified = Math.max(series.modified, v.modified);

    const rows = lines.map((l) => ({
      ...voucherRowTemplate(),
      Account: l.account,
      CostCenter: l.costCenter ?? '',
      Credit: l.ore < 0 ? toKronor(-l.ore) : 0,
      Debit: l.ore > 0 ? toKronor(l.ore) : 0,
      Description: text(this.#accountRecord(yearId, l.account).Description),
      Project: l.project ?? '',
      TransactionInformation: l.info ?? '',
    }));
    const data: FortnoxRecord = {
      ApprovalState: 0,
      Comments: v.comments ?? '',
      CostCenter: v.costCenter ?? '',
      Description: v.description,
      Project: v.project ?? '',
      ReferenceNumber: v.referenceNumber ?? '',
      ReferenceType: v.referenceType,
      TransactionDate: v.date,
      VoucherNumber: number,
      VoucherRows: rows,
      VoucherSeries: v.series,
      Year: yearId,
    };
    const stored: Stored = { data, modified: v.modified };
    this.company.vouchers.set(voucherKey(yearId, v.series, number), stored);
    for (const l of lines) this.#setBalance(yearId, l.account, this.balance(yearId, l.account) + l.ore);
    if (yearId !== Number(this.lastYear()?.Id)) this.carryForwardFrom(yearId);
    return stored;
  }

  /**
   * Opens a financial year after the last one (or the first one, with the given opening balances).
   * Accounts come from the BAS chart; opening balances from the previous year (see `carryForwardFrom`).
   */
  openYear(fromDate: string, toDate: string, modified: number, openingBalances?: ReadonlyMap<number, number>): number {
    const previous = this.lastYear();
    const id = previous ? Number(previous.Id) + 1 : 1;
    this.company.financialYears.push({ data: { Id: id, FromDate: fromDate, ToDate: toDate, AccountChartType: 'BAS 2024', AccountingMethod: 'ACCRUAL' }, modified });
    const accounts = new Map<string, Stored>();
    for (const a of BAS_ACCOUNTS) {
      accounts.set(text(a.number), {
        data: {
          ...accountTemplate(),
          Active: a.active,
          BalanceBroughtForward: 0,
          BalanceCarriedForward: 0,
          Description: a.description,
          Number: a.number,
          SRU: a.sru,
          VATCode: a.vatCode === '' ? null : a.vatCode,
          Year: id,
        },
        modified,
      });
    }
    this.company.accounts.set(id, accounts);
    this.company.voucherSeries.set(id, new Map(VOUCHER_SERIES.map((s) => [s.code, {
      data: { Approver: { Id: 0, Name: '' }, Code: s.code, Description: s.description, Manual: s.manual, NextVoucherNumber: 1, Year: id },
      modified,
    }])));
    if (previous) this.carryForwardFrom(Number(previous.Id));
    else if (openingBalances) {
      const sum = [...openingBalances.values()].reduce((s, v) => s + v, 0);
      if (sum !== 0) throw new UnbalancedVoucherError(`opening balances do not sum to zero (${sum} öre)`);
      for (const [account, ore] of openingBalances) {
        this.#accountRecord(id, account).BalanceBroughtForward = toKronor(ore);
        this.#setBalance(id, account, ore);
      }
    }
    return id;
  }

  /**
   * Sets the next year's opening balances from this year's closing ones, and so on for later years.
   * Balance-sheet accounts carry over; last year's `2099 Årets resultat` moves to `2091 Balanserad vinst`,
   * and a result not yet closed against 8999/2099 lands in 2099, so every year's opening balances sum to 0.
   */
  carryForwardFrom(yearId: number): void {
    const years = this.company.financialYears.map((y) => Number(y.data.Id));
    for (let i = years.indexOf(yearId); i >= 0 && i < years.length - 1; i++) {
      const from = years[i] as number;
      const to = years[i + 1] as number;
      const opening = new Map<number, number>();
      let result = 0;
      for (const [account, ore] of this.#yearBalances(from)) {
        if (isBalanceSheetAccount(account)) opening.set(account, (opening.get(account) ?? 0) + ore);
        else result += ore;
      }
      const lastResult = opening.get(ACCOUNT.yearResult) ?? 0;
      opening.set(ACCOUNT.retainedEarnings, (opening.get(ACCOUNT.retainedEarnings) ?? 0) + lastResult);
      opening.set(ACCOUNT.yearResult, result);
      for (const [number, stored] of this.company.accounts.get(to) ?? []) {
        const account = Number(number);
        const before = toOre(stored.data.BalanceBroughtForward);
        const after = opening.get(account) ?? 0;
        if (before === after) continue;
        stored.data.BalanceBroughtForward = toKronor(after);
        this.#setBalance(to, account, this.balance(to, account) + after - before);
      }
    }
  }

  /** The result of the year (income-statement accounts, credit negative = profit) in öre. */
  result(yearId: number): number {
    let result = 0;
    for (const [account, ore] of this.#yearBalances(yearId)) if (!isBalanceSheetAccount(account)) result += ore;
    return result;
  }

  /** Books the year-end result against 8999/2099 (bokslutsverifikation) in series A on the year's last day. */
  closeYear(yearId: number, modified: number): Stored | undefined {
    const year = this.company.financialYears.find((y) => Number(y.data.Id) === yearId)?.data;
    if (!year) throw new RangeError(`no financial year ${yearId}`);
    const result = this.result(yearId);
    if (result === 0) return undefined;
    return this.post({
      series: 'A', date: text(year.ToDate), description: 'Årets resultat', referenceType: 'MANUAL', modified,
      lines: [{ account: ACCOUNT.resultOfYear, ore: -result }, { account: ACCOUNT.yearResult, ore: result }],
    });
  }
}
