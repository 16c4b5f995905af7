/**
 * Test support for backup runs: a simulator over HTTP (rate limit scaled), the real Fortnox client, a
 * repository in a temp directory with a test master key, and a migrated database with the tenant.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant } from '../db/tenants.ts';
import type { TestDatabase } from '../db/test-databases.test-support.ts';
import { FortnoxClient, MemoryTokenStore, type FortnoxReader } from '../fortnox/index.ts';
import { openRepository, type Repository } from '../repository/repository.ts';
import { testKeyring } from '../repository/test-support.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import type { BackupDeps } from './run-backup.ts';

export const TIME_SCALE = 50;

export interface BackupFixture {
  sim: RunningSimulator;
  fortnoxTenant: string;
  reader: FortnoxReader;
  repo: Repository;
  repoDir: string;
  masterKeys: ReturnType<typeof testKeyring>;
  tenantId: string;
  deps: BackupDeps;
  control(method: string, path: string, body?: unknown): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- control answers are read field by field
  close(): Promise<void>;
}

export async function startBackupFixture(t: TestDatabase, options: { size?: 'small' | 'medium'; seed?: number; start?: number } = {}): Promise<BackupFixture> {
  const sim = await startSimulator({ size: options.size ?? 'small', seed: options.seed ?? 42, timeScale: TIME_SCALE, ...(options.start === undefined ? {} : { start: options.start }) });
  const fortnoxTenant = String(sim.tenants[0]!.tenantId);
  const client = new FortnoxClient({
    clientId: sim.clientId, clientSecret: sim.clientSecret, apiUrl: sim.apiUrl, authUrl: sim.authUrl,
    tokenStore: new MemoryTokenStore(), rateLimit: 25, rateWindowMs: 5000 / TIME_SCALE, retry: { baseDelayMs: 20, maxDelayMs: 200 },
  });
  await client.tokens.connectServiceAccount(fortnoxTenant);
  const reader = client.reader(fortnoxTenant);
  const tenant = await createTenant(t.db, { name: sim.tenants[0]!.name });
  const repoDir = await mkdtemp(join(tmpdir(), 'nox-backup-'));
  const masterKeys = testKeyring();
  const repo = await openRepository({ store: new FsObjectStore({ root: repoDir, fsync: false }), tenantId: tenant.id, masterKeys, create: true });
  const deps: BackupDeps = { db: t.db, repository: repo, reader, tenantId: tenant.id, now: () => new Date(sim.simulator.clock.now()) };
  return {
    sim, fortnoxTenant, reader, repo, repoDir, masterKeys, tenantId: tenant.id, deps,
    async control(method, path, body) {
      const res = await fetch(`${sim.url}/__sim/${path}`, { method, ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) });
      return res.json();
    },
    async close() {
      await sim.close();
      await rm(repoDir, { recursive: true, force: true });
    },
  };
}

/** The simulated company's contents, counted the way the request bounds count them. */
export { companyContents as contentsOf } from '../simulator/contents.ts';

