import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../fortnox/index.ts';

/**
 * Fortnox's JSON as we store it: `@url` and its siblings such as invoices' `@urlTaxReductionList` name
 * the host that served them and change with nothing (a new API host would otherwise make every record
 * look changed), so they are dropped (layout.ts), at any depth. Everything else stays as received.
 */
export function withoutUrl(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('@url')) out[k] = strip(v);
  return out;
}

function strip(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(strip);
  if (v !== null && typeof v === 'object') return withoutUrl(v);
  return v;
}

/**
 * A list item's fields compared with the stored detail of the same record. Lists spell some values
 * differently from details (articles' numbers as strings, `""` for null, `Phone` for `Phone1`), so values
 * are normalised and fields the detail does not have are skipped: the comparison is a cheap change
 * signal, never a reason to store anything.
 */
export function listItemDiffers(item: JsonObject, stored: JsonValue | undefined): boolean {
  if (stored === undefined || stored === null || typeof stored !== 'object' || Array.isArray(stored)) return true;
  for (const [field, value] of Object.entries(item)) {
    if (field.startsWith('@')) continue;
    if (!(field in stored)) continue;
    if (normalise(value) !== normalise(stored[field])) return true;
  }
  return false;
}

function normalise(v: JsonValue | undefined): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    const n = Number(v.replace(',', '.'));
    return v.trim() !== '' && Number.isFinite(n) && /^-?\d/.test(v.trim()) ? String(n) : v;
  }
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(canonicalise(v));
}

function canonicalise(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(canonicalise);
  if (v !== null && typeof v === 'object') {
    const out: JsonObject = {};
    for (const k of Object.keys(v).filter((k) => !k.startsWith('@')).sort()) out[k] = canonicalise(v[k] as JsonValue);
    return out;
  }
  return v;
}

/**
 * The rolling full refresh: a record belongs to slot `hash(dataset, key) mod n`, and run number `seq`
 * re-reads slot `seq mod n`. Deterministic, so every record is re-read once every `n` runs however the
 * data changes, and independent of list order.
 */
export function refreshSlotOf(dataset: string, key: string, n: number): number {
  return createHash('sha256').update(`${dataset}\0${key}`).digest().readUInt32BE(0) % n;
}

export class RefreshPlan {
  readonly n: number;
  readonly slot: number;

  constructor(fraction: number, seq: number) {
    this.n = fraction > 0 ? Math.max(1, Math.round(1 / fraction)) : 0;
    this.slot = this.n === 0 ? -1 : seq % this.n;
  }

  due(dataset: string, key: string): boolean {
    return this.n > 0 && refreshSlotOf(dataset, key, this.n) === this.slot;
  }
}
