import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from './errors.ts';

/** Where Fortnox lives; overridable so tests and the demo talk to the simulator instead. */
export const FORTNOX_API_URL = 'https://api.fortnox.se';
export const FORTNOX_AUTH_URL = 'https://apps.fortnox.se';

export interface Config {
  /** Directory holding the embedded database and the local repository. */
  readonly dataDir: string;
  readonly fortnox: {
    readonly apiUrl: string;
    readonly authUrl: string;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    /** Requests allowed per window per (client, tenant); Fortnox allows 25 per 5 s. */
    readonly rateLimit: number;
    readonly rateWindowMs: number;
  };
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

  const config: Config = {
    dataDir: resolve(overrides.dataDir ?? env.NOX_DATA_DIR ?? join(homedir(), '.noxbackup')),
    fortnox: {
      apiUrl: url('FORTNOX_API_URL', FORTNOX_API_URL),
      authUrl: url('FORTNOX_AUTH_URL', FORTNOX_AUTH_URL),
      clientId: env.FORTNOX_CLIENT_ID || undefined,
      clientSecret: env.FORTNOX_CLIENT_SECRET || undefined,
      rateLimit: positiveInt('FORTNOX_RATE_LIMIT', 25),
      rateWindowMs: positiveInt('FORTNOX_RATE_WINDOW_MS', 5000),
    },
    logLevel: oneOf('NOX_LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
  if ((config.fortnox.clientId === undefined) !== (config.fortnox.clientSecret === undefined)) {
    problems.push('FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
