/**
 * A small baseline (SOF0) grayscale JPEG encoder with the standard Annex K tables, plus an 8-bit canvas
 * with a 5×7 bitmap font, enough to draw a scanned till receipt that any image viewer opens.
 */
import { Random } from './random.ts';

export class GrayCanvas {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;

  constructor(width: number, height: number, background = 255) {
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  fillRect(x: number, y: number, w: number, h: number, value: number): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    for (let yy = y0; yy < y1; yy++) this.pixels.fill(value, yy * this.width + x0, yy * this.width + x1);
  }

  /** Draws text in the bitmap font; unknown characters become a blank. Returns the width drawn. */
  text(x: number, y: number, text: string, scale = 2, value = 30): number {
    let cx = x;
    for (const ch of text.toUpperCase()) {
      const glyph = GLYPHS.get(ch);
      if (glyph) {
        for (let row = 0; row < 7; row++) {
          const bits = glyph[row] as number;
          for (let col = 0; col < 5; col++) {
            if (bits & (1 << (4 - col))) this.fillRect(cx + col * scale, y + row * scale, scale, scale, value);
          }
        }
      }
      cx += 6 * scale;
    }
    return cx - x;
  }

  static textWidth(text: string, scale = 2): number {
    return [...text].length * 6 * scale;
  }

  /** Paper texture: a faint gradient and noise, as a scanner or a phone camera leaves it. */
  texture(rnd: Random, amount: number): void {
    for (let i = 0; i < this.pixels.length; i++) {
      const shade = ((i / this.width) | 0) / this.height;
      const v = (this.pixels[i] as number) - shade * 6 + (rnd.float() - 0.5) * amount;
      this.pixels[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

// 5×7 font: each glyph is seven rows of five bits, most significant bit on the left.
const FONT: Record<string, string> = {
  A: '0e 11 11 1f 11 11 11', B: '1e 11 11 1e 11 11 1e', C: '0e 11 10 10 10 11 0e', D: '1e 11 11 11 11 11 1e',
  E: '1f 10 10 1e 10 10 1f', F: '1f 10 10 1e 10 10 10', G: '0e 11 10 17 11 11 0f', H: '11 11 11 1f 11 11 11',
  I: '0e 04 04 04 04 04 0e', J: '07 02 02 02 02 12 0c', K: '11 12 14 18 14 12 11', L: '10 10 10 10 10 10 1f',
  M: '11 1b 15 15 11 11 11', N: '11 11 19 15 13 11 11', O: '0e 11 11 11 11 11 0e', P: '1e 11 11 1e 10 10 10',
  Q: '0e 11 11 11 15 12 0d', R: '1e 11 11 1e 14 12 11', S: '0f 10 10 0e 01 01 1e', T: '1f 04 04 04 04 04 04',
  U: '11 11 11 11 11 11 0e', V: '11 11 11 11 11 0a 04', W: '11 11 11 15 15 15 0a', X: '11 11 0a 04 0a 11 11',
  Y: '11 11 11 0a 04 04 04', Z: '1f 01 02 04 08 10 1f', Å: '04 00 0e 11 1f 11 11', Ä: '0a 00 0e 11 1f 11 11',
  Ö: '0a 00 0e 11 11 11 0e', É: '02 04 1f 10 1e 10 1f', '0': '0e 11 13 15 19 11 0e', '1': '04 0c 04 04 04 04 0e',
  '2': '0e 11 01 02 04 08 1f', '3': '1f 02 04 02 01 11 0e', '4': '02 06 0a 12 1f 02 02', '5': '1f 10 1e 01 01 11 0e',
  '6': '06 08 10 1e 11 11 0e', '7': '1f 01 02 04 08 08 08', '8': '0e 11 11 0e 11 11 0e', '9': '0e 11 11 0f 01 02 0c',
  '.': '00 00 00 00 00 0c 0c', ',': '00 00 00 00 0c 04 08', ':': '00 0c 0c 00 0c 0c 00', '-': '00 00 00 1f 00 00 00',
  '%': '18 19 02 04 08 13 03', '/': '00 01 02 04 08 10 00', '*': '00 04 15 0e 15 04 00', '=': '00 00 1f 00 1f 00 00',
  '#': '0a 0a 1f 0a 1f 0a 0a', '&': '0c 12 14 08 15 12 0d', '(': '02 04 08 08 08 04 02', ')': '08 04 02 02 02 04 08',
};
const GLYPHS = new Map(Object.entries(FONT).map(([ch, rows]) => [ch, rows.split(' ').map((h) => parseInt(h, 16))]));

// ---------------------------------------------------------------------------------------------------
// Encoder

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
  0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
  0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
  0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

interface HuffmanTable { codes: Uint16Array; lengths: Uint8Array }

function buildHuffman(bits: readonly number[], values: readonly number[]): HuffmanTable {
  const codes = new Uint16Array(256);
  const lengths = new Uint8Array(256);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < (bits[len - 1] as number); i++) {
      const v = values[k++] as number;
      codes[v] = code++;
      lengths[v] = len;
    }
    code <<= 1;
  }
  return { codes, lengths };
}

const DC_TABLE = buildHuffman(DC_BITS, DC_VALUES);
const AC_TABLE = buildHuffman(AC_BITS, AC_VALUES);

// cos((2x+1)uπ/16) with the DCT's normalisation folded in.
const COS = new Float64Array(64);
for (let u = 0; u < 8; u++) {
  for (let x = 0; x < 8; x++) COS[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16) / 2;
}

class BitWriter {
  readonly bytes: number[] = [];
  #acc = 0;
  #count = 0;

  write(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((code >> i) & 1);
      if (++this.#count === 8) this.#emit();
    }
  }

  #emit(): void {
    this.bytes.push(this.#acc);
    // A 0xFF byte in entropy-coded data must be followed by a stuffed zero.
    if (this.#acc === 0xff) this.bytes.push(0);
    this.#acc = 0;
    this.#count = 0;
  }

  flush(): void {
    while (this.#count !== 0) this.write(1, 1);
  }
}

function magnitude(v: number): [size: number, bits: number] {
  const a = Math.abs(v);
  let size = 0;
  while (a >> size) size++;
  return [size, v < 0 ? v + (1 << size) - 1 : v];
}

function segment(marker: number, payload: readonly number[] | Buffer): Buffer {
  const length = payload.length + 2;
  return Buffer.concat([Buffer.from([0xff, marker, length >> 8, length & 0xff]), Buffer.from(payload)]);
}

export interface JpegOptions {
  quality?: number;
  comment?: string;
  /** Extra application segments (APP15) so that the file is exactly this many bytes long. */
  padTo?: number;
  padSeed?: number;
}

/** Encodes the canvas as a baseline JFIF JPEG. */
export function encodeJpeg(canvas: GrayCanvas, options: JpegOptions = {}): Buffer {
  const quality = Math.min(100, Math.max(1, options.quality ?? 75));
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  const quant = LUMA_QUANT.map((q) => Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))));

  const head: Buffer[] = [
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 1, 0, 72, 0, 72, 0, 0]),
  ];
  if (options.comment) head.push(segment(0xfe, Buffer.from(options.comment, 'latin1')));
  const tables: Buffer[] = [
    segment(0xdb, [0x00, ...ZIGZAG.map((i) => quant[i] as number)]),
    segment(0xc0, [8, canvas.height >> 8, canvas.height & 0xff, canvas.width >> 8, canvas.width & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES]),
    segment(0xc4, [0x10, ...AC_BITS, ...AC_VALUES]),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
  ];
  const scan = Buffer.from(encodeScan(canvas, quant));
  const tail = Buffer.from([0xff, 0xd9]);

  const parts = [...head, ...tables, scan, tail];
  const plain = parts.reduce((s, b) => s + b.length, 0);
  if (options.padTo === undefined || options.padTo === plain) return Buffer.concat(parts);
  const padding = paddingSegments(options.padTo - plain, options.padSeed ?? 0);
  if (!padding) throw new RangeError(`cannot pad a ${plain}-byte JPEG to exactly ${options.padTo} bytes`);
  return Buffer.concat([...head, ...padding, ...tables, scan, tail]);
}

/** APP15 segments totalling exactly `total` bytes (each segment costs 4 bytes of marker and length). */
function paddingSegments(total: number, seed: number): Buffer[] | undefined {
  if (total < 4) return undefined;
  const rnd = new Random(seed);
  const out: Buffer[] = [];
  let left = total;
  while (left > 0) {
    let take = Math.min(left, 65533 + 4);
    if (left - take > 0 && left - take < 4) take -= 4;
    const data = Buffer.allocUnsafe(take - 4);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(rnd.float() * 256);
    out.push(segment(0xef, data));
    left -= take;
  }
  return out;
}

function encodeScan(canvas: GrayCanvas, quant: readonly number[]): number[] {
  const out = new BitWriter();
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  const coef = new Int32Array(64);
  let previousDc = 0;
  const { width, height, pixels } = canvas;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const py = Math.min(height - 1, by + y) * width;
        for (let x = 0; x < 8; x++) block[y * 8 + x] = (pixels[py + Math.min(width - 1, bx + x)] as number) - 128;
      }
      // Separable 2-D DCT: rows, then columns.
      for (let y = 0; y < 8; y++) {
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += (COS[u * 8 + x] as number) * (block[y * 8 + x] as number);
          tmp[y * 8 + u] = s;
        }
      }
      for (let u = 0; u < 8; u++) {
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += (COS[v * 8 + y] as number) * (tmp[y * 8 + u] as number);
          coef[v * 8 + u] = Math.round(s / (quant[v * 8 + u] as number));
        }
      }
      const dc = coef[0] as number;
      const [dcSize, dcBits] = magnitude(dc - previousDc);
      previousDc = dc;
      out.write(DC_TABLE.codes[dcSize] as number, DC_TABLE.lengths[dcSize] as number);
      if (dcSize) out.write(dcBits, dcSize);
      let run = 0;
      for (let k = 1; k < 64; k++) {
        const v = coef[ZIGZAG[k] as number] as number;
        if (v === 0) {
          run++;
          continue;
        }
        while (run > 15) {
          out.write(AC_TABLE.codes[0xf0] as number, AC_TABLE.lengths[0xf0] as number);
          run -= 16;
        }
        const [size, bits] = magnitude(v);
        const symbol = (run << 4) | size;
        out.write(AC_TABLE.codes[symbol] as number, AC_TABLE.lengths[symbol] as number);
        out.write(bits, size);
        run = 0;
      }
      if (run > 0) out.write(AC_TABLE.codes[0x00] as number, AC_TABLE.lengths[0x00] as number);
    }
  }
  out.flush();
  return out.bytes;
}
