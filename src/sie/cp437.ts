/**
 * Code page 437 ("PC8"), the only character set SIE allows. Node's TextDecoder has no ibm437,
 * so we carry the table. Bytes 0x00–0x7F are read as ASCII (not as CP437's graphic glyphs for
 * control codes), because that is what every SIE writer means by them.
 */
const HIGH = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const DECODE: readonly string[] = Array.from({ length: 256 }, (_, b) => (b < 0x80 ? String.fromCharCode(b) : HIGH[b - 0x80]!));

// Code point → byte for the high half; every CP437 character lies below U+2600. 0 = not in CP437.
const ENCODE = new Uint8Array(0x2600);
for (let i = 0; i < HIGH.length; i++) ENCODE[HIGH.charCodeAt(i)] = 0x80 + i;
const cp437Byte = (cp: number): number => (cp < 0x2600 ? ENCODE[cp]! : 0);

/**
 * What the writer puts in place of characters CP437 lacks. Chosen so that Fortnox texts stay
 * readable: money and punctuation keep their meaning; everything else unknown becomes `?`.
 */
export const CP437_FALLBACKS: Readonly<Record<string, string>> = Object.freeze({
  '€': 'EUR',
  '‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", '´': "'",
  '“': '"', '”': '"', '„': '"', '‟': '"', '″': '"',
  '–': '-', '—': '-', '‐': '-', '‑': '-', '−': '-', '―': '-',
  '…': '...', '•': '*', '™': '(TM)', '©': '(C)', '®': '(R)',
  'ø': 'o', 'Ø': 'O', 'š': 's', 'Š': 'S', 'ž': 'z', 'Ž': 'Z', 'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'œ': 'oe', 'Œ': 'OE',
  '\u2009': ' ', '\u202f': ' ', '\u2007': ' ', '\u200b': '',
});

/** Decodes CP437 bytes. Every byte has a character, so this never fails. */
export function decodeCp437(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  let runStart = start;
  // ASCII runs are copied in one go; only high bytes go through the table.
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) {
      if (i > runStart) out += latin1(bytes, runStart, i);
      out += DECODE[b]!;
      runStart = i + 1;
    }
  }
  if (end > runStart) out += latin1(bytes, runStart, end);
  return out;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

export interface Cp437Substitution {
  readonly char: string;
  readonly replacement: string;
}

/**
 * Replaces every character CP437 lacks: first by `CP437_FALLBACKS`, then by the letter without its
 * accent (`ş` → `s`), otherwise by `?`. Each substituted character is reported once.
 */
export function toCp437Text(text: string): { text: string; substitutions: Cp437Substitution[] } {
  let out = '';
  let runStart = 0;
  let substitutions: Map<string, string> | undefined;
  for (let i = 0; i < text.length; i++) {
    const cp = text.charCodeAt(i);
    if (cp < 0x80 || cp437Byte(cp) !== 0) continue;
    // Slow path only for the rare characters that need replacing.
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    const replacement = fallback(ch);
    out += text.slice(runStart, i) + replacement;
    substitutions ??= new Map();
    if (!substitutions.has(ch)) substitutions.set(ch, replacement);
    i += ch.length - 1;
    runStart = i + 1;
  }
  if (substitutions === undefined) return { text, substitutions: [] };
  out += text.slice(runStart);
  return { text: out, substitutions: [...substitutions].map(([char, replacement]) => ({ char, replacement })) };
}

/** Encodes text as CP437 bytes, substituting as `toCp437Text` does. */
export function encodeCp437(text: string): { bytes: Buffer; substitutions: Cp437Substitution[] } {
  const safe = toCp437Text(text);
  const t = safe.text;
  let i = 0;
  while (i < t.length && t.charCodeAt(i) < 0x80) i++;
  // Most SIE text is ASCII: let Buffer copy it natively.
  if (i === t.length) return { bytes: Buffer.from(t, 'latin1'), substitutions: safe.substitutions };
  const bytes = Buffer.allocUnsafe(t.length);
  bytes.write(t.slice(0, i), 'latin1');
  for (; i < t.length; i++) {
    const cp = t.charCodeAt(i);
    bytes[i] = cp < 0x80 ? cp : cp437Byte(cp);
  }
  return { bytes, substitutions: safe.substitutions };
}

function fallback(ch: string): string {
  const mapped = CP437_FALLBACKS[ch];
  if (mapped !== undefined) return mapped;
  const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
  if (base !== ch && base !== '' && [...base].every((c) => c.codePointAt(0)! < 0x80 || cp437Byte(c.codePointAt(0)!) !== 0)) return base;
  return '?';
}
