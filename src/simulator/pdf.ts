/**
 * A minimal PDF 1.4 writer: text in Helvetica (WinAnsiEncoding, so å ä ö é render with the standard
 * fonts every viewer has), lines and filled rectangles, a correct cross-reference table, and optional
 * padding to an exact byte length, so a file's size can be promised before its bytes exist.
 */
import { Random } from './random.ts';

export interface TextOptions {
  size?: number;
  bold?: boolean;
  align?: 'left' | 'right' | 'center';
  /** Gray level, 0 black … 1 white. */
  gray?: number;
}

/** One A4 page in PDF user space (points, origin bottom left). */
export class PdfPage {
  static readonly WIDTH = 595;
  static readonly HEIGHT = 842;
  readonly ops: string[] = [];

  text(x: number, y: number, text: string, options: TextOptions = {}): this {
    const size = options.size ?? 10;
    const font = options.bold ? 'F2' : 'F1';
    const width = textWidth(text, size, options.bold ?? false);
    const left = options.align === 'right' ? x - width : options.align === 'center' ? x - width / 2 : x;
    const color = options.gray === undefined ? '' : `${num(options.gray)} g `;
    this.ops.push(`BT ${color}/${font} ${num(size)} Tf ${num(left)} ${num(y)} Td (${pdfString(text)}) Tj ET`);
    return this;
  }

  line(x1: number, y1: number, x2: number, y2: number, width = 0.5): this {
    this.ops.push(`${num(width)} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S`);
    return this;
  }

  rect(x: number, y: number, w: number, h: number, gray = 0.92): this {
    this.ops.push(`q ${num(gray)} g ${num(x)} ${num(y)} ${num(w)} ${num(h)} re f Q`);
    return this;
  }

  content(): string {
    return this.ops.join('\n');
  }
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

// Helvetica advance widths (per 1000 em) for the characters whose width matters for aligning amounts;
// everything else uses an average. Digits are all 556 in both weights, which keeps columns straight.
const NARROW: Record<string, number> = { ' ': 278, ',': 278, '.': 278, ':': 278, '-': 333, '/': 278, i: 222, l: 222, I: 278, j: 222, t: 278, f: 278, r: 333 };

export function textWidth(text: string, size: number, bold: boolean): number {
  let w = 0;
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') w += 556;
    else w += NARROW[ch] ?? (ch >= 'A' && ch <= 'Z' ? 667 : bold ? 611 : 556);
  }
  return (w * size) / 1000;
}

const WIN_ANSI_EXTRA: Record<string, number> = { '€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97 };

/** A PDF string literal body in WinAnsiEncoding, as a latin1 "binary" string. */
function pdfString(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    let byte: number;
    if (code >= 0x20 && code < 0x7f) byte = code;
    else if (code >= 0xa0 && code <= 0xff) byte = code;
    else byte = WIN_ANSI_EXTRA[ch] ?? 0x3f;
    const c = String.fromCharCode(byte);
    out += c === '(' || c === ')' || c === '\\' ? `\\${c}` : c;
  }
  return out;
}

export interface PdfOptions {
  title?: string;
  author?: string;
  /** `D:YYYYMMDDHHmmss` */
  creationDate?: string;
  /** Pad with an unreferenced binary stream so that the file is exactly this many bytes long. */
  padTo?: number;
  /** Seed for the padding bytes. */
  padSeed?: number;
}

/** Writes a PDF of the given pages. Throws if `padTo` is smaller than the document without padding. */
export function buildPdf(pages: readonly PdfPage[], options: PdfOptions = {}): Buffer {
  const objects: Buffer[] = [];
  const add = (body: string | Buffer): number => {
    objects.push(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
    return objects.length;
  };
  const catalog = add('');
  const pagesObj = add('');
  const f1 = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const f2 = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const page of pages) {
    const content = Buffer.from(page.content(), 'latin1');
    const contentObj = add(Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`, 'latin1'), content, Buffer.from('\nendstream', 'latin1')]));
    kids.push(add(`<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${PdfPage.WIDTH} ${PdfPage.HEIGHT}] /Resources << /Font << /F1 ${f1} 0 R /F2 ${f2} 0 R >> >> /Contents ${contentObj} 0 R >>`));
  }
  objects[catalog - 1] = Buffer.from(`<< /Type /Catalog /Pages ${pagesObj} 0 R >>`, 'latin1');
  objects[pagesObj - 1] = Buffer.from(`<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`, 'latin1');
  const info = add(`<< /Producer (Fortnox) /Title (${pdfString(options.title ?? '')}) /Author (${pdfString(options.author ?? '')})${options.creationDate ? ` /CreationDate (${options.creationDate})` : ''} >>`);

  if (options.padTo === undefined) return assemble(objects, catalog, info);
  const plain = assemble(objects, catalog, info).length;
  // The padding object adds its own header and xref line; solve for the stream length that hits padTo
  // exactly. A change in the number of digits can overshoot by one, which the spare space absorbs.
  const target = options.padTo;
  const seed = options.padSeed ?? 0;
  let length = Math.max(0, target - plain - 64);
  for (let attempt = 0; attempt < 8 && length >= 0; attempt++) {
    const result = assemble([...objects, paddingObject(length, 0, seed)], catalog, info);
    let diff = target - result.length;
    if (diff === 0) return result;
    if (diff > 0 && diff <= 2) {
      const spaced = assemble([...objects, paddingObject(length, diff, seed)], catalog, info);
      if (spaced.length === target) return spaced;
      diff = target - spaced.length;
    }
    length += diff;
  }
  throw new RangeError(`cannot pad a ${plain}-byte PDF to exactly ${target} bytes`);
}

function paddingObject(length: number, spaces: number, seed: number): Buffer {
  const data = Buffer.allocUnsafe(Math.max(0, length));
  // Random-looking bytes, like the embedded images of a real scan: they neither compress nor dedupe.
  const r = new Random(seed);
  for (let i = 0; i < data.length; i += 4) {
    const v = Math.floor(r.float() * 4294967296);
    data[i] = v & 0xff;
    if (i + 1 < data.length) data[i + 1] = (v >>> 8) & 0xff;
    if (i + 2 < data.length) data[i + 2] = (v >>> 16) & 0xff;
    if (i + 3 < data.length) data[i + 3] = (v >>> 24) & 0xff;
  }
  return Buffer.concat([
    Buffer.from(`<< /Length ${data.length}${' '.repeat(spaces)} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

function assemble(objects: readonly Buffer[], root: number, info: number): Buffer {
  const header = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const parts: Buffer[] = [header];
  let offset = header.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const head = Buffer.from(`${i + 1} 0 obj\n`, 'latin1');
    const tail = Buffer.from('\nendobj\n', 'latin1');
    parts.push(head, body, tail);
    offset += head.length + body.length + tail.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root ${root} 0 R /Info ${info} 0 R >>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}
