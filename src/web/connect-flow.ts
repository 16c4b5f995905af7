import { createHash } from 'node:crypto';
import type { AppContext } from '../app.ts';
import { openSecret, sealSecret } from '../accounts/secret-box.ts';
import type { Db } from '../db/index.ts';
import { BACKUP_SCOPES } from '../fortnox/catalogue.ts';
import type { FortnoxApp } from '../fortnox/db-token-store.ts';
import { MemoryTokenStore } from '../fortnox/token-store.ts';
import { registerConnection, type ConnectedTenant } from '../tenants/connect.ts';
import { TenantError } from '../tenants/errors.ts';

/**
 * Connecting a Fortnox company from the web: OAuth with state and PKCE, where the state and the sealed
 * verifier wait in `oauth_connects` (so any web process can take the callback) for ten minutes, for the
 * user and organisation that started it, and are used once.
 */

export const PKCE_PURPOSE = 'oauth-pkce';
export const CONNECT_TTL_MS = 10 * 60_000;
export type ConnectMode = 'service' | 'refresh';

export interface PendingConnect {
  readonly orgId: string;
  readonly userId: string;
  /** Set when reconnecting an existing company. */
  readonly tenantId: string | null;
  readonly mode: ConnectMode;
  readonly redirectUri: string;
  readonly codeVerifier: string;
}

const hashState = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');

/** Records a new authorization request and returns the Fortnox URL to send the browser to. */
export async function beginConnect(
  app: AppContext,
  fortnox: FortnoxApp,
  input: { orgId: string; userId: string; tenantId?: string | null; mode: ConnectMode; redirectUri: string; now: Date },
): Promise<string> {
  const client = app.standaloneClient(fortnox, new MemoryTokenStore());
  const request = client.oauth.authorizationRequest({ scopes: BACKUP_SCOPES, redirectUri: input.redirectUri, ...(input.mode === 'service' ? { accountType: 'service' as const } : {}) });
  const stateHash = hashState(request.state);
  const sealed = sealSecret(app.keyring, PKCE_PURPOSE, stateHash, request.codeVerifier);
  // Abandoned requests go when anyone starts a new one; the table stays small.
  await app.db.deleteFrom('oauth_connects').where('expires_at', '<', input.now.toISOString()).execute();
  await app.db
    .insertInto('oauth_connects')
    .values({
      state_hash: stateHash,
      org_id: input.orgId,
      user_id: input.userId,
      tenant_id: input.tenantId ?? null,
      mode: input.mode,
      verifier_ciphertext: sealed.ciphertext,
      verifier_key_id: sealed.keyId,
      redirect_uri: input.redirectUri,
      created_at: input.now.toISOString(),
      expires_at: new Date(input.now.getTime() + CONNECT_TTL_MS).toISOString(),
    })
    .execute();
  return request.url;
}

/**
 * Takes the pending request a callback's state names, once: undefined when there is none, when it is
 * another user's or organisation's (left alone), or when it has expired. Two callbacks racing for one
 * state: only the one whose delete removed the row gets it.
 */
export async function takeConnect(app: AppContext, state: string, who: { orgId: string; userId: string }, now: Date): Promise<PendingConnect | undefined> {
  if (state === '' || state.length > 200) return undefined;
  const db: Db = app.db;
  const stateHash = hashState(state);
  const row = await db.selectFrom('oauth_connects').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
  if (row === undefined || row.org_id !== who.orgId || row.user_id !== who.userId) return undefined;
  const deleted = await db.deleteFrom('oauth_connects').where('state_hash', '=', stateHash).executeTakeFirst();
  if (deleted.numDeletedRows !== 1n || row.expires_at <= now.toISOString()) return undefined;
  const codeVerifier = openSecret(app.keyring, PKCE_PURPOSE, stateHash, new Uint8Array(row.verifier_ciphertext), row.verifier_key_id);
  return { orgId: row.org_id, userId: row.user_id, tenantId: row.tenant_id, mode: row.mode, redirectUri: row.redirect_uri, codeVerifier };
}

/**
 * Exchanges the code and registers the connection (the CLI's path, `registerConnection`). `accept` is
 * asked, before anything is written, about the tenant that already connects this Fortnox company.
 */
export async function finishConnect(
  app: AppContext,
  fortnox: FortnoxApp,
  pending: PendingConnect,
  code: string,
  accept: (existingTenantId: string | undefined, fortnoxTenantId: string) => Promise<void>,
): Promise<ConnectedTenant> {
  return registerConnection(
    app,
    fortnox,
    async (client) => {
      const tokens = await client.oauth.exchangeCode(code, { codeVerifier: pending.codeVerifier, redirectUri: pending.redirectUri });
      if (tokens.tenantId === undefined) throw new TenantError('TENANT_CONNECT_FAILED', 'Fortnox\'s token names no tenant; cannot tell which company was connected');
      if (pending.mode === 'service') await client.tokens.connectServiceAccount(tokens.tenantId);
      else await client.tokens.saveAuthorizedConnection(tokens);
      return tokens.tenantId;
    },
    { accept },
  );
}
