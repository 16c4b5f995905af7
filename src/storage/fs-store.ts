import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, opendir, readFile, rename, stat, unlink } from 'node:fs/promises';
import type { Dir } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { chunksOf, errorCode } from './body.ts';
import { NoxError } from '../errors.ts';
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

/**
 * Temp files carry a `~`, which no key may contain, so they can never be mistaken for an object:
 * `list`, `get` and `head` cannot reach them.
 */
const TEMP_PREFIX = '.tmp~';
const KEY_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._-]+$/;
const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
const DAY_MS = 24 * 60 * 60 * 1000;

export interface FsObjectStoreOptions {
  /** The repository's directory; created on the first put. */
  readonly root: string;
  /**
   * fsync files and directories so a put survives a power cut, not just a crash of the process.
   * Only tests turn this off.
   */
  readonly fsync?: boolean;
}

/**
 * The default adapter: one file per object under a root directory, keys as relative paths.
 * A put writes a temp file in the target directory, fsyncs it, then renames it into place (or links it,
 * for `ifAbsent`, which fails atomically if the name exists) and fsyncs the directory.
 */
export class FsObjectStore implements ObjectStore {
  readonly description: string;
  readonly root: string;
  readonly #fsync: boolean;

  constructor(options: FsObjectStoreOptions) {
    this.root = resolve(options.root);
    this.description = `fs:${this.root}`;
    this.#fsync = options.fsync ?? true;
  }

  async put(key: string, data: Buffer | Readable, options?: { ifAbsent?: boolean }): Promise<void> {
    const path = this.#path(key);
    const dir = dirname(path);
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    let tempExists = false;
    try {
      await this.#makeDirectory(dir);
      const handle = await open(temp, 'wx');
      tempExists = true;
      try {
        for await (const chunk of chunksOf(data)) await handle.writeFile(chunk);
        if (this.#fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      if (options?.ifAbsent === true) {
        // link() refuses an existing name atomically, so of two racing writers exactly one wins, and
        // the winner's object appears whole because the temp file was complete before the link.
        await link(temp, path);
        tempExists = false;
        // The object is in place; a temp name left behind by a failed unlink is swept later.
        await unlink(temp).catch(() => undefined);
      } else {
        await rename(temp, path);
        tempExists = false;
      }
      await this.#syncDirectory(dir);
    } catch (err) {
      if (tempExists) await unlink(temp).catch(() => undefined);
      if (options?.ifAbsent === true && errorCode(err) === 'EEXIST' && (await this.#isFile(path))) {
        throw new ObjectExistsError(this.description, key);
      }
      throw this.#fail('put', key, path, err);
    }
  }

  async get(key: string): Promise<Buffer> {
    const path = this.#path(key);
    try {
      return await readFile(path);
    } catch (err) {
      throw this.#fail('get', key, path, err);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const handle = await this.#openFile('getStream', key);
    return handle.createReadStream();
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    assertValidRange(offset, length);
    const handle = await this.#openFile('getRange', key);
    try {
      const { size } = await handle.stat();
      if (offset + length > size) throw rangeError(this.description, key, offset, length, size);
      const out = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        // The file shrank under us, which only a foreign process can do.
        if (bytesRead === 0) throw rangeError(this.description, key, offset, length, offset + done);
        done += bytesRead;
      }
      return out;
    } catch (err) {
      throw this.#fail('getRange', key, this.#path(key), err);
    } finally {
      await handle.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.#path(key);
    try {
      const s = await stat(path);
      return s.isFile() ? { key, size: s.size, modified: s.mtime } : undefined;
    } catch (err) {
      if (NOT_FOUND.has(errorCode(err) ?? '')) return undefined;
      throw this.#fail('head', key, path, err);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    yield* this.#walk(slash < 0 ? '' : prefix.slice(0, slash), prefix);
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await unlink(path);
      await this.#syncDirectory(dirname(path));
    } catch (err) {
      // EPERM is what unlink() of a directory gives on Linux; a directory is not an object.
      const code = errorCode(err) ?? '';
      if (NOT_FOUND.has(code) || (code === 'EPERM' && !(await this.#isFile(path)))) return;
      throw this.#fail('delete', key, path, err);
    }
  }

  /**
   * Removes temp files left by puts that died before their rename (a crash or kill -9). Only files
   * older than the grace period go, so a put still writing is never disturbed. Returns how many went.
   */
  async removeStaleTempFiles(options?: { olderThanMs?: number; now?: Date }): Promise<number> {
    const cutoff = (options?.now ?? new Date()).getTime() - (options?.olderThanMs ?? DAY_MS);
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      const handle = await openDirectory(dir);
      if (handle === undefined) return;
      for await (const entry of handle) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && KEY_SEGMENT.test(entry.name)) {
          await visit(path);
        } else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
          const s = await lstat(path).catch(() => undefined);
          if (s !== undefined && s.mtime.getTime() < cutoff) {
            await unlink(path).catch(() => undefined);
            removed += 1;
          }
        }
      }
    };
    try {
      await visit(this.root);
    } catch (err) {
      throw this.#fail('removeStaleTempFiles', '', this.root, err);
    }
    return removed;
  }

  async *#walk(dirKey: string, prefix: string): AsyncGenerator<ObjectInfo> {
    const dirPath = dirKey === '' ? this.root : join(this.root, ...dirKey.split('/'));
    let dir: Dir | undefined;
    try {
      dir = await openDirectory(dirPath);
    } catch (err) {
      throw this.#fail('list', prefix, dirPath, err);
    }
    if (dir === undefined) return;
    try {
      for await (const entry of dir) {
        // Skips temp files and anything else a key could not name.
        if (!KEY_SEGMENT.test(entry.name)) continue;
        const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
        if (entry.isDirectory()) {
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.#walk(key, prefix);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const s = await stat(join(dirPath, entry.name)).catch(() => undefined);
          // A file deleted between readdir and stat is simply no longer there.
          if (s !== undefined) yield { key, size: s.size, modified: s.mtime };
        }
      }
    } catch (err) {
      throw this.#fail('list', prefix, dirPath, err);
    }
  }

  #path(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  async #openFile(operation: string, key: string): Promise<FileHandle> {
    const path = this.#path(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw this.#fail(operation, key, path, err);
    }
    // open() succeeds on a directory on Linux; a directory is not an object.
    const s = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw this.#fail(operation, key, path, err);
    });
    if (!s.isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(this.description, key);
    }
    return handle;
  }

  async #makeDirectory(dir: string): Promise<void> {
    const created = await mkdir(dir, { recursive: true });
    if (created === undefined || !this.#fsync) return;
    // New directories are only durable once the directory holding each of them is synced.
    for (let d = dir; ; d = dirname(d)) {
      await this.#syncDirectory(dirname(d));
      if (d === created || dirname(d) === d) break;
    }
  }

  async #syncDirectory(dir: string): Promise<void> {
    if (!this.#fsync) return;
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async #isFile(path: string): Promise<boolean> {
    return (await stat(path).catch(() => undefined))?.isFile() ?? false;
  }

  /** Turns a filesystem error into the port's errors, with a message saying what to do. */
  #fail(operation: string, key: string, path: string, err: unknown): NoxError {
    if (err instanceof NoxError) return err;
    const code = errorCode(err) ?? '';
    if (NOT_FOUND.has(code) && operation !== 'put' && operation !== 'removeStaleTempFiles') {
      return new ObjectNotFoundError(this.description, key);
    }
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return new StorageError(this.description, operation, key, err, {
        code: 'STORAGE_FULL',
        hint: `The disk holding ${this.root} is full or over quota; nothing was stored. Free space there or point NOX_STORAGE_PATH at a larger disk`,
      });
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return new StorageError(this.description, operation, key, err, {
        code: 'STORAGE_PERMISSION',
        hint: `This process (uid ${process.getuid?.() ?? '?'}) may not ${operation === 'put' || operation === 'delete' ? 'write' : 'read'} ${path}. Give it read and write access to ${this.root}, or choose another NOX_STORAGE_PATH`,
      });
    }
    if (operation === 'put' && (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR')) {
      return new StorageError(this.description, operation, key, err, {
        hint: `${relative(this.root, path)} clashes with another object: a key cannot also be the folder of other keys`,
      });
    }
    return new StorageError(this.description, operation, key, err);
  }
}

async function openDirectory(path: string): Promise<Dir | undefined> {
  try {
    return await opendir(path);
  } catch (err) {
    if (NOT_FOUND.has(errorCode(err) ?? '')) return undefined;
    throw err;
  }
}
