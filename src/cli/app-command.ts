/** What the data commands share: opening the app for `--data-dir`, `--tenant`, snapshot ids by prefix, output. */
import { openApp, type AppContext } from '../app.ts';
import { loadConfig } from '../config.ts';
import { getSnapshot, listSnapshots, type Snapshot, type Tenant } from '../db/index.ts';
import { NoxError } from '../errors.ts';
import { resolveTenant } from '../tenants/list.ts';

/** Options every data command accepts. */
export const APP_OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const TENANT_OPTION = { tenant: { type: 'string' } } as const;

export const COMMON_HELP = `  --data-dir DIR   where the embedded database and repository live (default $NOX_DATA_DIR or ~/.noxbackup)
  --json           print data as JSON`;

/** Opens the app for the command's `--data-dir` (configuration from the environment) and closes it after. */
export async function withApp<T>(dataDir: string | undefined, fn: (app: AppContext) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, dataDir === undefined ? {} : { dataDir });
  const app = await openApp(config);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export function tenantFor(app: AppContext, ref: string | undefined): Promise<Tenant> {
  return resolveTenant(app, ref);
}

/**
 * A tenant's snapshot by a prefix of its id, as git takes commit ids, or `latest`. Only the tenant's own
 * snapshots are searched, so another tenant's ids never resolve.
 */
export async function resolveSnapshot(app: AppContext, tenant: Tenant, ref: string): Promise<Snapshot> {
  if (ref === 'latest') {
    const [s] = await listSnapshots(app.db, tenant.id, { limit: 1 });
    if (s === undefined) throw new NoxError('SNAPSHOT_NONE', `${tenant.name} has no snapshots yet; run \`noxbackup backup\``, { exitCode: 1 });
    return s;
  }
  const prefix = ref.toLowerCase();
  if (!/^[0-9a-f]{4,}$/.test(prefix)) {
    throw new NoxError('SNAPSHOT_BAD_REF', `A snapshot is named by at least 4 hex digits of its id, or "latest"; got ${JSON.stringify(ref)}`, { exitCode: 2 });
  }
  const rows = await app.db
    .selectFrom('snapshots')
    .select('snapshot_id')
    .where('tenant_id', '=', tenant.id)
    .where('snapshot_id', 'like', `${prefix}%`)
    .limit(6)
    .execute();
  if (rows.length === 0) {
    throw new NoxError('SNAPSHOT_UNKNOWN', `${tenant.name} has no snapshot ${ref}; see \`noxbackup snapshots --tenant ${tenant.id}\``, { exitCode: 1, details: { tenantId: tenant.id, ref } });
  }
  if (rows.length > 1) {
    throw new NoxError('SNAPSHOT_AMBIGUOUS', `${ref} matches several snapshots (${rows.slice(0, 5).map((r) => r.snapshot_id.slice(0, 12)).join(', ')}${rows.length > 5 ? ', …' : ''}); give more digits`, { exitCode: 2 });
  }
  return (await getSnapshot(app.db, tenant.id, rows[0]!.snapshot_id))!;
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** Bytes for people: 1.5 MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
