/**
 * The SIE export behind `GET /3/sie/{type}?financialyear=`: SIE 4B types 1–4 of one financial year, in
 * CP437 with CRLF line ends, laid out as Fortnox writes it (sie-format.md §5.1). Balances are computed
 * from the vouchers, so IB + Σ#TRANS = UB per account, #RES = Σ#TRANS for result accounts, and Σ#PSALDO
 * per account equals its movement for the year.
 */
import { isBalanceSheetAccount, sieAccountType } from './bas.ts';
import { fortnoxDate } from './clock.ts';
import { encodeCp437 } from './cp437.ts';
import { text, toOre } from './values.ts';
import { voucherKey, type FortnoxRecord, type SimCompany } from './model.ts';

export type SieType = 1 | 2 | 3 | 4;

/** Objects of a row: SIE dimension 1 = cost centre, 6 = project (sie-format.md §2.6 #DIM). */
type ObjectKey = `${1 | 6}\u0000${string}`;

interface YearFigures {
  year: FortnoxRecord;
  opening: Map<number, number>;
  movement: Map<number, number>;
  /** account → period (YYYYMM) → öre. */
  periods: Map<number, Map<string, number>>;
  /** account → object → öre, and account → object → period → öre. */
  objects: Map<number, Map<ObjectKey, number>>;
  objectPeriods: Map<number, Map<ObjectKey, Map<string, number>>>;
  vouchers: FortnoxRecord[];
}

function amount(ore: number): string {
  const sign = ore < 0 ? '-' : '';
  const abs = Math.abs(ore);
  return `${sign}${Math.floor(abs / 100)}.${text(abs % 100).padStart(2, '0')}`;
}

/**
 * A quoted SIE field: control characters become spaces, `"` is written `\"`. The spec defines no other
 * escape and readers keep backslashes literal, so a backslash that would sit before a quote becomes `/`.
 */
export function sieQuote(value: string): string {
  const clean = [...value].map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? ' ' : c)).join('').replace(/\\(?=$|")/g, '/');
  return `"${clean.replace(/"/g, '\\"')}"`;
}

function sieDate(date: unknown): string {
  return text(date ?? '').replace(/-/g, '');
}

function add<K>(map: Map<K, number>, key: K, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

function figures(company: SimCompany, year: FortnoxRecord): YearFigures {
  const id = Number(year.Id);
  const opening = new Map<number, number>();
  for (const [number, stored] of company.accounts.get(id) ?? []) {
    const ib = toOre(stored.data.BalanceBroughtForward);
    if (ib !== 0) opening.set(Number(number), ib);
  }
  const f: YearFigures = { year, opening, movement: new Map(), periods: new Map(), objects: new Map(), objectPeriods: new Map(), vouchers: [] };
  for (const stored of company.vouchers.values()) {
    const v = stored.data;
    if (Number(v.Year) !== id) continue;
    f.vouchers.push(v);
    const period = text(v.TransactionDate).slice(0, 7).replace('-', '');
    for (const row of (v.VoucherRows as FortnoxRecord[] | undefined) ?? []) {
      if (row.Removed === true) continue;
      const account = Number(row.Account);
      const value = toOre(row.Debit) - toOre(row.Credit);
      add(f.movement, account, value);
      let periods = f.periods.get(account);
      if (!periods) f.periods.set(account, (periods = new Map<string, number>()));
      add(periods, period, value);
      for (const key of objectKeys(row)) {
        let objects = f.objects.get(account);
        if (!objects) f.objects.set(account, (objects = new Map<ObjectKey, number>()));
        add(objects, key, value);
        let byObject = f.objectPeriods.get(account);
        if (!byObject) f.objectPeriods.set(account, (byObject = new Map<ObjectKey, Map<string, number>>()));
        let objectPeriods = byObject.get(key);
        if (!objectPeriods) byObject.set(key, (objectPeriods = new Map<string, number>()));
        add(objectPeriods, period, value);
      }
    }
  }
  f.vouchers.sort((a, b) => text(a.VoucherSeries).localeCompare(text(b.VoucherSeries)) || Number(a.VoucherNumber) - Number(b.VoucherNumber));
  return f;
}

function objectKeys(row: FortnoxRecord): ObjectKey[] {
  const keys: ObjectKey[] = [];
  if (row.CostCenter) keys.push(`1\u0000${text(row.CostCenter)}`);
  if (row.Project) keys.push(`6\u0000${text(row.Project)}`);
  return keys;
}

function objectList(key: ObjectKey): string {
  const [dim, object] = key.split('\u0000') as [string, string];
  return `{${dim} ${sieQuote(object)}}`;
}

function rowObjects(row: FortnoxRecord): string {
  const parts: string[] = [];
  if (row.CostCenter) parts.push(`1 ${sieQuote(text(row.CostCenter))}`);
  if (row.Project) parts.push(`6 ${sieQuote(text(row.Project))}`);
  return `{${parts.join(' ')}}`;
}

function sortedAccounts(...maps: Map<number, unknown>[]): number[] {
  const set = new Set<number>();
  for (const m of maps) for (const k of m.keys()) set.add(k);
  return [...set].sort((a, b) => a - b);
}

/** Writes SIE type 1–4 for a financial year. Throws a RangeError for an unknown year or type. */
export function exportSie(company: SimCompany, type: SieType, financialYearId: number, generatedAt: number): Buffer {
  if (![1, 2, 3, 4].includes(type)) throw new RangeError(`SIE type must be 1–4, got ${text(type)}`);
  const years = company.financialYears.map((y) => y.data);
  const index = years.findIndex((y) => Number(y.Id) === financialYearId);
  if (index < 0) throw new RangeError(`no financial year ${financialYearId}`);
  const current = figures(company, years[index] as FortnoxRecord);
  const previousYear = index > 0 ? years[index - 1] : undefined;
  const previous = previousYear ? figures(company, previousYear) : undefined;
  const info = company.info;
  const generated = fortnoxDate(generatedAt);
  const lines: string[] = [];
  const out = (line: string): void => void lines.push(line);

  out('#FLAGGA 0');
  out('#FORMAT PC8');
  out(`#SIETYP ${type}`);
  out('#PROGRAM "Fortnox" 3.57.11');
  out(`#GEN ${sieDate(generated)}`);
  out(`#FNR ${text(info.DatabaseNumber ?? company.tenantId)}`);
  out(`#FNAMN ${sieQuote(text(info.CompanyName ?? ''))}`);
  out(`#ADRESS "" ${sieQuote(text(info.Address ?? ''))} ${sieQuote(`${text(info.ZipCode ?? '')} ${text(info.City ?? '')}`.trim())} ${sieQuote(company.profile?.phone ?? '')}`);
  out(`#RAR 0 ${sieDate(current.year.FromDate)} ${sieDate(current.year.ToDate)}`);
  if (previous) out(`#RAR -1 ${sieDate(previous.year.FromDate)} ${sieDate(previous.year.ToDate)}`);
  out(`#ORGNR ${text(info.OrganizationNumber ?? '')}`);
  if (type === 2 || type === 3 || type === 4) {
    const end = text(current.year.ToDate) < generated.slice(0, 10) ? text(current.year.ToDate) : generated.slice(0, 10);
    out(`#OMFATTN ${sieDate(end)}`);
  }
  out('#KPTYP EUBAS97');
  out('#VALUTA SEK');

  if (type >= 3) {
    out('#DIM 1 "Kostnadsställe"');
    out('#DIM 6 "Projekt"');
    for (const cc of company.costCenters.values()) out(`#OBJEKT 1 ${sieQuote(text(cc.data.Code))} ${sieQuote(text(cc.data.Description ?? ''))}`);
    for (const p of company.projects.values()) out(`#OBJEKT 6 ${sieQuote(text(p.data.ProjectNumber))} ${sieQuote(text(p.data.Description ?? ''))}`);
  }

  const chart = [...(company.accounts.get(financialYearId)?.values() ?? [])].map((s) => s.data).sort((a, b) => Number(a.Number) - Number(b.Number));
  for (const a of chart) {
    out(`#KONTO ${text(a.Number)} ${sieQuote(text(a.Description ?? ''))}`);
    out(`#KTYP ${text(a.Number)} ${sieAccountType(Number(a.Number))}`);
    if (Number(a.SRU)) out(`#SRU ${text(a.Number)} ${text(a.SRU)}`);
  }

  const balances = (label: string, year: YearFigures): void => {
    for (const account of sortedAccounts(year.opening, year.movement)) {
      const ib = year.opening.get(account) ?? 0;
      const moved = year.movement.get(account) ?? 0;
      if (label === 'IB' && isBalanceSheetAccount(account) && ib !== 0) out(`#IB ${yearNo(year)} ${account} ${amount(ib)} 0`);
      if (label === 'UB' && isBalanceSheetAccount(account) && ib + moved !== 0) out(`#UB ${yearNo(year)} ${account} ${amount(ib + moved)} 0`);
      if (label === 'RES' && !isBalanceSheetAccount(account) && ib + moved !== 0) out(`#RES ${yearNo(year)} ${account} ${amount(ib + moved)} 0`);
    }
  };
  const yearNo = (year: YearFigures): string => (year === current ? '0' : '-1');
  const both = previous ? [current, previous] : [current];
  for (const y of both) balances('IB', y);
  for (const y of both) balances('UB', y);
  if (type >= 3) {
    for (const y of both) {
      for (const account of sortedAccounts(y.objects)) {
        for (const [key, value] of y.objects.get(account) ?? []) {
          // Objects appear only on result rows here, whose opening balance is zero by definition.
          if (isBalanceSheetAccount(account)) out(`#OIB ${yearNo(y)} ${account} ${objectList(key)} 0.00 0`);
          out(`#OUB ${yearNo(y)} ${account} ${objectList(key)} ${amount(value)} 0`);
        }
      }
    }
  }
  for (const y of both) balances('RES', y);

  if (type >= 2) {
    for (const y of both) {
      for (const account of sortedAccounts(y.periods)) {
        const periods = [...(y.periods.get(account) ?? [])].sort(([a], [b]) => a.localeCompare(b));
        for (const [period, value] of periods) {
          out(`#PSALDO ${yearNo(y)} ${period} ${account} {} ${amount(value)} 0`);
          if (type >= 3) {
            for (const [key, byPeriod] of y.objectPeriods.get(account) ?? []) {
              const v = byPeriod.get(period);
              if (v !== undefined) out(`#PSALDO ${yearNo(y)} ${period} ${account} ${objectList(key)} ${amount(v)} 0`);
            }
          }
        }
      }
    }
  }

  if (type === 4) {
    for (const v of current.vouchers) {
      out(`#VER ${text(v.VoucherSeries)} ${text(v.VoucherNumber)} ${sieDate(v.TransactionDate)} ${sieQuote(text(v.Description ?? ''))} ${sieDate(fortnoxDate(voucherRegistered(company, v)))}`);
      out('{');
      for (const row of (v.VoucherRows as FortnoxRecord[] | undefined) ?? []) {
        if (row.Removed === true) continue;
        const value = toOre(row.Debit) - toOre(row.Credit);
        out(`   #TRANS ${text(row.Account)} ${rowObjects(row)} ${amount(value)} "" ${sieQuote(text(row.TransactionInformation ?? ''))} 0`);
      }
      out('}');
    }
  }
  return encodeCp437(`${lines.join('\r\n')}\r\n`);
}

function voucherRegistered(company: SimCompany, v: FortnoxRecord): number {
  return company.vouchers.get(voucherKey(Number(v.Year), text(v.VoucherSeries), Number(v.VoucherNumber)))?.modified ?? Date.parse(`${text(v.TransactionDate)}T12:00:00Z`);
}
