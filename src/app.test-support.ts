/** Test support: an app on a fresh temporary data directory (SQLite, fs store, key file), fast Fortnox retries. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type AppContext, type AppOptions } from './app.ts';
import { loadConfig } from './config.ts';

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
