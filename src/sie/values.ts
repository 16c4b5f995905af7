/**
 * SIE field values: amounts, dates, periods, quantities. Amounts are integer öre in a bigint,
 * so sums are exact and sizes unlimited (SIE sets no upper bound).
 */

/** An amount in öre (1/100 SEK). Debit positive, credit negative. */
export type Ore = bigint;

const AMOUNT = /^(-?)(\d+)(?:\.(\d+))?$/;

export interface ParsedAmount {
  readonly ore: Ore;
  /** Set when the text had more than two decimals and was rounded (half away from zero). */
  readonly rounded: boolean;
}

/** Parses `802`, `-3.4`, `-137.00`. Returns undefined for anything else (a `+` sign, commas, blanks). */
export function parseAmount(text: string): ParsedAmount | undefined {
  const m = AMOUNT.exec(text);
  if (m === null) return undefined;
  const [, sign, whole, frac = ''] = m;
  let ore = BigInt(whole!) * 100n + BigInt((frac + '00').slice(0, 2));
  const rest = frac.slice(2);
  const rounded = /[1-9]/.test(rest);
  if (rounded && rest[0]! >= '5') ore += 1n;
  return { ore: sign === '-' ? -ore : ore, rounded };
}

/** Formats öre the way the writer always does: `-?\d+\.\d\d`. */
export function formatAmount(ore: Ore): string {
  const neg = ore < 0n;
  const abs = neg ? -ore : ore;
  const s = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}

/** Sums amounts exactly. */
export function sumOre(values: Iterable<Ore>): Ore {
  let s = 0n;
  for (const v of values) s += v;
  return s;
}

/** Quantities have no decimal limit in the spec, so they stay decimal strings. */
export function isQuantity(text: string): boolean {
  return AMOUNT.test(text);
}

/** `YYYYMMDD` → ISO `YYYY-MM-DD`, or undefined when it is not a real calendar date. */
export function parseDate(text: string): string | undefined {
  if (!/^\d{8}$/.test(text)) return undefined;
  const y = Number(text.slice(0, 4));
  const m = Number(text.slice(4, 6));
  const d = Number(text.slice(6, 8));
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

/** ISO `YYYY-MM-DD` → `YYYYMMDD`. */
export function formatDate(iso: string): string {
  return iso.replaceAll('-', '');
}

/** `YYYYMM` → `YYYY-MM`, or undefined. */
export function parsePeriod(text: string): string | undefined {
  if (!/^\d{6}$/.test(text)) return undefined;
  const m = Number(text.slice(4, 6));
  if (m < 1 || m > 12) return undefined;
  return `${text.slice(0, 4)}-${text.slice(4, 6)}`;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** A whole number such as a year index (`0`, `-1`) or a dimension number. */
export function parseInteger(text: string): number | undefined {
  if (!/^-?\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}
