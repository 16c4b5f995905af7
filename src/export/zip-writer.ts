import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { constants, crc32, createDeflateRaw } from 'node:zlib';
import { NoxError } from '../errors.ts';

/**
 * A streaming ZIP writer (APPNOTE 6.3.x) on node:zlib: entries are deflated as they arrive and written
 * straight to `out`, sizes and CRC-32 follow in a data descriptor (flag bit 3), so no entry is ever held
 * in memory. Names are UTF-8 (flag bit 11). ZIP64 records are written where a size, an offset or the
 * entry count passes the classic limits (or always, with `forceZip64`, which the tests use to exercise
 * them without writing 4 GiB). What stays in memory is one central-directory record per entry.
 */
export interface ZipEntryResult {
  readonly name: string;
  /** Uncompressed size. */
  readonly size: number;
  readonly compressedSize: number;
  readonly crc32: number;
  /** Lower-case hex SHA-256 of the uncompressed bytes. */
  readonly sha256: string;
}

export interface ZipWriterOptions {
  /** Write ZIP64 extra fields, descriptors and end records for every entry (tests). */
  readonly forceZip64?: boolean;
  /** Time stamped on entries (default: now). */
  readonly time?: Date;
}

export interface AddFileOptions {
  /** Deflate level 0–9 (default 6); 0 stores the bytes deflated-uncompressed, still streamed. */
  readonly level?: number;
}

interface CentralRecord {
  readonly name: Buffer;
  readonly crc: number;
  readonly size: number;
  readonly compressedSize: number;
  readonly offset: number;
}

const U32 = 0xffffffff;
const U16 = 0xffff;
const FLAGS = 0x0008 | 0x0800; // data descriptor, UTF-8 names
const DEFLATE = 8;
const BLOCK_BYTES = 128 * 1024;

export type ZipSource = Buffer | string | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

export class ZipWriter {
  readonly #out: Writable;
  readonly #forceZip64: boolean;
  readonly #dosTime: number;
  readonly #dosDate: number;
  readonly #central: CentralRecord[] = [];
  readonly #names = new Set<string>();
  #offset = 0;
  #busy = false;
  #finished = false;
  #error: Error | undefined;

  constructor(out: Writable, options: ZipWriterOptions = {}) {
    this.#out = out;
    this.#forceZip64 = options.forceZip64 === true;
    const t = options.time ?? new Date();
    // DOS time is local time by convention; the manifest carries the exact UTC time.
    this.#dosTime = (t.getHours() << 11) | (t.getMinutes() << 5) | Math.floor(t.getSeconds() / 2);
    this.#dosDate = (Math.max(0, t.getFullYear() - 1980) << 9) | ((t.getMonth() + 1) << 5) | t.getDate();
    out.on('error', (err: Error) => {
      this.#error ??= err;
    });
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.#offset;
  }

  get entries(): number {
    return this.#central.length;
  }

  /** Adds one file, streaming its bytes through deflate. Calls must not overlap. */
  async addFile(name: string, source: ZipSource, options: AddFileOptions = {}): Promise<ZipEntryResult> {
    if (this.#busy || this.#finished) throw new NoxError('ZIP_STATE', `ZipWriter: cannot add ${name} ${this.#finished ? 'after finish()' : 'while another entry is being written'}`);
    if (name === '' || name.startsWith('/') || name.split('/').some((p) => p === '..' || p === '.' || p === '') || name.includes('\\') || name.includes('\0')) {
      throw new NoxError('ZIP_BAD_NAME', `ZipWriter: unsafe entry name ${JSON.stringify(name)}`);
    }
    if (this.#names.has(name)) throw new NoxError('ZIP_DUPLICATE_NAME', `ZipWriter: duplicate entry name ${JSON.stringify(name)}`);
    this.#names.add(name);
    this.#busy = true;
    try {
      const nameBytes = Buffer.from(name, 'utf8');
      const offset = this.#offset;
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(this.#forceZip64 ? 45 : 20, 4);
      local.writeUInt16LE(FLAGS, 6);
      local.writeUInt16LE(DEFLATE, 8);
      local.writeUInt16LE(this.#dosTime, 10);
      local.writeUInt16LE(this.#dosDate, 12);
      // crc and sizes 0: they follow in the data descriptor
      local.writeUInt16LE(nameBytes.length, 26);
      local.writeUInt16LE(0, 28);
      await this.#write(Buffer.concat([local, nameBytes]));

      const sha = createHash('sha256');
      let crc = 0;
      let size = 0;
      let compressedSize = 0;
      const deflate = createDeflateRaw({ level: options.level ?? constants.Z_DEFAULT_COMPRESSION });
      const pump = (async () => {
        for await (const chunk of deflate as AsyncIterable<Buffer>) {
          compressedSize += chunk.length;
          await this.#write(chunk);
        }
      })();
      pump.catch((err: unknown) => deflate.destroy(err instanceof Error ? err : new Error(String(err))));
      // Small pieces (one JSON record, one CSV line) are gathered into blocks before deflate: each write
      // to a zlib stream is a round trip to the thread pool, which would otherwise dominate.
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async (): Promise<void> => {
        if (pendingBytes === 0) return;
        const block = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        crc = crc32(block, crc);
        size += block.length;
        sha.update(block);
        if (!deflate.write(block)) await once(deflate, 'drain');
      };
      try {
        for await (const piece of iterate(source)) {
          const buf = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
          if (buf.length === 0) continue;
          pending.push(buf);
          pendingBytes += buf.length;
          if (pendingBytes >= BLOCK_BYTES) await flush();
        }
        await flush();
        deflate.end();
      } catch (err) {
        deflate.destroy();
        throw err;
      }
      await pump;

      const zip64 = this.#forceZip64 || size >= U32 || compressedSize >= U32;
      const descriptor = Buffer.alloc(zip64 ? 24 : 16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc >>> 0, 4);
      if (zip64) {
        descriptor.writeBigUInt64LE(BigInt(compressedSize), 8);
        descriptor.writeBigUInt64LE(BigInt(size), 16);
      } else {
        descriptor.writeUInt32LE(compressedSize, 8);
        descriptor.writeUInt32LE(size, 12);
      }
      await this.#write(descriptor);
      this.#central.push({ name: nameBytes, crc: crc >>> 0, size, compressedSize, offset });
      return { name, size, compressedSize, crc32: crc >>> 0, sha256: sha.digest('hex') };
    } finally {
      this.#busy = false;
    }
  }

  /** Writes the central directory and end records, then ends `out` and waits until it has flushed. */
  async finish(): Promise<{ bytes: number; entries: number }> {
    if (this.#busy || this.#finished) throw new NoxError('ZIP_STATE', 'ZipWriter: finish() called twice or while an entry is being written');
    this.#finished = true;
    const cdStart = this.#offset;
    for (const e of this.#central) await this.#write(this.#centralRecord(e));
    const cdSize = this.#offset - cdStart;
    const count = this.#central.length;
    const zip64 = this.#forceZip64 || count >= U16 || cdStart >= U32 || cdSize >= U32;
    if (zip64) {
      const eocd64Offset = this.#offset;
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4); // size of the rest of the record
      rec.writeUInt16LE((3 << 8) | 45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeUInt32LE(0, 16);
      rec.writeUInt32LE(0, 20);
      rec.writeBigUInt64LE(BigInt(count), 24);
      rec.writeBigUInt64LE(BigInt(count), 32);
      rec.writeBigUInt64LE(BigInt(cdSize), 40);
      rec.writeBigUInt64LE(BigInt(cdStart), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeUInt32LE(0, 4);
      locator.writeBigUInt64LE(BigInt(eocd64Offset), 8);
      locator.writeUInt32LE(1, 16);
      await this.#write(Buffer.concat([rec, locator]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(zip64 ? U16 : count, 8);
    end.writeUInt16LE(zip64 ? U16 : count, 10);
    end.writeUInt32LE(zip64 ? U32 : cdSize, 12);
    end.writeUInt32LE(zip64 ? U32 : cdStart, 16);
    await this.#write(end);
    const finished = once(this.#out, 'finish');
    this.#out.end();
    await finished;
    this.#throwIfFailed();
    return { bytes: this.#offset, entries: count };
  }

  #centralRecord(e: CentralRecord): Buffer {
    const needSize = this.#forceZip64 || e.size >= U32 || e.compressedSize >= U32;
    const needOffset = this.#forceZip64 || e.offset >= U32;
    const extraFields: Buffer[] = [];
    if (needSize) {
      const b = Buffer.alloc(16);
      b.writeBigUInt64LE(BigInt(e.size), 0);
      b.writeBigUInt64LE(BigInt(e.compressedSize), 8);
      extraFields.push(b);
    }
    if (needOffset) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(e.offset), 0);
      extraFields.push(b);
    }
    let extra = Buffer.alloc(0);
    if (extraFields.length > 0) {
      const body = Buffer.concat(extraFields);
      const head = Buffer.alloc(4);
      head.writeUInt16LE(0x0001, 0);
      head.writeUInt16LE(body.length, 2);
      extra = Buffer.concat([head, body]);
    }
    const zip64 = needSize || needOffset;
    const rec = Buffer.alloc(46);
    rec.writeUInt32LE(0x02014b50, 0);
    rec.writeUInt16LE((3 << 8) | (zip64 ? 45 : 20), 4); // made by Unix, so the permissions below apply
    rec.writeUInt16LE(zip64 ? 45 : 20, 6);
    rec.writeUInt16LE(FLAGS, 8);
    rec.writeUInt16LE(DEFLATE, 10);
    rec.writeUInt16LE(this.#dosTime, 12);
    rec.writeUInt16LE(this.#dosDate, 14);
    rec.writeUInt32LE(e.crc, 16);
    rec.writeUInt32LE(needSize ? U32 : e.compressedSize, 20);
    rec.writeUInt32LE(needSize ? U32 : e.size, 24);
    rec.writeUInt16LE(e.name.length, 28);
    rec.writeUInt16LE(extra.length, 30);
    rec.writeUInt16LE(0, 32);
    rec.writeUInt16LE(0, 34);
    rec.writeUInt16LE(0, 36);
    rec.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    rec.writeUInt32LE(needOffset ? U32 : e.offset, 42);
    return Buffer.concat([rec, e.name, extra]);
  }

  async #write(buf: Buffer): Promise<void> {
    this.#throwIfFailed();
    this.#offset += buf.length;
    if (!this.#out.write(buf)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.#out.off('drain', done).off('close', done).off('error', done);
          resolve();
        };
        this.#out.on('drain', done).on('close', done).on('error', done);
      });
      this.#throwIfFailed();
    }
  }

  #throwIfFailed(): void {
    const err = this.#error;
    if (err !== undefined) throw err;
  }
}

async function* iterate(source: ZipSource): AsyncGenerator<Uint8Array | string> {
  if (typeof source === 'string' || Buffer.isBuffer(source)) {
    yield source;
    return;
  }
  yield* source as AsyncIterable<Uint8Array | string>;
}
