import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { FsObjectStore } from './fs-store.ts';
import { assertValidPrefix, type ObjectStore } from './object-store.ts';
import { S3ObjectStore, SWEDISH_AWS_REGION, type ChecksumMode } from './s3-store.ts';

export interface FsStorageConfig {
  readonly kind: 'fs';
  /** The repository's directory. */
  readonly path: string;
}

export interface S3StorageConfig {
  readonly kind: 's3';
  /** Absent for AWS itself. */
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Absent to use the AWS SDK's default chain (environment, profile, instance role). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  readonly forcePathStyle: boolean;
  readonly checksum: ChecksumMode;
}

export type StorageConfig = FsStorageConfig | S3StorageConfig;

type Env = Readonly<Record<string, string | undefined>>;

const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads the storage settings (`NOX_STORAGE`, `NOX_STORAGE_PATH`, `NOX_S3_*`), adding every problem to
 * `problems` so the caller can report them together with its own; for src/config.ts to call.
 * The repository defaults to `<dataDir>/repository` on the local disk.
 */
export function readStorageConfig(env: Env, dataDir: string, problems: string[]): StorageConfig {
  const value = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const kind = value('NOX_STORAGE') ?? 'fs';
  if (kind !== 'fs' && kind !== 's3') {
    problems.push(`NOX_STORAGE: expected fs or s3, got ${JSON.stringify(kind)}`);
    return { kind: 'fs', path: join(dataDir, 'repository') };
  }
  if (kind === 'fs') {
    const path = value('NOX_STORAGE_PATH');
    if (path !== undefined && !isAbsolute(path)) {
      problems.push(`NOX_STORAGE_PATH: expected an absolute directory path, got ${JSON.stringify(path)}`);
    }
    return deepFreeze({ kind: 'fs', path: path === undefined ? join(dataDir, 'repository') : resolve(path) });
  }

  let endpoint = value('NOX_S3_ENDPOINT');
  if (endpoint !== undefined) {
    try {
      const url = new URL(endpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      endpoint = endpoint.replace(/\/+$/, '');
    } catch {
      problems.push(`NOX_S3_ENDPOINT: expected an http(s) URL, got ${JSON.stringify(endpoint)}`);
    }
  }
  const region = value('NOX_S3_REGION') ?? SWEDISH_AWS_REGION;
  if (endpoint === undefined && region !== SWEDISH_AWS_REGION) {
    problems.push(
      `NOX_S3_REGION: backups are kept in Sweden, and AWS's Swedish region is ${SWEDISH_AWS_REGION} (Stockholm), got ${JSON.stringify(region)}; for another provider set NOX_S3_ENDPOINT`,
    );
  }
  const bucket = value('NOX_S3_BUCKET');
  if (bucket === undefined) problems.push('NOX_S3_BUCKET: required when NOX_STORAGE=s3');
  else if (!BUCKET_NAME.test(bucket)) {
    problems.push(`NOX_S3_BUCKET: expected a bucket name (3–63 lower-case letters, digits, dots, hyphens), got ${JSON.stringify(bucket)}`);
  }
  const prefix = value('NOX_S3_PREFIX') ?? '';
  try {
    assertValidPrefix(prefix);
  } catch {
    problems.push(`NOX_S3_PREFIX: expected a relative path of letters, digits, '.', '_', '-' and '/', got ${JSON.stringify(prefix)}`);
  }
  const accessKeyId = value('NOX_S3_ACCESS_KEY_ID');
  const secretAccessKey = value('NOX_S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    problems.push('NOX_S3_ACCESS_KEY_ID and NOX_S3_SECRET_ACCESS_KEY: set both or neither');
  }
  let forcePathStyle = endpoint !== undefined;
  const pathStyle = value('NOX_S3_FORCE_PATH_STYLE');
  if (pathStyle !== undefined) {
    if (['true', '1'].includes(pathStyle)) forcePathStyle = true;
    else if (['false', '0'].includes(pathStyle)) forcePathStyle = false;
    else problems.push(`NOX_S3_FORCE_PATH_STYLE: expected true or false, got ${JSON.stringify(pathStyle)}`);
  }
  const checksum = value('NOX_S3_CHECKSUM') ?? 'WHEN_SUPPORTED';
  if (checksum !== 'WHEN_SUPPORTED' && checksum !== 'WHEN_REQUIRED') {
    problems.push(`NOX_S3_CHECKSUM: expected WHEN_SUPPORTED or WHEN_REQUIRED, got ${JSON.stringify(checksum)}`);
  }
  return deepFreeze({
    kind: 's3',
    endpoint,
    region,
    bucket: bucket ?? '',
    prefix,
    credentials: accessKeyId !== undefined && secretAccessKey !== undefined ? { accessKeyId, secretAccessKey } : undefined,
    forcePathStyle,
    checksum: checksum === 'WHEN_REQUIRED' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
  });
}

/** Reads and validates the storage settings on their own, throwing ConfigError with every problem. */
export function loadStorageConfig(env: Env, dataDir: string): StorageConfig {
  const problems: string[] = [];
  const config = readStorageConfig(env, dataDir, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The store the configuration names; nothing is contacted or created until the first operation. */
export function createObjectStore(config: StorageConfig): ObjectStore {
  if (config.kind === 'fs') return new FsObjectStore({ root: config.path });
  return new S3ObjectStore({
    bucket: config.bucket,
    region: config.region,
    prefix: config.prefix,
    forcePathStyle: config.forcePathStyle,
    checksum: config.checksum,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
  });
}
