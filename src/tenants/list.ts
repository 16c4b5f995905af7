import type { AppContext } from '../app.ts';
import { listBackupRuns, listSnapshots, listTenants as listDbTenants, loadFortnoxConnection, type Tenant } from '../db/index.ts';
import { openFortnoxConnection } from '../fortnox/db-token-store.ts';
import { TenantError } from './errors.ts';

export interface TenantSummary {
  readonly id: string;
  readonly name: string;
  readonly orgNumber: string | null;
  readonly status: Tenant['status'];
  readonly fortnoxTenantId: string | null;
  /** `missing`: never connected or disconnected; `unreadable`: sealed with a master key we lack. */
  readonly connection: 'ok' | 'reconnect_needed' | 'revoked' | 'missing' | 'unreadable';
  readonly connectionReason: string | null;
  readonly authMode: 'service_account' | 'refresh_token' | null;
  readonly apiUrl: string | null;
  readonly lastRun: { id: string; status: string; finishedAt: string | null; trigger: string } | null;
  readonly lastSnapshot: { snapshotId: string; createdAt: string } | null;
}

/** Every tenant with its connection status and its last backup (operators and the CLI; not the web layer). */
export async function listTenants(app: AppContext): Promise<TenantSummary[]> {
  const out: TenantSummary[] = [];
  for (const t of await listDbTenants(app.db)) out.push(await summarise(app, t));
  return out;
}

async function summarise(app: AppContext, t: Tenant): Promise<TenantSummary> {
  const row = await loadFortnoxConnection(app.db, t.id);
  let apiUrl: string | null = null;
  let unreadable = false;
  if (row !== undefined) {
    try {
      apiUrl = (await openFortnoxConnection(app.db, app.keyring, t.id))?.app.apiUrl ?? null;
    } catch {
      unreadable = true;
    }
  }
  const [run] = await listBackupRuns(app.db, t.id, { limit: 1 });
  const [snap] = await listSnapshots(app.db, t.id, { limit: 1 });
  return {
    id: t.id,
    name: t.name,
    orgNumber: t.orgNumber,
    status: t.status,
    fortnoxTenantId: row?.fortnoxTenantId ?? null,
    connection: row === undefined ? 'missing' : unreadable ? 'unreadable' : row.status,
    connectionReason: row?.statusReason ?? null,
    authMode: row?.authMode ?? null,
    apiUrl,
    lastRun: run === undefined ? null : { id: run.id, status: run.status, finishedAt: run.finishedAt, trigger: run.trigger },
    lastSnapshot: snap === undefined ? null : { snapshotId: snap.snapshotId, createdAt: snap.createdAt },
  };
}

/**
 * Finds the tenant a user means: our tenant id, the Fortnox tenant id (DatabaseNumber), or a unique
 * prefix of the name (case-insensitive); the only tenant when `ref` is omitted and there is one.
 */
export async function resolveTenant(app: AppContext, ref: string | undefined): Promise<Tenant> {
  const tenants = (await listDbTenants(app.db)).filter((t) => t.status !== 'deleted');
  if (ref === undefined || ref === '') {
    if (tenants.length === 1) return tenants[0]!;
    if (tenants.length === 0) throw new TenantError('TENANT_NONE', 'No company is connected yet; connect one with `noxbackup tenant add`', { exitCode: 2 });
    throw new TenantError('TENANT_REQUIRED', `There are ${tenants.length} tenants; choose one with --tenant (see \`noxbackup tenant list\`)`, { exitCode: 2 });
  }
  const byId = tenants.find((t) => t.id === ref);
  if (byId !== undefined) return byId;
  const connections = await app.db.selectFrom('fortnox_connections').select(['tenant_id', 'fortnox_tenant_id']).where('fortnox_tenant_id', '=', ref).execute();
  const byFortnox = tenants.filter((t) => connections.some((c) => c.tenant_id === t.id));
  if (byFortnox.length === 1) return byFortnox[0]!;
  const lower = ref.toLowerCase();
  const byName = byFortnox.length > 1 ? byFortnox : tenants.filter((t) => t.name.toLowerCase().startsWith(lower) || t.id.startsWith(lower));
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new TenantError('TENANT_AMBIGUOUS', `"${ref}" matches ${byName.length} tenants: ${byName.map((t) => `${t.name} (${t.id})`).join(', ')}; use the tenant id`, { exitCode: 2 });
  }
  throw new TenantError('TENANT_UNKNOWN', `No tenant "${ref}" (by id, Fortnox tenant id or name); see \`noxbackup tenant list\``, { exitCode: 2 });
}
