/**
 * Where a connection's tokens live between runs and processes: a port. The database adapter comes with
 * the repository work; `MemoryTokenStore` serves tests and the embedded demo, and
 * `EncryptedTokenStore` wraps any adapter so tokens are never stored in clear.
 *
 * One record per tenant (for the one Fortnox client id this deployment uses). Saves are compare-and-set
 * on a version number, so of two processes that read the same record only one can write it back.
 */
export interface StoredConnection {
  /** `refresh`: authorization code + rotating refresh token. `service`: client credentials with `TenantId`. */
  mode: 'refresh' | 'service';
  accessToken: string | null;
  /** Epoch ms (wall clock) when the access token expires. */
  accessTokenExpiresAt: number | null;
  refreshToken: string | null;
  scope: string | null;
  /** `reconnect_needed`: the consent is gone; only a user can fix it. */
  status: 'active' | 'reconnect_needed';
  statusReason: string | null;
  /** A cross-process refresh lock: whoever holds an unexpired lease is refreshing; others wait and reload. */
  lease: { owner: string; until: number } | null;
  updatedAt: number;
}

export interface VersionedConnection {
  value: StoredConnection;
  version: number;
}

export interface TokenStore {
  load(tenantId: string): Promise<VersionedConnection | undefined>;
  /**
   * Writes `value` if the stored version still equals `expectedVersion` (`undefined`: no record may
   * exist yet). Returns the new version, or `null` when another writer got there first (nothing written).
   */
  save(tenantId: string, value: StoredConnection, expectedVersion: number | undefined): Promise<number | null>;
  delete(tenantId: string): Promise<void>;
}

/** In-process adapter; values are copied in and out so callers cannot mutate what is stored. */
export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, VersionedConnection>();

  async load(tenantId: string): Promise<VersionedConnection | undefined> {
    const r = this.#records.get(tenantId);
    return r === undefined ? undefined : structuredClone(r);
  }

  async save(tenantId: string, value: StoredConnection, expectedVersion: number | undefined): Promise<number | null> {
    const current = this.#records.get(tenantId);
    if (current?.version !== expectedVersion) return null;
    const version = (current?.version ?? 0) + 1;
    this.#records.set(tenantId, { value: structuredClone(value), version });
    return version;
  }

  async delete(tenantId: string): Promise<void> {
    this.#records.delete(tenantId);
  }

  /** What is held, as serialised text; lets tests prove what is (not) stored. */
  dump(): string {
    return JSON.stringify([...this.#records]);
  }
}
