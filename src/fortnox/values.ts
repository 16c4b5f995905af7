/**
 * Value helpers for the backup side. Fortnox sends numbers as strings in places (`"CreditInvoiceReference":"0"`),
 * booleans as strings (`"Credit":"false"`), and both `""` and `null` for "not set". These turn such values into
 * plain ones without ever throwing, so one odd field cannot stop a backup.
 */

/** `""`, `null` and `undefined` → null; anything else unchanged. */
export function emptyToNull<T>(value: T): Exclude<T, ''> | null {
  if (value === '' || value === null || value === undefined) return null;
  return value as Exclude<T, ''>;
}

/**
 * A number from a number or a numeric string (`"12.50"`, `" 7 "`, and the Swedish `"12,50"`);
 * null for empty or non-numeric input.
 */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const s = value.trim().replace(/\s/g, '');
  if (s === '') return null;
  const normalised = /^[-+]?\d+,\d+$/.test(s) ? s.replace(',', '.') : s;
  const n = Number(normalised);
  return Number.isFinite(n) ? n : null;
}

/** A boolean from `true`/`false`, `"true"`/`"false"` (any case), `1`/`0`, `"1"`/`"0"`; null otherwise. */
export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return null;
  const s = value.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return null;
}

/** A string, or null for `""`, `null`, `undefined`; numbers become their decimal text. */
export function toText(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return null;
}
