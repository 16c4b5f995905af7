import { extname } from 'node:path';

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
const MAX_NAME_BYTES = 150;

/**
 * A file name that is safe on Windows, macOS and Linux and inside a ZIP, kept readable: Swedish (and
 * other) letters stay, NFC-normalised; path separators, control characters and characters Windows forbids
 * become `_`; leading dots and blanks, trailing dots and blanks and `..` go; reserved device names
 * (`CON`, `NUL` …) get a `_`; the name is cut to 150 UTF-8 bytes keeping its extension. Never empty.
 */
export function safeFileName(raw: string, fallback = 'fil'): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  let name = raw.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f<>:"/\\|?*]/g, '_');
  name = name.replace(/\s+/g, ' ').replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if (name === '' || /^_+$/.test(name)) name = fallback;
  const ext = extname(name);
  let base = ext === '' ? name : name.slice(0, -ext.length);
  if (WINDOWS_RESERVED.test(base) || base === '') base = `${base}_`;
  if (ext.length > 16) base = name;
  const safeExt = ext.length > 16 ? '' : ext;
  base = truncateUtf8(base, MAX_NAME_BYTES - Buffer.byteLength(safeExt));
  return `${base}${safeExt}`;
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out.replace(/[\s.]+$/, '');
}

/**
 * Hands out unique paths in one folder: the first file named `Kvitto.pdf` gets it, later ones
 * `Kvitto (2).pdf`, `Kvitto (3).pdf` … Comparison ignores case, since Windows and macOS do.
 */
export class NameAllocator {
  readonly #used = new Set<string>();

  allocate(folder: string, fileName: string): string {
    const ext = extname(fileName);
    const base = ext === '' ? fileName : fileName.slice(0, -ext.length);
    for (let n = 1; ; n++) {
      const candidate = `${folder}/${n === 1 ? fileName : `${base} (${n})${ext}`}`;
      const key = candidate.toLowerCase();
      if (!this.#used.has(key)) {
        this.#used.add(key);
        return candidate;
      }
    }
  }
}
