import crypto from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface RunningS3rver {
  /** `http://127.0.0.1:<port>`; use with path-style addressing. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly close: () => Promise<void>;
}

/**
 * Starts s3rver in this process on a free port, over real HTTP, with one empty bucket, storing its
 * objects in a temp directory that `close()` removes.
 */
export async function startS3rver(): Promise<RunningS3rver> {
  enableSingleDes();
  const directory = await mkdtemp(join(tmpdir(), 'nox-s3rver-'));
  const bucket = 'noxbackup-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  try {
    const { port } = await server.run();
    return {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      region: 'eu-north-1',
      // s3rver checks signatures against this fixed key pair.
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      close: async () => {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
}

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node ≥ 17) no
 * longer offers, so every listing longer than one page fails with InternalError. Triple DES with the
 * key repeated three times is the same cipher and is still available, so 'des' is mapped onto it.
 * Nothing else in a test process uses DES.
 */
let desEnabled = false;
function enableSingleDes(): void {
  if (desEnabled) return;
  desEnabled = true;
  const triple = (algorithm: string, key: crypto.CipherKey): [string, crypto.CipherKey] =>
    algorithm === 'des' && Buffer.isBuffer(key) && key.length === 8 ? ['des-ede3-cbc', Buffer.concat([key, key, key])] : [algorithm, key];
  const { createCipheriv, createDecipheriv } = crypto;
  Object.assign(crypto, {
    createCipheriv: (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null) => createCipheriv(...triple(algorithm, key), iv),
    createDecipheriv: (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null) => createDecipheriv(...triple(algorithm, key), iv),
  });
}
