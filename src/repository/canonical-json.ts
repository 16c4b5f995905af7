import { badInput } from './errors.ts';

/** A JSON value as the repository stores it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The canonical form every record is stored in, so equal records have equal bytes and equal blob ids:
 *  - object keys sorted by UTF-16 code units (as RFC 8785 JCS), no duplicate keys;
 *  - no whitespace outside strings;
 *  - strings escaped as `JSON.stringify` does (JCS's rules: `"`, `\\` and control characters only;
 *    every other character, including non-ASCII, written as itself);
 *  - numbers: from a JavaScript value, ECMAScript's shortest round-trip form (`JSON.stringify`, as JCS);
 *    from JSON text (`canonicalJsonFromText`), the number's own spelling is kept, so `1.10` stays `1.10`
 *    and `1e3` stays `1e3`. Strings are never numbers: Fortnox's `"0"` and `0` stay different.
 * Non-finite numbers, `undefined`, functions, symbols and bigints are rejected, never silently dropped.
 * `-0` is written `0` (as JSON.stringify and JCS do).
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  writeValue(value, out, '$');
  return out.join('');
}

export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function writeValue(value: unknown, out: string[], path: string): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw badInput(`Not a JSON number at ${path}: ${String(value)}`, { path });
      out.push(JSON.stringify(value));
      return;
    case 'object':
      if (value === null) {
        out.push('null');
        return;
      }
      if (value instanceof RawNumber) {
        out.push(value.text);
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((item, i) => {
          if (i > 0) out.push(',');
          writeValue(item, out, `${path}[${i}]`);
        });
        out.push(']');
        return;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
        throw badInput(`Not a plain JSON object at ${path}`, { path });
      }
      {
        const keys = Object.keys(value).sort(compareKeys);
        out.push('{');
        keys.forEach((key, i) => {
          if (i > 0) out.push(',');
          out.push(JSON.stringify(key), ':');
          writeValue((value as Record<string, unknown>)[key], out, `${path}.${key}`);
        });
        out.push('}');
      }
      return;
    default:
      throw badInput(`Not a JSON value at ${path}: ${typeof value}`, { path });
  }
}

/** Orders strings by UTF-16 code units, the order JCS prescribes and JavaScript's `<` gives. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A number kept in the spelling it had in the source text. */
class RawNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * Canonicalises JSON text without passing numbers through a double, so a number keeps its exact
 * spelling (`100.50`, `1E2`, 20-digit ids). Rejects invalid JSON and duplicate object keys.
 */
export function canonicalJsonFromText(text: string): string {
  let pos = 0;
  const fail = (what: string): never => {
    throw badInput(`Invalid JSON text at offset ${pos}: ${what}`, { offset: pos });
  };
  const skip = (): void => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(text);
    pos = WHITESPACE.lastIndex;
  };
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) return undefined;
    pos = re.lastIndex;
    return m[0];
  };
  const parse = (depth: number): unknown => {
    if (depth > 512) fail('nested too deeply');
    skip();
    const c = text[pos];
    if (c === '{') {
      pos += 1;
      const obj: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      skip();
      if (text[pos] === '}') {
        pos += 1;
        return obj;
      }
      for (;;) {
        skip();
        const rawKey = match(STRING) ?? fail('expected a string key');
        const key = JSON.parse(rawKey) as string;
        if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key ${rawKey}`);
        skip();
        if (text[pos] !== ':') fail('expected ":"');
        pos += 1;
        obj[key] = parse(depth + 1);
        skip();
        if (text[pos] === ',') {
          pos += 1;
          continue;
        }
        if (text[pos] === '}') {
          pos += 1;
          return obj;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos += 1;
      const arr: unknown[] = [];
      skip();
      if (text[pos] === ']') {
        pos += 1;
        return arr;
      }
      for (;;) {
        arr.push(parse(depth + 1));
        skip();
        if (text[pos] === ',') {
          pos += 1;
          continue;
        }
        if (text[pos] === ']') {
          pos += 1;
          return arr;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return JSON.parse(match(STRING) ?? fail('invalid string')) as string;
    if (text.startsWith('true', pos)) return ((pos += 4), true);
    if (text.startsWith('false', pos)) return ((pos += 5), false);
    if (text.startsWith('null', pos)) return ((pos += 4), null);
    const num = match(NUMBER);
    if (num !== undefined) return new RawNumber(num);
    return fail('unexpected character');
  };
  const value = parse(0);
  skip();
  if (pos !== text.length) fail('trailing characters');
  return canonicalJson(value);
}
