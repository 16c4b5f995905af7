import { crc32 } from 'node:zlib';
import { encodeCp437 } from './cp437.ts';
import type { SieField } from './tokenizer.ts';

/**
 * The bytes one record contributes to #KSUMMA (§10.14): the label and the field contents as CP437,
 * without the blanks between fields, the quotes around them, the braces of object lists, or line ends.
 * An escaped `\"` contributes only its `"` (the tokenizer has already unescaped it).
 */
export function ksummaText(label: string, fields: readonly SieField[]): string {
  let s = label;
  for (const f of fields) s += typeof f === 'string' ? f : f.join('');
  return s;
}

/** Running CRC-32 (zlib/IEEE, the spec's EDB88320H) over the records between the #KSUMMA markers. */
export class KsummaAccumulator {
  #crc = 0;
  #lossy = false;

  add(label: string, fields: readonly SieField[]): void {
    const { bytes, substitutions } = encodeCp437(ksummaText(label, fields));
    if (substitutions.length > 0) this.#lossy = true;
    this.#crc = crc32(bytes, this.#crc);
  }

  /** Unsigned, as written in the file. */
  get value(): number {
    return this.#crc >>> 0;
  }

  /** True when some text had no CP437 form (only possible for UTF-8 files), so the value cannot match. */
  get lossy(): boolean {
    return this.#lossy;
  }
}
