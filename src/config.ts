import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from './errors.ts';
import { deepFreeze } from './deep-freeze.ts';
import { readStorageConfig, type StorageConfig } from './storage/store-config.ts';
import { masterKeyringFromEnv, type MasterKeyring } from './repository/master-keys.ts';
import { readMailConfig, type MailConfig } from './mail/mail-config.ts';

/** Where Fortnox lives; overridable so tests and the demo talk to the simulator instead. */
export const FORTNOX_API_URL = 'https://api.fortnox.se';
export const FORTNOX_AUTH_URL = 'https://apps.fortnox.se';

/**
 * Where the master key (KEK) comes from: the environment (production: a secret manager or KMS puts it
 * there), or — for the embedded single-machine default only — a key file the app creates in the data
 * directory on first use (docs/repository.md explains why production must not do that).
 */
export type MasterKeySource =
  | { readonly kind: 'env'; readonly ring: MasterKeyring }
  | { readonly kind: 'file'; readonly path: string };

export interface Config {
  /** Directory holding the embedded database and the local repository. */
  readonly dataDir: string;
  /** PostgreSQL URL (`NOX_DATABASE_URL`), or a SQLite file in the data directory (the default). */
  readonly database: { readonly url: string | undefined; readonly sqlitePath: string };
  readonly storage: StorageConfig;
  readonly masterKey: MasterKeySource;
  readonly fortnox: {
    readonly apiUrl: string;
    readonly authUrl: string;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    /** Requests allowed per window per (client, tenant); Fortnox allows 25 per 5 s. */
    readonly rateLimit: number;
    readonly rateWindowMs: number;
  };
  readonly web: {
    /** Where `noxbackup serve` listens (`NOX_WEB_HOST`, `NOX_WEB_PORT`); default 127.0.0.1:3000. */
    readonly host: string;
    readonly port: number;
    /** The address users reach the web app at (`NOX_PUBLIC_URL`): links in e-mails, the OAuth redirect URI. */
    readonly publicUrl: string;
    /** Secure cookies; on whenever the public URL is https. */
    readonly cookieSecure: boolean;
    /** Whether `NOX_PUBLIC_URL` was given (else it is derived from host and port). */
    readonly publicUrlSet: boolean;
  };
  readonly mail: MailConfig;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads every setting from the environment once, validates all of them and reports every problem
 * together, naming the variable and what was expected. The result is frozen.
 */
export function loadConfig(env: Env = process.env, overrides: { dataDir?: string } = {}): Config {
  const problems: string[] = [];

  const url = (name: string, fallback: string): string => {
    const raw = env[name] ?? fallback;
    try {
      const u = new URL(raw);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      return raw.replace(/\/+$/, '');
    } catch {
      problems.push(`${name}: expected an http(s) URL, got ${JSON.stringify(raw)}`);
      return fallback;
    }
  };
  const positiveInt = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) {
      problems.push(`${name}: expected a positive integer, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
    return fallback;
  };

  const dataDir = resolve(overrides.dataDir ?? env.NOX_DATA_DIR ?? join(homedir(), '.noxbackup'));
  const databaseUrl = env.NOX_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`NOX_DATABASE_URL: expected a postgres:// URL, got ${JSON.stringify(databaseUrl.replace(/:[^:@/]*@/, ':***@'))}`);
  }
  let masterKey: MasterKeySource = { kind: 'file', path: join(dataDir, 'master.key') };
  if (env.NOX_MASTER_KEY !== undefined && env.NOX_MASTER_KEY !== '') {
    try {
      masterKey = { kind: 'env', ring: masterKeyringFromEnv(env) };
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  const config: Config = {
    dataDir,
    database: { url: databaseUrl, sqlitePath: join(dataDir, 'noxbackup.sqlite') },
    storage: readStorageConfig(env, dataDir, problems),
    masterKey,
    fortnox: {
      apiUrl: url('FORTNOX_API_URL', FORTNOX_API_URL),
      authUrl: url('FORTNOX_AUTH_URL', FORTNOX_AUTH_URL),
      clientId: env.FORTNOX_CLIENT_ID || undefined,
      clientSecret: env.FORTNOX_CLIENT_SECRET || undefined,
      rateLimit: positiveInt('FORTNOX_RATE_LIMIT', 25),
      rateWindowMs: positiveInt('FORTNOX_RATE_WINDOW_MS', 5000),
    },
    web: webConfig(env, problems),
    mail: readMailConfig(env, dataDir, problems),
    logLevel: oneOf('NOX_LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
  if ((config.fortnox.clientId === undefined) !== (config.fortnox.clientSecret === undefined)) {
    problems.push('FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function webConfig(env: Env, problems: string[]): Config['web'] {
  const host = env.NOX_WEB_HOST || '127.0.0.1';
  let port = 3000;
  const rawPort = env.NOX_WEB_PORT ?? env.PORT;
  if (rawPort !== undefined && rawPort !== '') {
    const n = Number(rawPort);
    if (Number.isInteger(n) && n >= 0 && n <= 65535) port = n;
    else problems.push(`NOX_WEB_PORT: expected a port number 0-65535, got ${JSON.stringify(rawPort)}`);
  }
  let publicUrl = `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  if (env.NOX_PUBLIC_URL !== undefined && env.NOX_PUBLIC_URL !== '') {
    try {
      const u = new URL(env.NOX_PUBLIC_URL);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      publicUrl = env.NOX_PUBLIC_URL.replace(/\/+$/, '');
    } catch {
      problems.push(`NOX_PUBLIC_URL: expected the http(s) address users reach the web app at, got ${JSON.stringify(env.NOX_PUBLIC_URL)}`);
    }
  }
  return { host, port, publicUrl, cookieSecure: publicUrl.startsWith('https:'), publicUrlSet: env.NOX_PUBLIC_URL !== undefined && env.NOX_PUBLIC_URL !== '' };
}
