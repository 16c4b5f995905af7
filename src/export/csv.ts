/**
 * Excel-friendly CSV for Swedish Excel: UTF-8 with BOM, `;` between fields, CRLF, fields quoted when
 * they hold `;`, `"`, a line break or leading/trailing blanks. Numbers from Fortnox's JSON keep their
 * spelling with a decimal comma (`1234.50` → `1234,50`), which Swedish Excel reads as a number; dates stay
 * ISO `YYYY-MM-DD`, which it reads as a date. Text that Excel could run as a formula (leading `=`, `+`,
 * `-`, `@`, tab or CR; OWASP "CSV injection", ASVS 1.2.10) gets a leading `'`.
 */
export const CSV_BOM = '\ufeff';
export const CSV_SEPARATOR = ';';
export const CSV_EOL = '\r\n';

/** A JSON number kept as the text it was written with (see parseJsonKeepingNumbers). */
export class JsonNumber {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
}

export type CsvValue = string | number | boolean | null | undefined | JsonNumber;

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text that a spreadsheet could run as a formula, made inert with a leading apostrophe. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One cell, formatted and quoted. */
export function csvCell(value: CsvValue): string {
  let text: string;
  if (value === null || value === undefined) return '';
  if (value instanceof JsonNumber) text = value.source.replace('.', ',');
  else if (typeof value === 'number') text = String(value).replace('.', ',');
  else if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else text = neutraliseFormula(value);
  return /[;"\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(CSV_SEPARATOR) + CSV_EOL;
}

export type JsonLike = null | boolean | string | JsonNumber | JsonLike[] | { [key: string]: JsonLike };

/**
 * JSON.parse that keeps every number as the text it was written with (`100.50` stays `100.50`), using
 * the reviver's source text (ES2025 JSON.parse source text access, in Node 24).
 */
export function parseJsonKeepingNumbers(text: string): JsonLike {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' ? new JsonNumber(context?.source ?? String(value)) : value,
  ) as JsonLike;
}

export function isPlainObject(v: JsonLike | undefined): v is { [key: string]: JsonLike } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** An array whose elements are all objects: Fortnox's row lists (InvoiceRows, VoucherRows …). */
export function isRowList(v: JsonLike | undefined): v is { [key: string]: JsonLike }[] {
  return Array.isArray(v) && v.length > 0 && v.every(isPlainObject);
}

/**
 * Flattens a record into cells: nested objects become `Parent.Child` columns, lists of scalars one cell
 * joined by `, `, anything deeper one cell of JSON. Row lists are left out (they go to their own file).
 */
export function flattenRecord(record: JsonLike, rowLists: ReadonlySet<string>, prefix = '', out: Map<string, CsvValue> = new Map()): Map<string, CsvValue> {
  if (!isPlainObject(record)) {
    out.set(prefix === '' ? 'value' : prefix, scalar(record));
    return out;
  }
  for (const [field, value] of Object.entries(record)) {
    const name = prefix === '' ? field : `${prefix}.${field}`;
    if (prefix === '' && rowLists.has(field)) continue;
    if (isPlainObject(value)) flattenRecord(value, rowLists, name, out);
    else out.set(name, scalar(value));
  }
  return out;
}

function scalar(value: JsonLike): CsvValue {
  if (!Array.isArray(value)) return isPlainObject(value) ? JSON.stringify(toPlain(value)) : value;
  if (value.every((v) => v === null || typeof v !== 'object' || v instanceof JsonNumber)) {
    return value.map((v) => (v instanceof JsonNumber ? v.source : v === null || typeof v !== 'object' ? String(v) : '')).join(', ');
  }
  return JSON.stringify(toPlain(value));
}

function toPlain(value: JsonLike): unknown {
  if (value instanceof JsonNumber) return Number(value.source);
  if (Array.isArray(value)) return value.map(toPlain);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}
