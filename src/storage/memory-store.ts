import { Readable } from 'node:stream';
import { readBody } from './body.ts';
import {
  assertValidKey,
  assertValidPrefix,
  assertValidRange,
  ObjectExistsError,
  ObjectNotFoundError,
  rangeError,
  StorageError,
  type ObjectInfo,
  type ObjectStore,
} from './object-store.ts';

interface Stored {
  readonly data: Buffer;
  readonly modified: Date;
}

/**
 * Holds objects in a Map, with the same semantics as the other adapters, for fast tests of the
 * modules above the port. Bodies are copied in and out, so a caller mutating a Buffer changes nothing.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly description: string;
  readonly #objects = new Map<string, Stored>();

  constructor(name = 'test') {
    this.description = `memory:${name}`;
  }

  async put(key: string, data: Buffer | Readable, options?: { ifAbsent?: boolean }): Promise<void> {
    assertValidKey(key);
    let bytes: Buffer;
    try {
      bytes = await readBody(data);
    } catch (err) {
      throw new StorageError(this.description, 'put', key, err);
    }
    // The check and the set run without an await between them, so of two racing ifAbsent puts one wins.
    if (options?.ifAbsent === true && this.#objects.has(key)) throw new ObjectExistsError(this.description, key);
    this.#objects.set(key, { data: bytes, modified: new Date() });
  }

  async get(key: string): Promise<Buffer> {
    return Buffer.from(this.#find(key).data);
  }

  async getStream(key: string): Promise<Readable> {
    return Readable.from([Buffer.from(this.#find(key).data)]);
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    assertValidRange(offset, length);
    const { data } = this.#find(key);
    if (offset + length > data.length) throw rangeError(this.description, key, offset, length, data.length);
    return Buffer.from(data.subarray(offset, offset + length));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    const found = this.#objects.get(key);
    return found === undefined ? undefined : { key, size: found.data.length, modified: found.modified };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    for (const key of [...this.#objects.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const found = this.#objects.get(key);
      if (found !== undefined) yield { key, size: found.data.length, modified: found.modified };
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.#objects.delete(key);
  }

  #find(key: string): Stored {
    assertValidKey(key);
    const found = this.#objects.get(key);
    if (found === undefined) throw new ObjectNotFoundError(this.description, key);
    return found;
  }
}
