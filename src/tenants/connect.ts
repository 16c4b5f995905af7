import type { AppContext } from '../app.ts';
import { FORTNOX_API_URL, FORTNOX_AUTH_URL } from '../config.ts';
import { createTenant, deleteFortnoxConnection, updateTenant, getTenant, type Tenant } from '../db/index.ts';
import { openFortnoxConnection, type FortnoxApp } from '../fortnox/db-token-store.ts';
import type { FortnoxClient } from '../fortnox/client.ts';
import { MemoryTokenStore } from '../fortnox/token-store.ts';
import { toText } from '../fortnox/values.ts';
import { TenantError } from './errors.ts';

export interface ConnectedTenant {
  readonly tenant: Tenant;
  readonly fortnoxTenantId: string;
  readonly mode: 'service' | 'refresh';
  /** True when the company was already connected and only its connection was renewed. */
  readonly reconnected: boolean;
}

/** Fortnox's real endpoints unless given; trailing slashes removed so equal apps compare equal. */
export function fortnoxApp(input: { apiUrl?: string | undefined; authUrl?: string | undefined; clientId: string; clientSecret: string }): FortnoxApp {
  const clean = (u: string) => u.replace(/\/+$/, '');
  return { apiUrl: clean(input.apiUrl ?? FORTNOX_API_URL), authUrl: clean(input.authUrl ?? FORTNOX_AUTH_URL), clientId: input.clientId, clientSecret: input.clientSecret };
}

/**
 * Connects a company whose administrator has given our app a service-account consent: mints a token
 * by client credentials (proving the consent and the credentials), then registers the tenant.
 */
export async function addServiceAccountTenant(app: AppContext, fortnox: FortnoxApp, fortnoxTenantId: string): Promise<ConnectedTenant> {
  if (!/^\d+$/.test(fortnoxTenantId)) throw new TenantError('TENANT_BAD_INPUT', `A Fortnox tenant id is a number (the company's DatabaseNumber), got ${JSON.stringify(fortnoxTenantId)}`, { exitCode: 2 });
  return registerConnection(app, fortnox, async (client) => {
    try {
      await client.tokens.connectServiceAccount(fortnoxTenantId);
      return fortnoxTenantId;
    } catch (cause) {
      throw new TenantError(
        'TENANT_CONNECT_FAILED',
        `Fortnox refused a service-account token for tenant ${fortnoxTenantId} (${(cause as Error).message}). Check the client id and secret, and that the company's administrator has approved the app as a service account.`,
        { cause },
      );
    }
  });
}

/** Connects a simulated company: the simulator's control API names its client id and companies. */
export async function addSimulatorTenant(app: AppContext, url: string, options: { fortnoxTenantId?: string; clientSecret?: string } = {}): Promise<ConnectedTenant> {
  const base = url.replace(/\/+$/, '');
  let info: { clientId: string; tenants: { tenantId: number; name: string }[] };
  try {
    const res = await fetch(`${base}/__sim/tenants`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    info = (await res.json()) as typeof info;
  } catch (cause) {
    throw new TenantError('TENANT_CONNECT_FAILED', `No Fortnox simulator answers at ${base} (${(cause as Error).message}). Start one with \`noxbackup simulator\`.`, { cause });
  }
  const wanted = options.fortnoxTenantId ?? (info.tenants[0] === undefined ? undefined : String(info.tenants[0].tenantId));
  if (wanted === undefined || !info.tenants.some((t) => String(t.tenantId) === wanted)) {
    throw new TenantError('TENANT_UNKNOWN', `The simulator at ${base} has no company ${wanted ?? ''}; it has ${info.tenants.map((t) => `${t.tenantId} (${t.name})`).join(', ') || 'none'}`, { exitCode: 2 });
  }
  // Every simulated company starts with a service-account consent; the default secret is the simulator's.
  return addServiceAccountTenant(app, { apiUrl: base, authUrl: base, clientId: info.clientId, clientSecret: options.clientSecret ?? 'sim-secret' }, wanted);
}

/**
 * The common end of every way to connect: `authorize` puts a working connection into a throw-away
 * token store and returns the Fortnox tenant id; the company's identity is read through it; then the tenant is created (or found, when
 * this app already connects this Fortnox company), its repository keys are made and the connection is
 * saved to the database. Nothing is written to the database until Fortnox has answered.
 */
export async function registerConnection(
  app: AppContext,
  fortnox: FortnoxApp,
  authorize: (client: FortnoxClient) => Promise<string>,
  options: {
    /**
     * Told which of our tenants (if any) already connects this Fortnox company, before anything is
     * written; throwing refuses the connection (the web app: a company of another organisation).
     */
    accept?: (existingTenantId: string | undefined, fortnoxTenantId: string) => Promise<void>;
  } = {},
): Promise<ConnectedTenant> {
  const scratch = new MemoryTokenStore();
  const client = app.standaloneClient(fortnox, scratch);
  const fortnoxTenantId = await authorize(client);
  let company;
  try {
    company = await client.reader(fortnoxTenantId).companyInformation();
  } catch (cause) {
    throw new TenantError('TENANT_CONNECT_FAILED', `Connected, but reading the company information of Fortnox tenant ${fortnoxTenantId} failed: ${(cause as Error).message}`, { cause });
  }
  const databaseNumber = toText(company.DatabaseNumber);
  if (databaseNumber !== undefined && databaseNumber !== null && databaseNumber !== '' && databaseNumber !== fortnoxTenantId) {
    throw new TenantError('TENANT_CONNECT_FAILED', `Fortnox answered for company ${databaseNumber}, not the requested ${fortnoxTenantId}`);
  }
  const name = toText(company.CompanyName) || `Fortnox ${fortnoxTenantId}`;
  const orgNumber = toText(company.OrganizationNumber) || null;
  const connection = (await scratch.load(fortnoxTenantId))!;

  const existing = await findConnectedTenant(app, fortnox, fortnoxTenantId);
  await options.accept?.(existing, fortnoxTenantId);
  let tenant: Tenant;
  if (existing !== undefined) {
    tenant = (await updateTenant(app.db, existing, { name, orgNumber }))!;
  } else {
    tenant = await createTenant(app.db, { name, orgNumber });
    try {
      await app.repositoryFor(tenant.id);
      tenant = (await updateTenant(app.db, tenant.id, { dataKeyId: app.keyring.current.id }))!;
    } catch (err) {
      await app.db.deleteFrom('tenants').where('id', '=', tenant.id).execute();
      throw err;
    }
  }
  const { tokens, store } = app.clientFor(fortnox);
  tokens.bind(fortnoxTenantId, tenant.id, fortnox);
  for (;;) {
    const current = await app.db.selectFrom('fortnox_connections').select('version').where('tenant_id', '=', tenant.id).executeTakeFirst();
    if ((await store.save(fortnoxTenantId, { ...connection.value, lease: null }, current?.version)) !== null) break;
  }
  return { tenant, fortnoxTenantId, mode: connection.value.mode, reconnected: existing !== undefined };
}

/** Our tenant already connected to this Fortnox company through this app, if any. */
async function findConnectedTenant(app: AppContext, fortnox: FortnoxApp, fortnoxTenantId: string): Promise<string | undefined> {
  const rows = await app.db.selectFrom('fortnox_connections').select('tenant_id').where('fortnox_tenant_id', '=', fortnoxTenantId).execute();
  for (const r of rows) {
    const c = await openFortnoxConnection(app.db, app.keyring, r.tenant_id).catch(() => undefined);
    if (c !== undefined && c.app.apiUrl === fortnox.apiUrl && c.app.clientId === fortnox.clientId) return r.tenant_id;
  }
  return undefined;
}

/** Forgets a tenant's Fortnox connection (the backups stay). */
export async function disconnectTenant(app: AppContext, tenantId: string): Promise<void> {
  if ((await getTenant(app.db, tenantId)) === undefined) throw new TenantError('TENANT_UNKNOWN', `No tenant ${tenantId}`);
  await deleteFortnoxConnection(app.db, tenantId);
}
