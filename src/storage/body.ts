import type { Readable } from 'node:stream';

/** Yields the bytes of a put body as Buffers, whether it came as one Buffer or as a stream. */
export async function* chunksOf(data: Buffer | Readable): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(data)) {
    yield data;
    return;
  }
  for await (const chunk of data as AsyncIterable<Buffer | string | Uint8Array>) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
  }
}

/** Reads a whole put body into one Buffer (a copy, so later changes by the caller don't leak in). */
export async function readBody(data: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(data)) return Buffer.from(data);
  const chunks: Buffer[] = [];
  for await (const chunk of chunksOf(data)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The error code Node gives system errors (`ENOENT`, `ENOSPC`, …), if any. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
