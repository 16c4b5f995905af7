import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../app.ts';
import { BACKUP_SCOPES } from '../fortnox/catalogue.ts';
import type { FortnoxApp } from '../fortnox/db-token-store.ts';
import { MemoryTokenStore } from '../fortnox/token-store.ts';
import { registerConnection, type ConnectedTenant } from './connect.ts';
import { TenantError } from './errors.ts';

export interface OAuthConnect {
  /** Open this in a browser where someone who administers the company is logged in to Fortnox. */
  readonly url: string;
  readonly redirectUri: string;
  /** Settles when the browser comes back (connected, denied or failed), or after `timeoutMs`. */
  readonly result: Promise<ConnectedTenant>;
  /** Stops listening (also done when `result` settles). */
  close(): Promise<void>;
}

/**
 * OAuth for a command-line user: an authorization URL with state and PKCE, and a listener on the
 * loopback interface that receives the redirect, checks the state, exchanges the code and saves the
 * connection. The redirect URI `http://127.0.0.1:PORT/callback` must be registered for the app in
 * Fortnox's developer portal, so a fixed `port` is what real use needs; 0 picks a free one (simulator).
 * `service: true` asks for a service-account consent, after which client credentials are used.
 */
export async function startOAuthConnect(
  app: AppContext,
  fortnox: FortnoxApp,
  options: { port?: number; service?: boolean; scopes?: readonly string[]; timeoutMs?: number } = {},
): Promise<OAuthConnect> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new TenantError('TENANT_CONNECT_FAILED', `Cannot listen on 127.0.0.1:${options.port ?? 0} for the OAuth redirect (${err.message}); choose another --port`, { cause: err })));
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const client = app.standaloneClient(fortnox, new MemoryTokenStore());
  const request = client.oauth.authorizationRequest({ scopes: options.scopes ?? BACKUP_SCOPES, redirectUri, ...(options.service === true ? { accountType: 'service' as const } : {}) });

  const close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  let timer: NodeJS.Timeout | undefined;
  const result = new Promise<ConnectedTenant>((resolve, reject) => {
    timer = setTimeout(() => reject(new TenantError('TENANT_OAUTH_TIMEOUT', 'Nobody approved the connection in time; run the command again')), options.timeoutMs ?? 10 * 60_000);
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      const page = (status: number, text: string) => {
        res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta charset="utf-8"><title>Noxbackup</title><p>${text.replace(/[<&>]/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`);
      };
      // A callback with another state is not ours (or forged): refuse it, keep waiting for the real one.
      if (url.searchParams.get('state') !== request.state) {
        page(400, 'Okänd eller felaktig state-parameter. / Unknown or wrong state.');
        return;
      }
      const error = url.searchParams.get('error');
      if (error !== null) {
        page(200, 'Anslutningen nekades. Du kan stänga fönstret. / The connection was denied.');
        reject(new TenantError('TENANT_OAUTH_DENIED', `Fortnox answered ${error}${url.searchParams.has('error_description') ? ` (${url.searchParams.get('error_description')})` : ''}: the connection was not approved`));
        return;
      }
      const code = url.searchParams.get('code') ?? '';
      registerConnection(app, fortnox, async (c) => {
        const tokens = await c.oauth.exchangeCode(code, { codeVerifier: request.codeVerifier, redirectUri });
        if (tokens.tenantId === undefined) throw new TenantError('TENANT_CONNECT_FAILED', 'Fortnox\'s token names no tenant; cannot tell which company was connected');
        if (options.service === true) await c.tokens.connectServiceAccount(tokens.tenantId);
        else await c.tokens.saveAuthorizedConnection(tokens);
        return tokens.tenantId;
      }).then(
        (connected) => {
          page(200, `${connected.tenant.name} är ansluten till Noxbackup. Du kan stänga fönstret. / Connected.`);
          resolve(connected);
        },
        (err: unknown) => {
          page(500, `Anslutningen misslyckades: ${(err as Error).message}`);
          reject(err instanceof TenantError ? err : new TenantError('TENANT_CONNECT_FAILED', `The OAuth connection failed: ${(err as Error).message}`, { cause: err }));
        },
      );
    });
  });
  const settled = result.finally(async () => {
    clearTimeout(timer);
    await close();
  });
  settled.catch(() => undefined);
  return { url: request.url, redirectUri, result: settled, close };
}
