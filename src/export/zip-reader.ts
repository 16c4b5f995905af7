import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { NoxError } from '../errors.ts';

/**
 * A small ZIP reader for what ZipWriter writes (and ordinary ZIPs): reads the central directory,
 * ZIP64 included, and streams an entry's inflated bytes, checking its CRC-32 and size at the end.
 * Used to check exports (tests, and anyone who wants to confirm an export file opens).
 */
export interface ZipEntry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

export class ZipReader {
  readonly #fh: FileHandle;
  readonly entries: readonly ZipEntry[];

  private constructor(fh: FileHandle, entries: ZipEntry[]) {
    this.#fh = fh;
    this.entries = entries;
  }

  static async open(path: string): Promise<ZipReader> {
    const fh = await open(path, 'r');
    try {
      return new ZipReader(fh, await readCentralDirectory(fh));
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  entry(name: string): ZipEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  /** The entry's uncompressed bytes as a stream; errors at the end if the CRC or size is wrong. */
  async stream(entry: ZipEntry): Promise<Readable> {
    const head = await readAt(this.#fh, entry.localHeaderOffset, 30);
    if (head.readUInt32LE(0) !== 0x04034b50) throw bad(`no local header for ${entry.name}`);
    const dataStart = entry.localHeaderOffset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
    const fh = this.#fh;
    const raw = Readable.from(
      (async function* () {
        let pos = dataStart;
        let left = entry.compressedSize;
        while (left > 0) {
          const n = Math.min(left, 256 * 1024);
          yield await readAt(fh, pos, n);
          pos += n;
          left -= n;
        }
      })(),
    );
    const body = entry.method === 0 ? raw : raw.pipe(createInflateRaw());
    return Readable.from(
      (async function* () {
        let crc = 0;
        let size = 0;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          yield chunk;
        }
        if (size !== entry.size || crc >>> 0 !== entry.crc32) throw bad(`${entry.name}: CRC or size does not match the directory`);
      })(),
    );
  }

  async read(name: string): Promise<Buffer> {
    const entry = this.entry(name);
    if (entry === undefined) throw bad(`no entry ${name}`);
    const parts: Buffer[] = [];
    for await (const chunk of await this.stream(entry)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  close(): Promise<void> {
    return this.#fh.close();
  }
}

function bad(message: string): NoxError {
  return new NoxError('ZIP_CORRUPT', `ZIP: ${message}`);
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw bad('unexpected end of file');
  return buf;
}

async function readCentralDirectory(fh: FileHandle): Promise<ZipEntry[]> {
  const { size } = await fh.stat();
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(fh, size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end of central directory record');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locatorAt = size - tailLength + eocd - 20;
    const locator = await readAt(fh, locatorAt, 20);
    if (locator.readUInt32LE(0) !== 0x07064b50) throw bad('ZIP64 locator missing');
    const rec = await readAt(fh, Number(locator.readBigUInt64LE(8)), 56);
    if (rec.readUInt32LE(0) !== 0x06064b50) throw bad('ZIP64 end record missing');
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (cd.readUInt32LE(p) !== 0x02014b50) throw bad(`central directory record ${i} is malformed`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let entrySize = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let offset = cd.readUInt32LE(p + 42);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLength);
    const name = flags & 0x0800 ? nameBytes.toString('utf8') : nameBytes.toString('latin1');
    let q = p + 46 + nameLength;
    const extraEnd = q + extraLength;
    while (q + 4 <= extraEnd) {
      const id = cd.readUInt16LE(q);
      const len = cd.readUInt16LE(q + 2);
      if (id === 0x0001) {
        let r = q + 4;
        if (entrySize === 0xffffffff) {
          entrySize = Number(cd.readBigUInt64LE(r));
          r += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(cd.readBigUInt64LE(r));
          r += 8;
        }
        if (offset === 0xffffffff) offset = Number(cd.readBigUInt64LE(r));
      }
      q += 4 + len;
    }
    entries.push({ name, flags, method, crc32: crc, compressedSize, size: entrySize, localHeaderOffset: offset });
    p = extraEnd + commentLength;
  }
  return entries;
}
