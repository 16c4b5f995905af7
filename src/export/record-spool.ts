import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Keeps a data set's records (key and canonical bytes) from the JSON pass for the CSV passes, so each
 * record is decrypted once per export rather than once per output file: in memory up to `memoryBytes`,
 * then appended to a private temporary file (mode 0600, removed by `close`). The export is plaintext
 * anyway; the file lives no longer than the export.
 */
export class RecordSpool {
  readonly #memoryBytes: number;
  #memory: { key: string; bytes: Buffer }[] = [];
  #held = 0;
  #dir: string | undefined;
  #file: FileHandle | undefined;
  #path: string | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(memoryBytes = 16 * 1024 * 1024) {
    this.#memoryBytes = memoryBytes;
  }

  async add(key: string, bytes: Buffer): Promise<void> {
    if (this.#file === undefined && this.#held + bytes.length + key.length <= this.#memoryBytes) {
      this.#memory.push({ key, bytes });
      this.#held += bytes.length + key.length;
      return;
    }
    if (this.#file === undefined) {
      this.#dir = await mkdtemp(join(tmpdir(), 'nox-export-'));
      this.#path = join(this.#dir, 'records');
      this.#file = await open(this.#path, 'wx', 0o600);
      for (const r of this.#memory) this.#frame(r.key, r.bytes);
      this.#memory = [];
      this.#held = 0;
    }
    this.#frame(key, bytes);
    if (this.#pendingBytes >= 1024 * 1024) await this.#flush();
  }

  #frame(key: string, bytes: Buffer): void {
    const k = Buffer.from(key, 'utf8');
    const head = Buffer.alloc(8);
    head.writeUInt32BE(k.length, 0);
    head.writeUInt32BE(bytes.length, 4);
    this.#pending.push(head, k, bytes);
    this.#pendingBytes += 8 + k.length + bytes.length;
  }

  async #flush(): Promise<void> {
    if (this.#file === undefined || this.#pendingBytes === 0) return;
    await this.#file.write(Buffer.concat(this.#pending, this.#pendingBytes));
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** The records in the order they were added; may be iterated any number of times. */
  async *records(): AsyncGenerator<{ key: string; bytes: Buffer }> {
    if (this.#file === undefined) {
      yield* this.#memory;
      return;
    }
    await this.#flush();
    let buf: Buffer = Buffer.alloc(0);
    for await (const chunk of createReadStream(this.#path!, { highWaterMark: 1024 * 1024 })) {
      buf = buf.length === 0 ? (chunk as Buffer) : Buffer.concat([buf, chunk as Buffer]);
      let p = 0;
      while (p + 8 <= buf.length) {
        const kl = buf.readUInt32BE(p);
        const bl = buf.readUInt32BE(p + 4);
        if (p + 8 + kl + bl > buf.length) break;
        yield { key: buf.toString('utf8', p + 8, p + 8 + kl), bytes: Buffer.from(buf.subarray(p + 8 + kl, p + 8 + kl + bl)) };
        p += 8 + kl + bl;
      }
      buf = buf.subarray(p);
    }
  }

  async close(): Promise<void> {
    this.#memory = [];
    await this.#file?.close();
    this.#file = undefined;
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
  }
}
