import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Config } from './config.ts';
import { NoxError } from './errors.ts';
import { openDatabase, getTenant, listTenants, type Db } from './db/index.ts';
import { FortnoxClient, type FortnoxClientOptions } from './fortnox/client.ts';
import { RateLimiterRegistry } from './fortnox/rate-limiter.ts';
import { dbTokenStore, openFortnoxConnection, type DbTokenStore, type FortnoxApp } from './fortnox/db-token-store.ts';
import type { FortnoxReader } from './fortnox/reader.ts';
import type { TokenStore } from './fortnox/token-store.ts';
import type { FortnoxWriter } from './fortnox/writer.ts';
import { generateMasterKey, type MasterKeyring } from './repository/master-keys.ts';
import { openRepository, type Repository, type RepositoryOptions } from './repository/repository.ts';
import type { ObjectStore } from './storage/object-store.ts';
import { createObjectStore } from './storage/store-config.ts';

export interface AppOptions {
  /** Where one-time warnings go (default: stderr). */
  readonly warn?: (message: string) => void;
  /** Extra Fortnox client options (tests: faster retries, a bigger rate limit). */
  readonly fortnox?: Partial<Omit<FortnoxClientOptions, 'clientId' | 'clientSecret' | 'apiUrl' | 'authUrl' | 'tokenStore'>>;
  /** Extra repository options (tests: small packs). */
  readonly repository?: Partial<Omit<RepositoryOptions, 'store' | 'tenantId' | 'masterKeys' | 'create'>>;
  /** Use this store instead of the configured one. */
  readonly store?: ObjectStore;
}

/**
 * Everything a command, the web app or a worker needs, built once from the configuration. Every
 * service function takes the tenant id explicitly; nothing here remembers a "current" tenant.
 */
export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly store: ObjectStore;
  readonly keyring: MasterKeyring;
  /**
   * The tenant's repository, created (keys included) on first use; cached per tenant. Refused for a
   * tenant being deleted or deleted, so nothing can recreate keys for it.
   */
  repositoryFor(tenantId: string): Promise<Repository>;
  /** Drops the tenant's cached repository (and with it its keys in memory): after its deletion. */
  forgetTenant(tenantId: string): void;
  /** One Fortnox client per app (API/auth URL and client id), with its token store on the database. */
  clientFor(app: FortnoxApp): AppClient;
  /** A client of the app on a token store of the caller's (connecting a company before its tenant exists). */
  standaloneClient(app: FortnoxApp, store: TokenStore): FortnoxClient;
  /** A GET-only reader for the tenant's Fortnox company, through the app its connection was made with. */
  readerFor(tenantId: string): Promise<FortnoxReader>;
  writerFor(tenantId: string): Promise<FortnoxWriter>;
  close(): Promise<void>;
}

/** A Fortnox client for one app, its token store (encrypted) and the binding of Fortnox tenant ids to ours. */
export interface AppClient {
  readonly client: FortnoxClient;
  readonly store: TokenStore;
  readonly tokens: DbTokenStore;
}

export async function openApp(config: Config, options: AppOptions = {}): Promise<AppContext> {
  const warn = options.warn ?? ((m: string) => console.error(m));
  await mkdir(config.dataDir, { recursive: true });
  const db = await openDatabase({ url: config.database.url, sqlitePath: config.database.sqlitePath });
  try {
    const keyring = config.masterKey.kind === 'env' ? config.masterKey.ring : await keyFileRing(config.masterKey.path, db, warn);
    const store = options.store ?? createObjectStore(config.storage);
    return new App(config, db, store, keyring, options);
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

class App implements AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly store: ObjectStore;
  readonly keyring: MasterKeyring;
  readonly #options: AppOptions;
  readonly #repositories = new Map<string, Promise<Repository>>();
  readonly #clients = new Map<string, AppClient>();
  /**
   * One limiter per (client id, Fortnox tenant) for the whole process, whichever client object sends:
   * Fortnox counts per that pair, so connecting a company and then backing it up must share a budget.
   */
  #rateLimiters: RateLimiterRegistry | undefined;

  constructor(config: Config, db: Db, store: ObjectStore, keyring: MasterKeyring, options: AppOptions) {
    this.config = config;
    this.db = db;
    this.store = store;
    this.keyring = keyring;
    this.#options = options;
  }

  repositoryFor(tenantId: string): Promise<Repository> {
    let repo = this.#repositories.get(tenantId);
    if (repo === undefined) {
      repo = getTenant(this.db, tenantId).then((tenant) => {
        if (tenant !== undefined && tenant.status !== 'active') {
          throw new NoxError('TENANT_DELETED', `Tenant ${tenantId} is being deleted or was deleted; its backups no longer exist`, { details: { tenantId } });
        }
        return openRepository({ ...this.#options.repository, store: this.store, tenantId, masterKeys: this.keyring, create: true });
      });
      // A failed open (e.g. a wrong master key) must not be cached: the next call should try again.
      repo.catch(() => this.#repositories.delete(tenantId));
      this.#repositories.set(tenantId, repo);
    }
    return repo;
  }

  forgetTenant(tenantId: string): void {
    this.#repositories.delete(tenantId);
  }

  standaloneClient(app: FortnoxApp, store: TokenStore): FortnoxClient {
    const limits = { rateLimit: this.config.fortnox.rateLimit, rateWindowMs: this.config.fortnox.rateWindowMs, ...this.#options.fortnox };
    this.#rateLimiters ??= limits.rateLimiters ?? new RateLimiterRegistry({ limit: limits.rateLimit, windowMs: limits.rateWindowMs, marginMs: limits.rateMarginMs });
    return new FortnoxClient({
      ...limits,
      rateLimiters: this.#rateLimiters,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      apiUrl: app.apiUrl,
      authUrl: app.authUrl,
      tokenStore: store,
    });
  }

  clientFor(app: FortnoxApp): AppClient {
    const id = JSON.stringify([app.apiUrl, app.authUrl, app.clientId, app.clientSecret]);
    let entry = this.#clients.get(id);
    if (entry === undefined) {
      const { store, db } = dbTokenStore(this.db, this.keyring);
      entry = { client: this.standaloneClient(app, store), store, tokens: db };
      this.#clients.set(id, entry);
    }
    return entry;
  }

  async readerFor(tenantId: string): Promise<FortnoxReader> {
    const { client, fortnoxTenantId } = await this.#bound(tenantId);
    return client.reader(fortnoxTenantId);
  }

  async writerFor(tenantId: string): Promise<FortnoxWriter> {
    const { client, fortnoxTenantId } = await this.#bound(tenantId);
    return client.writer(fortnoxTenantId);
  }

  async #bound(tenantId: string): Promise<{ client: FortnoxClient; fortnoxTenantId: string }> {
    const connection = await openFortnoxConnection(this.db, this.keyring, tenantId);
    if (connection === undefined) {
      throw new NoxError('TENANT_NOT_CONNECTED', `Tenant ${tenantId} has no Fortnox connection; connect it with \`noxbackup tenant add\``, { details: { tenantId } });
    }
    const { client, tokens } = this.clientFor(connection.app);
    tokens.bind(connection.fortnoxTenantId, tenantId, connection.app);
    return { client, fortnoxTenantId: connection.fortnoxTenantId };
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

const KEY_FILE_FORMAT = 'noxbackup-master-key';

/**
 * The embedded default's master key: a file in the data directory, created on first use. Refuses to
 * create one when tenants already exist, since a new key could not open their repositories and the
 * real problem (a lost key file) would only show up later.
 */
async function keyFileRing(path: string, db: Db, warn: (m: string) => void): Promise<MasterKeyring> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) !== 0) warn(`noxbackup: the master key file ${path} is readable by others (mode ${mode.toString(8)}); run \`chmod 600 ${path}\`.`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw keyFileError(path, `cannot be read (${(err as Error).message})`);
  }
  if (text === undefined) {
    if ((await listTenants(db)).length > 0) {
      throw new NoxError('MASTER_KEY_MISSING', `The master key file ${path} is missing, but the database already has tenants: their backups need the key they were made with. Restore the key file, or set NOX_MASTER_KEY.`, { exitCode: 2 });
    }
    text = await createKeyFile(path, warn);
  }
  return parseKeyFile(path, text);
}

async function createKeyFile(path: string, warn: (m: string) => void): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const id = `local-${new Date().toISOString().slice(0, 10)}`;
  const text = `${JSON.stringify({ format: KEY_FILE_FORMAT, version: 1, id, key: generateMasterKey() }, null, 2)}\n`;
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw keyFileError(path, `cannot be created (${(err as Error).message})`);
  }
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  warn(
    `noxbackup: created a new master key in ${path} (mode 0600).\n` +
      '  This is for trying Noxbackup on one machine only. Whoever has this file and the backups can read them all,\n' +
      '  and losing it loses every backup. In production set NOX_MASTER_KEY and NOX_MASTER_KEY_ID from a secret manager\n' +
      '  (see docs/operations.md), and keep an offline copy of the key.',
  );
  return text;
}

function parseKeyFile(path: string, text: string): MasterKeyring {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw keyFileError(path, 'is not valid JSON');
  }
  const p = parsed as { format?: unknown; version?: unknown; id?: unknown; key?: unknown };
  if (p === null || typeof p !== 'object' || p.format !== KEY_FILE_FORMAT || p.version !== 1) throw keyFileError(path, `is not a ${KEY_FILE_FORMAT} version 1 file`);
  if (typeof p.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(p.id)) throw keyFileError(path, 'has no valid "id"');
  const key = typeof p.key === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(p.key) ? Buffer.from(p.key, 'base64') : undefined;
  if (key?.length !== 32) throw keyFileError(path, 'has no valid "key" (32 bytes in base64)');
  return Object.freeze({ current: Object.freeze({ id: p.id, key }), old: Object.freeze([]) });
}

function keyFileError(path: string, problem: string): NoxError {
  return new NoxError('MASTER_KEY_FILE_INVALID', `The master key file ${path} ${problem}. Restore it from your copy, or set NOX_MASTER_KEY; never replace it with a new key while backups made with it exist.`, { exitCode: 2 });
}
