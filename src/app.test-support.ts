/**
 * Test support: an app on a fresh temporary data directory (SQLite unless `NOX_DATABASE_URL` is given,
 * fs store, key file), with fast Fortnox retries. `appTargets()` gives one per database engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type AppContext, type AppOptions } from './app.ts';
import { loadConfig } from './config.ts';
import { testDatabases } from './db/test-databases.test-support.ts';

export interface TestApp {
  readonly app: AppContext;
  readonly dataDir: string;
  readonly warnings: string[];
  cleanup(): Promise<void>;
}

export async function openTestApp(env: Record<string, string> = {}, options: AppOptions = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nox-app-'));
  const warnings: string[] = [];
  const app = await openApp(loadConfig({ FORTNOX_RATE_LIMIT: '1000', FORTNOX_RATE_WINDOW_MS: '1000', ...env }, { dataDir }), {
    warn: (m) => warnings.push(m),
    fortnox: { retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 100 }, timeoutMs: 10_000 },
    ...options,
  });
  return {
    app,
    dataDir,
    warnings,
    cleanup: async () => {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens a test app per database engine: SQLite in the data directory, and a fresh PostgreSQL database. */
export function appTargets(): { name: string; open(): Promise<TestApp> }[] {
  return testDatabases().map((target) => ({
    name: target.name,
    open: async () => {
      if (target.name === 'sqlite') return openTestApp();
      const database = await target.open();
      const t = await openTestApp({ NOX_DATABASE_URL: database.config.url! });
      return { ...t, cleanup: async () => { await t.cleanup(); await database.cleanup(); } };
    },
  }));
}
