/**
 * Reading Fortnox record values, which arrive as JSON of mixed types (`"Credit":"false"`, numbers as
 * numbers or strings, `null` for unset), and converting kronor to integer öre and back.
 */

/** A field as text: strings as they are, numbers and booleans printed, anything else empty. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

export function toOre(kronor: unknown): number {
  return Math.round(Number(kronor ?? 0) * 100);
}

export function toKronor(ore: number): number {
  return ore / 100;
}
