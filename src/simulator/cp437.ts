/**
 * Code page 437 ("PC8"), the character set SIE files are written in (sie-format.md §2.3). Node has no
 * codec for it, and the simulator shares no code with the client's SIE library, so it carries its own.
 */

/** The characters of bytes 0x80–0xFF. */
const UPPER =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const ENCODE = new Map<string, number>([...UPPER].map((ch, i) => [ch, 0x80 + i]));

/** Characters CP437 lacks, written as their nearest ASCII (sie-format.md §7 item 12). */
const FALLBACK: Record<string, string> = { '€': 'EUR', '’': "'", '‘': "'", '“': '"', '”': '"', '–': '-', '—': '-', '…': '...', 'Ø': 'O', 'ø': 'o', 'õ': 'o', 'š': 's', 'Š': 'S', 'ž': 'z', 'Ž': 'Z', 'Á': 'A', 'À': 'A', 'È': 'E', 'Ê': 'E', 'Ó': 'O', 'Ú': 'U', 'ý': 'y' };

export function encodeCp437(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code < 0x80) {
      out.push(code);
      continue;
    }
    const byte = ENCODE.get(ch);
    if (byte !== undefined) {
      out.push(byte);
      continue;
    }
    const fallback = FALLBACK[ch];
    if (fallback !== undefined && fallback !== ch) for (const c of fallback) out.push(ENCODE.get(c) ?? c.charCodeAt(0));
    else out.push(0x3f);
  }
  return Buffer.from(out);
}

export function decodeCp437(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : (UPPER[b - 0x80] as string);
  return s;
}
