/** Freezes an object and everything in it: configuration objects are immutable once validated. */
export function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Buffer.isBuffer(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
