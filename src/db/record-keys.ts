/**
 * The order of record keys in the index: by Unicode code point, which is the order of their UTF-8 bytes
 * (SQLite's BINARY collation, PostgreSQL's "C" collation on `record_key`). It differs from JavaScript's
 * default string order (UTF-16 code units) only for characters outside the Basic Multilingual Plane
 * against U+E000–U+FFFF. Listings given to `indexSnapshot` must be sorted by this.
 */
export function compareRecordKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

/** Lifts surrogates (code points ≥ U+10000) above U+E000–U+FFFF, so code units compare like code points. */
function codeUnitRank(u: number): number {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  if (u >= 0xe000) return u - 0x800;
  return u;
}
