/**
 * What a restore may write, per data set. Fortnox's OpenAPI document marks no field read-only, so the
 * lists below come from its guides (totals, stock figures and balances are computed by Fortnox) and
 * from what a register restore must not touch (ledger figures). docs/restore.md repeats them.
 */
import type { JsonObject, JsonValue } from '../fortnox/index.ts';
import { keys } from '../backup/layout.ts';

/** The registers a same-company restore writes, in the order it writes them (references first). */
export const REGISTER_DATASETS = ['accounts', 'costcenters', 'projects', 'customers', 'suppliers', 'articles'] as const;
export type RegisterDataSet = (typeof REGISTER_DATASETS)[number];

export function isRegisterDataSet(name: string): name is RegisterDataSet {
  return (REGISTER_DATASETS as readonly string[]).includes(name);
}

interface RegisterSpec {
  /** The field that names the record; the restore always sends it, so creates are idempotent by number. */
  readonly idField: string;
  /** Computed by Fortnox or changed only through other documents; never sent, never compared. */
  readonly readOnly: readonly string[];
}

export const REGISTERS: Readonly<Record<RegisterDataSet, RegisterSpec>> = Object.freeze({
  // Accounts are per financial year: `Year` travels as ?financialyear=. The carried-forward balance is
  // the year's result; quantity settings are fixed by the chart of accounts.
  accounts: { idField: 'Number', readOnly: ['Year', 'BalanceCarriedForward', 'QuantitySettings', 'QuantityUnit'] },
  costcenters: { idField: 'Code', readOnly: [] },
  projects: { idField: 'ProjectNumber', readOnly: [] },
  customers: { idField: 'CustomerNumber', readOnly: [] },
  suppliers: { idField: 'SupplierNumber', readOnly: [] },
  // Stock figures move with stock transactions, and the supplier's name follows its number.
  articles: { idField: 'ArticleNumber', readOnly: ['DisposableQuantity', 'ReservedQuantity', 'StockValue', 'QuantityInStock', 'SupplierName'] },
});

/**
 * An account's opening balance is a ledger figure: in the same company it follows from the previous
 * year's closing (bokslut), so a register restore never writes it. Into a new, empty company it is
 * written (there is no previous year there), and also put in the SIE file.
 */
export const LEDGER_FIELDS: Readonly<Partial<Record<RegisterDataSet, readonly string[]>>> = Object.freeze({ accounts: ['BalanceBroughtForward'] });

/** The fields of a stored register record that a restore writes, identity included. */
export function writableRegisterFields(dataset: RegisterDataSet, record: JsonObject, options: { ledger?: boolean } = {}): JsonObject {
  const skip = new Set([...REGISTERS[dataset].readOnly, ...(options.ledger === true ? [] : (LEDGER_FIELDS[dataset] ?? []))]);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith('@') || skip.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** The layout key of a register record (accounts carry their financial year). */
export function registerKey(dataset: RegisterDataSet, record: JsonObject): string {
  const id = record[REGISTERS[dataset].idField];
  if (typeof id !== 'string' && typeof id !== 'number') throw new RangeError(`${dataset}: record without ${REGISTERS[dataset].idField}`);
  if (dataset === 'accounts') return keys.account(typeof record.Year === 'number' || typeof record.Year === 'string' ? record.Year : '', id);
  return keys.byId(id);
}

/** The identifying fields the Fortnox client wants for a layout key. */
export function registerId(dataset: RegisterDataSet, key: string): Record<string, string> {
  if (dataset === 'accounts') {
    const [year, number] = key.split('/');
    return { Year: year ?? '', Number: number ?? '' };
  }
  return { [REGISTERS[dataset].idField]: key };
}

/** Equality as Fortnox means it: numbers sent as text come back as numbers and the other way round. */
export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return isBlank(a) && isBlank(b);
  if (isBlank(a) && isBlank(b)) return true;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) {
    const ta = typeof a === 'number' ? String(a) : a;
    const tb = typeof b === 'number' ? String(b) : b;
    const na = Number(ta.replace(',', '.'));
    const nb = Number(tb.replace(',', '.'));
    return ta.trim() !== '' && tb.trim() !== '' && Number.isFinite(na) && na === nb;
  }
  // Fortnox sends some flags as "true"/"false" text.
  if (typeof a === 'boolean' && typeof b === 'string') return String(a) === b;
  if (typeof b === 'boolean' && typeof a === 'string') return String(b) === a;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const names = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !k.startsWith('@')));
    return [...names].every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

// Fortnox answers "" and null for the same empty field depending on the endpoint.
function isBlank(v: JsonValue | undefined): boolean {
  return v === undefined || v === null || v === '';
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A text or number field as text; anything else (null, objects) as "". */
export function str(v: JsonValue | undefined): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}
