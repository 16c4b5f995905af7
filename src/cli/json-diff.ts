/** A field-level diff of two JSON values, for `noxbackup diff` (and later the web UI). */

export interface FieldChange {
  /** JSON-pointer-like path: `Customer.Address1`, `Invoice.InvoiceRows[2].Price`. */
  readonly path: string;
  /** Absent when the field was added. */
  readonly from?: unknown;
  /** Absent when the field was removed. */
  readonly to?: unknown;
}

/**
 * Compares objects key by key and arrays index by index (Fortnox rows keep their order), down to
 * the leaves. Values of different types are one change at their path.
 */
export function diffJson(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (Object.is(from, to)) return [];
  const join = (k: string | number) => (typeof k === 'number' ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`);
  if (Array.isArray(from) && Array.isArray(to)) {
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(from.length, to.length); i++) {
      if (i >= to.length) out.push({ path: join(i), from: from[i] });
      else if (i >= from.length) out.push({ path: join(i), to: to[i] });
      else out.push(...diffJson(from[i], to[i], join(i)));
    }
    return out;
  }
  if (isObject(from) && isObject(to)) {
    const out: FieldChange[] = [];
    for (const k of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
      if (!(k in to)) out.push({ path: join(k), from: from[k] });
      else if (!(k in from)) out.push({ path: join(k), to: to[k] });
      else out.push(...diffJson(from[k], to[k], join(k)));
    }
    return out;
  }
  return [{ path: path === '' ? '(value)' : path, from, to }];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
