import { malformed } from './errors.ts';

/** A field is either text (quotes and escapes removed) or an object list `{…}` of its elements. */
export type SieField = string | readonly string[];

export type SieLine =
  /** `quoted[i]`: field i began with a quote (tells `"a b"` from a writer's unquoted `a b`). */
  | { readonly kind: 'record'; readonly label: string; readonly fields: readonly SieField[]; readonly quoted: readonly boolean[] }
  | { readonly kind: 'open' }
  | { readonly kind: 'close' };

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * Splits one line (without its line end) into a label and fields, following SIE §5.7:
 * fields are separated by runs of spaces or tabs; a field may be quoted, and inside quotes only
 * `\"` is an escape, so other backslashes stay literal (Windows paths in #FNR); `{…}` is an object
 * list whose elements follow the same rules. Returns undefined for a blank line.
 */
export function tokenizeLine(raw: string, lineNo: number, warn: (message: string) => void = () => {}): SieLine | undefined {
  let end = raw.length;
  while (end > 0 && isBlank(raw[end - 1])) end--;
  const line = end === raw.length ? raw : raw.slice(0, end);
  let i = 0;
  while (isBlank(line[i])) i++;
  if (i === line.length) return undefined;
  const rest = line.slice(i);
  if (rest === '{') return { kind: 'open' };
  if (rest === '}') return { kind: 'close' };
  if (line[i] !== '#') {
    throw malformed(lineNo, `expected a record starting with a #LABEL, or a lone { or }, but found ${JSON.stringify(excerpt(rest))}`);
  }
  const labelStart = i;
  while (i < line.length && !isBlank(line[i])) i++;
  const label = line.slice(labelStart, i);
  if (!/^#[A-Za-z0-9_]+$/.test(label)) throw malformed(lineNo, `invalid label ${JSON.stringify(excerpt(label))}: a label is # followed by letters, such as #VER`);

  const fields: SieField[] = [];
  const quoted: boolean[] = [];
  for (;;) {
    while (isBlank(line[i])) i++;
    if (i >= line.length) break;
    if (line[i] === '{') {
      i++;
      const items: string[] = [];
      for (;;) {
        while (isBlank(line[i])) i++;
        if (i >= line.length) throw malformed(lineNo, `object list in ${label} is not closed with }`);
        if (line[i] === '}') {
          i++;
          break;
        }
        items.push(readValue(true));
      }
      fields.push(items);
      quoted.push(false);
    } else {
      quoted.push(line[i] === '"');
      fields.push(readValue(false));
    }
  }
  return { kind: 'record', label, fields, quoted };

  function readValue(inList: boolean): string {
    let value = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      // Jump from quote to quote; only `\"` needs care.
      while (i < line.length) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          value += line.slice(i);
          i = line.length;
          break;
        }
        if (q > i && line[q - 1] === '\\') {
          value += `${line.slice(i, q - 1)}"`;
          i = q + 1;
          continue;
        }
        value += line.slice(i, q);
        i = q + 1;
        closed = true;
        break;
      }
      if (!closed) {
        // `"C:\dir\"` at the end of a line: the writer meant a literal backslash, not an escape.
        if (line.endsWith('\\"') && value.endsWith('"')) {
          warn(`line ${lineNo}: quoted field ends with \\" and no closing quote; read the backslash as literal`);
          value = `${value.slice(0, -1)}\\`;
        } else {
          throw malformed(lineNo, `quoted field in ${label} is not closed (a " is missing)`);
        }
      }
    }
    // Characters glued to a closing quote (`"a b"\`) continue the same field; quotes there are literal.
    const start = i;
    while (i < line.length && !isBlank(line[i]) && !(inList && line[i] === '}')) i++;
    return i > start ? value + line.slice(start, i) : value;
  }
}

function excerpt(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
