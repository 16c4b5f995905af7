import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
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

const MiB = 1024 * 1024;
/** S3's own limits: parts of at least 5 MiB (except the last), at most 10,000 parts, 5 GiB per part. */
export const S3_MIN_PART_SIZE = 5 * MiB;
const S3_MAX_PART_SIZE = 5 * 1024 * MiB;
const S3_MAX_PARTS = 10_000;
/** The only AWS region in Sweden (Stockholm); the terms promise storage in Swedish data centres. */
export const SWEDISH_AWS_REGION = 'eu-north-1';

export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

/**
 * How `put(…, { ifAbsent: true })` is made safe:
 *  - `native`: S3's conditional write (`If-None-Match: *`), atomic across all writers;
 *  - `emulated`: a HEAD then a PUT, serialised within this process only; two processes can both win;
 *  - `auto` (default): probes the server once and uses `native` if it refuses an overwrite with 412.
 */
export type ConditionalWrites = 'auto' | 'native' | 'emulated';

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** Region to sign for; `eu-north-1` (Stockholm) on AWS. */
  readonly region?: string;
  /** For S3-compatible stores (MinIO, Swedish providers, s3rver); AWS when absent. */
  readonly endpoint?: string;
  /** A key prefix inside the bucket, so several repositories can share one; `/` is appended if missing. */
  readonly prefix?: string;
  /** Static credentials; the AWS SDK's default chain (env, profile, instance role) when absent. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible stores need. */
  readonly forcePathStyle?: boolean;
  /** Whether the SDK adds and checks CRC checksums on every request that allows them (default) or only where S3 requires them. */
  readonly checksum?: ChecksumMode;
  /** Bodies larger than this go up in parts (default 16 MiB). */
  readonly multipartThreshold?: number;
  /** Size of each part (default 8 MiB, at least 5 MiB); an upload holds about max(threshold, part size) in memory. */
  readonly partSize?: number;
  readonly conditionalWrites?: ConditionalWrites;
  /** Attempts per request, retries included (the SDK's default is 3). */
  readonly maxAttempts?: number;
}

/** Serialises emulated ifAbsent puts per bucket and key within this process. */
const keyLocks = new Map<string, Promise<unknown>>();

/**
 * An adapter for S3 and S3-compatible stores. Every put is atomic on S3 itself: a PUT or a completed
 * multipart upload becomes visible whole or not at all; a multipart upload that fails is aborted.
 */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #endpoint: string;
  readonly #checksum: ChecksumMode;
  readonly #threshold: number;
  readonly #partSize: number;
  readonly #conditional: ConditionalWrites;
  #probe: Promise<'native' | 'emulated'> | undefined;

  constructor(options: S3ObjectStoreOptions) {
    const prefix = options.prefix === undefined || options.prefix === '' ? '' : options.prefix.replace(/\/*$/, '/');
    if (prefix !== '') assertValidPrefix(prefix);
    this.#partSize = options.partSize ?? 8 * MiB;
    this.#threshold = options.multipartThreshold ?? 16 * MiB;
    if (!Number.isSafeInteger(this.#partSize) || this.#partSize < S3_MIN_PART_SIZE || this.#partSize > S3_MAX_PART_SIZE) {
      throw new NoxError('STORAGE_BAD_CONFIG', `S3 part size must be between 5 MiB and 5 GiB, got ${this.#partSize}`);
    }
    if (!Number.isSafeInteger(this.#threshold) || this.#threshold < 0) {
      throw new NoxError('STORAGE_BAD_CONFIG', `S3 multipart threshold must be a non-negative integer, got ${this.#threshold}`);
    }
    this.#bucket = options.bucket;
    this.#prefix = prefix;
    this.#checksum = options.checksum ?? 'WHEN_SUPPORTED';
    this.#conditional = options.conditionalWrites ?? 'auto';
    this.#endpoint = options.endpoint ?? 'AWS';
    this.description = `s3:${options.bucket}/${prefix}`;
    this.#client = new S3Client({
      region: options.region ?? SWEDISH_AWS_REGION,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      forcePathStyle: options.forcePathStyle ?? false,
      requestChecksumCalculation: this.#checksum,
      responseChecksumValidation: this.#checksum,
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    });
  }

  async put(key: string, data: Buffer | Readable, options?: { ifAbsent?: boolean }): Promise<void> {
    assertValidKey(key);
    if (options?.ifAbsent !== true) return this.#upload(key, data, false);
    const mode = await this.conditionalWriteMode();
    if (mode === 'native') return this.#upload(key, data, true);
    return withKeyLock(`${this.#bucket}/${this.#prefix}${key}`, async () => {
      if ((await this.head(key)) !== undefined) throw new ObjectExistsError(this.description, key);
      await this.#upload(key, data, false);
    });
  }

  async get(key: string): Promise<Buffer> {
    const res = await this.#getObject('get', key);
    try {
      const bytes = await res.Body!.transformToByteArray();
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (res.ContentLength !== undefined && res.ContentLength !== body.length) {
        throw new Error(`received ${body.length} of ${res.ContentLength} bytes`);
      }
      return body;
    } catch (err) {
      throw this.#fail('get', key, err);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const body = (await this.#getObject('getStream', key)).Body;
    // In Node the SDK's body is an IncomingMessage, already a Readable.
    return body instanceof Readable ? body : Readable.from(body as unknown as AsyncIterable<Uint8Array>);
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    assertValidKey(key);
    assertValidRange(offset, length);
    if (length === 0) {
      // HTTP cannot express an empty range; the object must still exist and be long enough.
      const info = await this.head(key);
      if (info === undefined) throw new ObjectNotFoundError(this.description, key);
      if (offset > info.size) throw rangeError(this.description, key, offset, length, info.size);
      return Buffer.alloc(0);
    }
    let res: GetObjectCommandOutput;
    try {
      res = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key, Range: `bytes=${offset}-${offset + length - 1}` }),
      );
    } catch (err) {
      if (s3Status(err) === 416 || s3Name(err) === 'InvalidRange') {
        const size = (await this.head(key))?.size;
        if (size === undefined) throw new ObjectNotFoundError(this.description, key);
        throw rangeError(this.description, key, offset, length, size);
      }
      throw this.#fail('getRange', key, err);
    }
    let body: Buffer;
    try {
      const bytes = await res.Body!.transformToByteArray();
      body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.#fail('getRange', key, err);
    }
    // A server may answer a range with more than was asked (s3rver reads `bytes=0-0` as the whole
    // object) or ignore Range and send everything; Content-Range says where the bytes start.
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.ContentRange ?? '');
    const start = range === null ? 0 : Number(range[1]);
    const size = range === null || range[2] === '*' ? start + body.length : Number(range[2]);
    const wanted = start <= offset ? body.subarray(offset - start, offset - start + length) : Buffer.alloc(0);
    if (wanted.length !== length) throw rangeError(this.description, key, offset, length, size);
    return wanted;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    try {
      const res = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      return { key, size: res.ContentLength ?? 0, modified: res.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.#fail('head', key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
        );
      } catch (err) {
        throw this.#fail('list', prefix, err);
      }
      for (const o of page.Contents ?? []) {
        const key = (o.Key ?? '').slice(this.#prefix.length);
        // Skips what no key can name, such as the probe objects below or a foreign tool's files.
        if (!isValidKey(key)) continue;
        yield { key, size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw this.#fail('delete', key, err);
    }
  }

  /**
   * Whether ifAbsent puts are atomic on this server (`native`) or emulated. In `auto` mode the first
   * call writes a probe object twice, the second time with `If-None-Match: *`: a server that refuses
   * the overwrite supports conditional writes; one that accepts it ignores the header.
   */
  async conditionalWriteMode(): Promise<'native' | 'emulated'> {
    if (this.#conditional !== 'auto') return this.#conditional;
    this.#probe ??= this.#detectConditionalWrites().catch((err: unknown) => {
      this.#probe = undefined;
      throw err;
    });
    return this.#probe;
  }

  /** Closes the HTTP connections the client keeps open. */
  close(): void {
    this.#client.destroy();
  }

  async #detectConditionalWrites(): Promise<'native' | 'emulated'> {
    // `~` keeps the probe out of list(): no valid key contains it.
    const probe = `${this.#prefix}.nox-probe~${randomBytes(8).toString('hex')}`;
    const put = (ifNoneMatch: boolean) =>
      this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: probe, Body: Buffer.alloc(0), ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}) }));
    try {
      await put(false);
      try {
        await put(true);
        return 'emulated';
      } catch (err) {
        if (s3Status(err) === 412) return 'native';
        if (s3Status(err) === 501 || s3Name(err) === 'NotImplemented') return 'emulated';
        throw err;
      }
    } catch (err) {
      throw this.#fail('put', probe, err);
    } finally {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: probe })).catch(() => undefined);
    }
  }

  async #getObject(operation: string, key: string): Promise<GetObjectCommandOutput> {
    assertValidKey(key);
    try {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      if (res.Body === undefined) throw new Error('the response had no body');
      return res;
    } catch (err) {
      throw this.#fail(operation, key, err);
    }
  }

  async #upload(key: string, data: Buffer | Readable, ifNoneMatch: boolean): Promise<void> {
    const reader = new BodyReader(chunksOf(data));
    try {
      const first = await reader.read(this.#threshold + 1);
      if (first.length <= this.#threshold) {
        await this.#send412AsExists(key, () =>
          this.#client.send(
            new PutObjectCommand({
              Bucket: this.#bucket,
              Key: this.#prefix + key,
              Body: first,
              ContentLength: first.length,
              ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
            }),
          ),
        );
        return;
      }
      reader.unread(first);
      await this.#multipart(key, reader, ifNoneMatch);
    } catch (err) {
      throw this.#fail('put', key, err);
    } finally {
      await reader.close();
    }
  }

  async #multipart(key: string, reader: BodyReader, ifNoneMatch: boolean): Promise<void> {
    const Key = this.#prefix + key;
    const checksummed = this.#checksum === 'WHEN_SUPPORTED';
    const { UploadId } = await this.#client.send(
      new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key, ...(checksummed ? { ChecksumAlgorithm: 'CRC32' } : {}) }),
    );
    if (UploadId === undefined) throw new Error('the server gave no upload id');
    try {
      const parts: CompletedPart[] = [];
      for (let PartNumber = 1; ; PartNumber++) {
        const part = await reader.read(this.#partSize);
        if (part.length === 0 && PartNumber > 1) break;
        if (PartNumber > S3_MAX_PARTS) throw new Error(`the object needs more than ${S3_MAX_PARTS} parts; raise the part size`);
        const res = await this.#client.send(
          new UploadPartCommand({
            Bucket: this.#bucket,
            Key,
            UploadId,
            PartNumber,
            Body: part,
            ContentLength: part.length,
            ...(checksummed ? { ChecksumAlgorithm: 'CRC32' } : {}),
          }),
        );
        parts.push({ PartNumber, ETag: res.ETag, ...(res.ChecksumCRC32 === undefined ? {} : { ChecksumCRC32: res.ChecksumCRC32 }) });
        if (part.length < this.#partSize) break;
      }
      await this.#send412AsExists(key, () =>
        this.#client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.#bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: parts },
            ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
          }),
        ),
      );
    } catch (err) {
      // Parts of an unfinished upload are billed until aborted; some servers (s3rver) cannot abort,
      // so a bucket lifecycle rule should also expire incomplete uploads (docs/storage.md).
      await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  /**
   * S3 answers a refused conditional write with 412, and with 409 while another conditional write of
   * the same key is in flight; the latter is retried until one of them has won.
   */
  async #send412AsExists(key: string, send: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await send();
        return;
      } catch (err) {
        if (s3Status(err) === 412) throw new ObjectExistsError(this.description, key);
        if (s3Status(err) === 409 && s3Name(err) === 'ConditionalRequestConflict' && attempt < 5) {
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
          continue;
        }
        throw err;
      }
    }
  }

  /** Turns an SDK or network error into the port's errors, with a message saying what to do. */
  #fail(operation: string, key: string, err: unknown): NoxError {
    if (err instanceof NoxError) return err;
    const name = s3Name(err);
    const status = s3Status(err);
    const code = errorCode(err) ?? '';
    if (name === 'NoSuchBucket') {
      return new StorageError(this.description, operation, key, err, {
        hint: `Bucket ${this.#bucket} does not exist at ${this.#endpoint}: create it (in a Swedish region) or correct NOX_S3_BUCKET`,
      });
    }
    if (isNotFound(err) && operation !== 'put' && operation !== 'list') return new ObjectNotFoundError(this.description, key);
    if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
      return new StorageError(this.description, operation, key, err, {
        code: 'STORAGE_PERMISSION',
        hint: `Check NOX_S3_ACCESS_KEY_ID and NOX_S3_SECRET_ACCESS_KEY, and that they may get, put, delete and list objects under ${this.#bucket}/${this.#prefix}`,
      });
    }
    if (name === 'QuotaExceeded' || status === 507) {
      return new StorageError(this.description, operation, key, err, {
        code: 'STORAGE_FULL',
        hint: `The bucket ${this.#bucket} is over its quota; nothing was stored. Raise the quota or remove old snapshots`,
      });
    }
    if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code) || name === 'TimeoutError') {
      return new StorageError(this.description, operation, key, err, {
        code: 'STORAGE_UNREACHABLE',
        hint: `Cannot reach the S3 endpoint ${this.#endpoint}: check NOX_S3_ENDPOINT and the network`,
      });
    }
    if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageError(this.description, operation, key, err, { code: 'STORAGE_FULL' });
    return new StorageError(this.description, operation, key, err);
  }
}

/** Reads a body in pieces of a chosen size without holding more than one piece (plus one chunk). */
class BodyReader {
  readonly #source: AsyncGenerator<Buffer>;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #done = false;

  constructor(source: AsyncGenerator<Buffer>) {
    this.#source = source;
  }

  /** Up to `n` bytes; fewer only at the end of the body. */
  async read(n: number): Promise<Buffer> {
    while (this.#pendingBytes < n && !this.#done) {
      const next = await this.#source.next();
      if (next.done === true) this.#done = true;
      else if (next.value.length > 0) {
        this.#pending.push(next.value);
        this.#pendingBytes += next.value.length;
      }
    }
    const all = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    return out;
  }

  unread(bytes: Buffer): void {
    this.#pending.unshift(bytes);
    this.#pendingBytes += bytes.length;
  }

  /** Stops reading a body that is no longer wanted (e.g. after a failed upload). */
  async close(): Promise<void> {
    await this.#source.return(undefined);
  }
}

async function withKeyLock<T>(lockKey: string, fn: () => Promise<T>): Promise<T> {
  const previous = keyLocks.get(lockKey) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const settled = run.catch(() => undefined);
  keyLocks.set(lockKey, settled);
  try {
    return await run;
  } finally {
    if (keyLocks.get(lockKey) === settled) keyLocks.delete(lockKey);
  }
}

function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

function s3Name(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : undefined;
}

function s3Status(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('$metadata' in err)) return undefined;
  const meta = err.$metadata as { httpStatusCode?: number } | undefined;
  return meta?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = s3Name(err);
  return name === 'NoSuchKey' || name === 'NotFound' || (s3Status(err) === 404 && name !== 'NoSuchBucket');
}
