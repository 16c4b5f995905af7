/**
 * Real components for restore tests: the simulator over HTTP (rate limit scaled up, the client's limiter
 * set to the same), a Fortnox client with service-account connections, an fs repository in a temp
 * directory per tenant, and a SQLite database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, createTenant, type Db } from '../db/index.ts';
import { FortnoxClient, MemoryTokenStore, type FortnoxReader, type FortnoxWriter } from '../fortnox/index.ts';
import { openRepository, type Repository } from '../repository/repository.ts';
import { testKeyring } from '../repository/test-support.ts';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator/server.ts';
import { FsObjectStore } from '../storage/fs-store.ts';

export interface TenantHandle {
  readonly tenantId: string;
  readonly reader: FortnoxReader;
  readonly writer: FortnoxWriter;
  readonly repository: Repository;
}

export interface RestoreTestEnv {
  readonly sim: RunningSimulator;
  readonly db: Db;
  readonly dir: string;
  readonly tenants: readonly TenantHandle[];
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  counters(): Promise<{ requests: Record<string, number>; total: number; rateLimited: number }>;
  close(): Promise<void>;
}

const RATE = { rateLimit: 500, rateWindowMs: 500 };

export async function startRestoreEnv(options: SimulatorOptions = {}): Promise<RestoreTestEnv> {
  const sim = await startSimulator({ seed: 7, size: 'small', companies: 1, emptyCompanies: 1, ...RATE, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'nox-restore-'));
  const db = await openDatabase({ sqlitePath: join(dir, 'meta.sqlite') });
  const store = new FsObjectStore({ root: join(dir, 'repo'), fsync: false });
  const keyring = testKeyring();
  const client = new FortnoxClient({
    clientId: sim.clientId, clientSecret: sim.clientSecret, apiUrl: sim.apiUrl, authUrl: sim.authUrl, tokenStore: new MemoryTokenStore(),
    ...RATE, retry: { maxAttempts: 6, baseDelayMs: 10, maxDelayMs: 200 }, timeoutMs: 10_000,
  });
  const control = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.url}/__sim/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const tenants: TenantHandle[] = [];
  for (const t of sim.tenants) {
    const tenantId = String(t.tenantId);
    await control('POST', 'consents/service', { tenantId: t.tenantId });
    await client.tokens.connectServiceAccount(tenantId);
    await createTenant(db, { id: tenantId, name: t.name });
    const repository = await openRepository({ store, tenantId, masterKeys: keyring, create: true });
    tenants.push({ tenantId, reader: client.reader(tenantId), writer: client.writer(tenantId), repository });
  }
  return {
    sim, db, dir, tenants, control,
    counters: () => control('GET', 'counters'),
    close: async () => {
      await db.destroy();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
