/**
 * Irreversible deletion of one company's backups (DESIGN.md §7), when its termination falls due or at
 * once on an administrator's request, ending in a deletion certificate.
 *
 * The order makes every step final before the next and the whole resumable:
 *  1. inventory: what there is to delete (objects, bytes, snapshots, index rows, files) is counted and
 *     kept in `<dataDir>/certificates/<tenant>.pending.json`, with the reason, so a resumed run certifies
 *     the same totals; the tenant is marked `terminated` (being deleted: no backup may start);
 *  2. crypto-shredding: the tenant's wrapped keys (`keys/<tenant>.json`) are destroyed, so from here on
 *     no copy of any object can be read by anyone (docs/repository.md);
 *  3. the Fortnox connection: the refresh token is revoked at Fortnox where there is one, then the row
 *     (an encrypted secret) is deleted;
 *  4. every object under `tenants/<tenant>/` is deleted from the store;
 *  5. the index and every other row of the tenant (runs, snapshots, record versions, verification and
 *     restore runs, requests, alerts, exports, pending OAuth connects, assignments), in one transaction;
 *  6. the files in the data directory (export ZIPs, restore plans, restore reports);
 *  7. a check that neither the key file nor an object is left (anything recreated meanwhile is deleted);
 *  8. the certificate (JSON and text) is written, then the tenant is marked `deleted` together with the
 *     `company.deleted` audit entry, and the organisation's administrators are mailed.
 * A crash anywhere leaves the tenant `terminated` with its deletion due, so running it again (or the
 * hourly deletion job) finishes. The tenant row and its organisation link stay, for the certificate and
 * the audit trail; the web app hides deleted companies.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { AppContext } from '../app.ts';
import { audit } from '../accounts/audit.ts';
import { companyOwner, getOrganisation, listMembers } from '../accounts/organisations.ts';
import { deleteFortnoxConnection, getTenant, inTransaction, updateTenant, type Tenant } from '../db/index.ts';
import type { VerificationRunsTable } from '../db/verification-runs.ts';
import { NoxError } from '../errors.ts';
import { openFortnoxConnection } from '../fortnox/db-token-store.ts';
import { formatBytes, formatNumber, messages, type Locale } from '../i18n.ts';
import type { Mailer } from '../mail/mailer.ts';
import { canonicalJson } from '../repository/canonical-json.ts';
import { keyFileKey, Layout } from '../repository/layout.ts';
import { destroyTenantKeys } from '../repository/tenant-keys.ts';

/** Why the data is deleted: the termination fell due, or someone asked for it at once. */
export type DeletionReason =
  | { readonly kind: 'termination' }
  | { readonly kind: 'request'; readonly userId: string; readonly email: string; readonly ip?: string | null };

export interface DeleteOptions {
  readonly reason: DeletionReason;
  /** The time the deletion is recorded at (default: the clock). */
  readonly now?: Date;
  /** Mails the certificate to the organisation's administrators (the server's mailer). */
  readonly mailer?: Mailer;
  /** The web app's address, for the certificate link in the mail. */
  readonly publicUrl?: string;
  readonly log?: (line: string) => void;
}

export interface DeletedCounts {
  /** Snapshot manifests in the repository. */
  readonly snapshots: number;
  /** Objects in the store (the key file included). */
  readonly objects: number;
  readonly bytes: number;
  readonly recordVersions: number;
  readonly backupRuns: number;
  readonly verificationRuns: number;
  readonly restoreRuns: number;
  readonly restoreRequests: number;
  readonly alerts: number;
  readonly exports: number;
  /** Export ZIPs, restore plans and reports in the data directory. */
  readonly files: number;
}

/** The certificate as stored (`<dataDir>/certificates/<tenant>.json`); `sha256` covers everything else. */
export interface DeletionCertificate {
  readonly format: 'noxbackup-deletion-certificate';
  readonly version: 1;
  readonly id: string;
  readonly tenantId: string;
  readonly company: { readonly name: string; readonly orgNumber: string | null };
  readonly organisation: { readonly id: string; readonly name: string; readonly orgNumber: string | null } | null;
  readonly reason: 'termination' | 'request';
  /** Who asked, for an immediate deletion. */
  readonly requestedBy: string | null;
  readonly terminatedAt: string | null;
  readonly deletionDueAt: string | null;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly deleted: DeletedCounts;
  /** The tenant's encryption keys were destroyed before anything else (crypto-shredding). */
  readonly keysDestroyed: true;
  /** `revoked` at Fortnox (an OAuth refresh token), `deleted` (a service-account token, or revoking failed), `none`. */
  readonly fortnoxConnection: 'revoked' | 'deleted' | 'none';
  readonly statement: { readonly sv: string; readonly en: string };
  /** SHA-256 (hex) of the canonical JSON (sorted keys, no spaces) of the certificate without this field. */
  readonly sha256: string;
}

export interface DeletionResult {
  readonly certificate: DeletionCertificate;
  /** False when the tenant had already been deleted: its certificate is returned as it was. */
  readonly deletedNow: boolean;
}

/** What a run in progress keeps on disk so a resumed run certifies the same deletion. */
interface PendingDeletion {
  readonly certificateId: string;
  readonly reason: DeletionReason;
  readonly startedAt: string;
  readonly terminatedAt: string | null;
  readonly deletionDueAt: string | null;
  readonly counts: DeletedCounts;
  readonly restoreRunIds: string[];
  fortnoxConnection?: 'revoked' | 'deleted' | 'none';
}

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DELETE_CONCURRENCY = 16;
const BATCH = 1000;

export function certificatesDir(dataDir: string): string {
  return join(dataDir, 'certificates');
}

function certificatePaths(dataDir: string, tenantId: string): { json: string; text: string; pending: string } {
  if (!TENANT_ID.test(tenantId)) throw new NoxError('TENANT_BAD_INPUT', `Invalid tenant id ${JSON.stringify(tenantId)}`);
  const dir = certificatesDir(dataDir);
  return { json: join(dir, `${tenantId}.json`), text: join(dir, `${tenantId}.txt`), pending: join(dir, `${tenantId}.pending.json`) };
}

/** The data directory's per-tenant folders (the web app's exports and restore plans) and its reports. */
function tenantDirs(dataDir: string, tenantId: string): string[] {
  return [join(dataDir, 'exports', tenantId), join(dataDir, 'restore-plans', tenantId)];
}

/** Deletes all of the tenant's backups irreversibly and certifies it (see the module comment). */
export async function deleteTenantData(app: AppContext, tenantId: string, options: DeleteOptions): Promise<DeletionResult> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? new Date();
  const tenant = await getTenant(app.db, tenantId);
  if (tenant === undefined) throw new NoxError('TENANT_UNKNOWN', `No tenant ${tenantId}`);
  const paths = certificatePaths(app.config.dataDir, tenantId);
  if (tenant.status === 'deleted') {
    const existing = await readCertificate(app.config.dataDir, tenantId);
    if (existing !== undefined) return { certificate: existing, deletedNow: false };
    // Marked deleted without a certificate (an operator's hand, or a lost file): finish properly.
  }
  await mkdir(certificatesDir(app.config.dataDir), { recursive: true });

  // 1. Inventory, once: a resumed run keeps the first run's counts and reason.
  let pending = await readJson<PendingDeletion>(paths.pending);
  if (pending === undefined) {
    pending = {
      certificateId: randomUUID(),
      reason: options.reason,
      startedAt: now.toISOString(),
      terminatedAt: tenant.terminatedAt,
      deletionDueAt: tenant.deletionDueAt,
      ...(await inventory(app, tenantId)),
    };
    await writeAtomically(paths.pending, JSON.stringify(pending, null, 2));
  }
  if (tenant.status !== 'deleted') {
    const due = tenant.deletionDueAt === null || Date.parse(tenant.deletionDueAt) > now.getTime() ? now : new Date(tenant.deletionDueAt);
    await updateTenant(app.db, tenantId, { status: 'terminated', terminatedAt: tenant.terminatedAt ?? now, deletionDueAt: due });
  }

  // 2. Crypto-shredding first: whatever happens next, nothing of the tenant can be decrypted any more
  // (and the keys this process holds in memory go too).
  app.forgetTenant(tenantId);
  await destroyTenantKeys(app.store, tenantId);

  // 3. The Fortnox connection (its tokens are secrets).
  if (pending.fortnoxConnection === undefined || pending.fortnoxConnection === 'none') {
    const outcome = await forgetFortnoxConnection(app, tenantId, log);
    // 'none' on a resumed run means an earlier run already removed it: keep what that run recorded.
    pending.fortnoxConnection = pending.fortnoxConnection === undefined ? outcome : outcome === 'none' ? pending.fortnoxConnection : outcome;
    await writeAtomically(paths.pending, JSON.stringify(pending, null, 2));
  }

  // 4. The objects.
  await deleteObjects(app, tenantId);

  // 5. The rows.
  await deleteRows(app, tenantId);

  // 6. The files.
  for (const dir of tenantDirs(app.config.dataDir, tenantId)) await rm(dir, { recursive: true, force: true });
  await deleteReports(app.config.dataDir, pending.restoreRunIds);

  // 7. Nothing may be left (a page or job that reopened the repository meanwhile could have made new keys).
  await destroyTenantKeys(app.store, tenantId);
  await deleteObjects(app, tenantId);
  if ((await app.store.head(keyFileKey(tenantId))) !== undefined || (await firstKeys(app, tenantId, 1)).length > 0) {
    throw new NoxError('DELETION_INCOMPLETE', `Objects of tenant ${tenantId} are still in ${app.store.description} after deletion; run the deletion again`, { details: { tenantId } });
  }

  // 8. The certificate, then the tenant's status and the audit entry together.
  const orgId = await companyOwner(app.db, tenantId);
  const org = orgId === undefined ? undefined : await getOrganisation(app.db, orgId);
  const completedAt = tenant.status === 'deleted' && tenant.deletedAt !== null ? tenant.deletedAt : now.toISOString();
  const certificate = makeCertificate({
    id: pending.certificateId,
    tenant,
    organisation: org === undefined ? null : { id: org.id, name: org.name, orgNumber: org.orgNumber },
    reason: pending.reason,
    terminatedAt: pending.terminatedAt,
    deletionDueAt: pending.deletionDueAt,
    startedAt: pending.startedAt,
    completedAt,
    counts: pending.counts,
    fortnoxConnection: pending.fortnoxConnection ?? 'none',
  });
  await writeAtomically(paths.json, `${JSON.stringify(certificate, null, 2)}\n`);
  await writeAtomically(paths.text, certificateText(certificate));
  await inTransaction(app.db, async (trx) => {
    await updateTenant(trx, tenantId, { status: 'deleted', deletedAt: completedAt });
    if (org !== undefined) {
      const by = pending.reason.kind === 'request' ? pending.reason : undefined;
      await audit(trx, {
        orgId: org.id, tenantId, userId: by?.userId ?? null, userEmail: by?.email ?? null, action: 'company.deleted', target: tenant.name, ip: by?.ip ?? null, at: new Date(completedAt),
        details: { certificateId: certificate.id, reason: certificate.reason, sha256: certificate.sha256, snapshots: certificate.deleted.snapshots, objects: certificate.deleted.objects, bytes: certificate.deleted.bytes },
      });
    }
  });
  await rm(paths.pending, { force: true });
  log(`tenant ${tenantId} (${tenant.name}) deleted: ${certificate.deleted.objects} objects, ${certificate.deleted.bytes} bytes; certificate ${certificate.id}`);
  if (options.mailer !== undefined && org !== undefined) await mailCertificate(app, org.id, certificate, options.mailer, options.publicUrl, log);
  return { certificate, deletedNow: true };
}

/** The stored certificate of a deleted tenant, if there is one. */
export async function readCertificate(dataDir: string, tenantId: string): Promise<DeletionCertificate | undefined> {
  return readJson<DeletionCertificate>(certificatePaths(dataDir, tenantId).json);
}

/** The stored text form (Swedish and English) of a tenant's certificate. */
export async function readCertificateText(dataDir: string, tenantId: string): Promise<string | undefined> {
  try {
    return await readFile(certificatePaths(dataDir, tenantId).text, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The hash a certificate must carry: SHA-256 of its canonical JSON without the `sha256` field. */
export function certificateHash(certificate: Omit<DeletionCertificate, 'sha256'> & { sha256?: string }): string {
  const { sha256: _ignored, ...content } = certificate;
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** True when the certificate's content is what its hash says. */
export function verifyCertificate(certificate: DeletionCertificate): boolean {
  return certificateHash(certificate) === certificate.sha256;
}

async function inventory(app: AppContext, tenantId: string): Promise<Pick<PendingDeletion, 'counts' | 'restoreRunIds'>> {
  const layout = new Layout(tenantId);
  let objects = 0;
  let bytes = 0;
  let snapshots = 0;
  for await (const info of app.store.list(`${layout.root}/`)) {
    objects++;
    bytes += info.size;
    if (info.key.startsWith(layout.snapshotsPrefix)) snapshots++;
  }
  const keyFile = await app.store.head(keyFileKey(tenantId));
  if (keyFile !== undefined) {
    objects++;
    bytes += keyFile.size;
  }
  const db = app.db;
  const count = async (table: 'record_versions' | 'backup_runs' | 'restore_runs' | 'restore_requests' | 'alerts' | 'exports') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n);
  const verification = Number(
    (await verificationDb(db).selectFrom('verification_runs').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n,
  );
  const restoreRunIds = (await db.selectFrom('restore_runs').select('id').where('tenant_id', '=', tenantId).execute()).map((r) => r.id);
  let files = (await reportFiles(app.config.dataDir, restoreRunIds)).length;
  for (const dir of tenantDirs(app.config.dataDir, tenantId)) files += await countFiles(dir);
  return {
    counts: {
      snapshots, objects, bytes,
      recordVersions: await count('record_versions'),
      backupRuns: await count('backup_runs'),
      verificationRuns: verification,
      restoreRuns: restoreRunIds.length,
      restoreRequests: await count('restore_requests'),
      alerts: await count('alerts'),
      exports: await count('exports'),
      files,
    },
    restoreRunIds,
  };
}

type VDb = Kysely<{ verification_runs: VerificationRunsTable }>;
const verificationDb = (db: AppContext['db']): VDb => db as unknown as VDb;

async function forgetFortnoxConnection(app: AppContext, tenantId: string, log: (line: string) => void): Promise<'revoked' | 'deleted' | 'none'> {
  let outcome: 'revoked' | 'deleted' = 'deleted';
  try {
    const opened = await openFortnoxConnection(app.db, app.keyring, tenantId);
    if (opened === undefined) return 'none';
    const { client, tokens } = app.clientFor(opened.app);
    tokens.bind(opened.fortnoxTenantId, tenantId, opened.app);
    // Revokes an OAuth refresh token at Fortnox; a service-account consent has none (its token is forgotten).
    await client.tokens.disconnect(opened.fortnoxTenantId);
    if (opened.row.authMode === 'refresh_token') outcome = 'revoked';
  } catch (err) {
    // Revoking is a courtesy to Fortnox; the token is deleted below whatever it answered.
    log(`tenant ${tenantId}: could not revoke the Fortnox connection (${err instanceof Error ? err.message : String(err)}); deleting it`);
  }
  await deleteFortnoxConnection(app.db, tenantId);
  return outcome;
}

async function firstKeys(app: AppContext, tenantId: string, limit: number): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of app.store.list(`${new Layout(tenantId).root}/`)) {
    keys.push(info.key);
    if (keys.length >= limit) break;
  }
  return keys;
}

/** Deletes every object under the tenant's prefix, a batch at a time (never holding the whole listing). */
async function deleteObjects(app: AppContext, tenantId: string): Promise<void> {
  for (;;) {
    const keys = await firstKeys(app, tenantId, BATCH);
    if (keys.length === 0) return;
    let next = 0;
    const worker = async () => {
      while (next < keys.length) await app.store.delete(keys[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  }
}

async function deleteRows(app: AppContext, tenantId: string): Promise<void> {
  await inTransaction(app.db, async (trx) => {
    // Children before parents (foreign keys).
    await trx.deleteFrom('backup_run_items').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('backup_run_state').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('backup_run_datasets').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('record_versions').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('snapshot_datasets').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('snapshots').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('backup_runs').where('tenant_id', '=', tenantId).execute();
    await verificationDb(trx).deleteFrom('verification_runs').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('restore_items').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('restore_runs').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('restore_requests').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('alerts').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('exports').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('oauth_connects').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('company_assignments').where('tenant_id', '=', tenantId).execute();
  });
}

/** Restore reports and new-company SIE files: `<dataDir>/reports/restore-<runId>.*` and `restore-<runId>-*`. */
async function reportFiles(dataDir: string, runIds: readonly string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  let names: string[];
  try {
    names = await readdir(join(dataDir, 'reports'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => runIds.some((id) => n.startsWith(`restore-${id}.`) || n.startsWith(`restore-${id}-`))).map((n) => join(dataDir, 'reports', n));
}

async function deleteReports(dataDir: string, runIds: readonly string[]): Promise<void> {
  for (const path of await reportFiles(dataDir, runIds)) await rm(path, { force: true });
}

async function countFiles(dir: string): Promise<number> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).length;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}

const text = messages(
  {
    title: 'RADERINGSINTYG',
    statement: 'Noxbackup intygar att alla säkerhetskopior av {company}{orgNumber} raderades oåterkalleligt {completed}: {snapshots} ögonblicksbilder, {objects} lagrade objekt ({bytes} byte), deras index i databasen, exporter och återställningsfiler samt kopplingen till Fortnox. Företagets krypteringsnycklar förstördes först, så att ingen kvarvarande kopia kan läsas av någon. Skäl: {reason}.',
    termination: 'uppsägning; raderingsdagen {due} hade passerats',
    request: 'omedelbar radering på begäran av {by}',
    orgNumber: ' (org.nr {n})',
    certificate: 'Intyg',
    company: 'Företag',
    organisation: 'Organisation',
    started: 'Radering påbörjad',
    completed: 'Radering slutförd',
    snapshots: 'Ögonblicksbilder',
    objects: 'Lagrade objekt',
    bytes: 'Byte',
    rows: 'Rader i databasen (postversioner, körningar, larm, exporter)',
    files: 'Filer i datakatalogen',
    fortnox: 'Fortnox-koppling',
    fortnox_revoked: 'återkallad hos Fortnox och raderad',
    fortnox_deleted: 'raderad',
    fortnox_none: 'fanns inte',
    mailSubject: 'Raderingsintyg för {company}',
    mailBody: 'Hej {name}!\n\nAlla säkerhetskopior av {company} i Noxbackup är nu raderade. Intyget finns nedan och kan laddas ned här:\n{link}\n\n{certificate}\nNoxbackup',
  },
  {
    title: 'DELETION CERTIFICATE',
    statement: 'Noxbackup certifies that every backup of {company}{orgNumber} was irreversibly deleted on {completed}: {snapshots} snapshots, {objects} stored objects ({bytes} bytes), their index in the database, exports and restore files, and the connection to Fortnox. The company\'s encryption keys were destroyed first, so no remaining copy can be read by anyone. Reason: {reason}.',
    termination: 'termination; the deletion date {due} had passed',
    request: 'immediate deletion requested by {by}',
    orgNumber: ' (organisation number {n})',
    certificate: 'Certificate',
    company: 'Company',
    organisation: 'Organisation',
    started: 'Deletion started',
    completed: 'Deletion completed',
    snapshots: 'Snapshots',
    objects: 'Stored objects',
    bytes: 'Bytes',
    rows: 'Database rows (record versions, runs, alerts, exports)',
    files: 'Files in the data directory',
    fortnox: 'Fortnox connection',
    fortnox_revoked: 'revoked at Fortnox and deleted',
    fortnox_deleted: 'deleted',
    fortnox_none: 'none',
    mailSubject: 'Deletion certificate for {company}',
    mailBody: 'Hello {name},\n\nEvery backup of {company} in Noxbackup has now been deleted. The certificate is below and can be downloaded here:\n{link}\n\n{certificate}\nNoxbackup',
  },
);

function statement(locale: Locale, c: Omit<DeletionCertificate, 'statement' | 'sha256'>): string {
  const t = text(locale);
  return t('statement', {
    company: c.company.name,
    orgNumber: c.company.orgNumber === null ? '' : t('orgNumber', { n: c.company.orgNumber }),
    completed: c.completedAt,
    snapshots: String(c.deleted.snapshots),
    objects: String(c.deleted.objects),
    bytes: String(c.deleted.bytes),
    reason: c.reason === 'termination' ? t('termination', { due: c.deletionDueAt ?? c.startedAt }) : t('request', { by: c.requestedBy ?? '?' }),
  });
}

function makeCertificate(input: {
  id: string; tenant: Tenant; organisation: DeletionCertificate['organisation']; reason: DeletionReason; terminatedAt: string | null; deletionDueAt: string | null;
  startedAt: string; completedAt: string; counts: DeletedCounts; fortnoxConnection: DeletionCertificate['fortnoxConnection'];
}): DeletionCertificate {
  const body = {
    format: 'noxbackup-deletion-certificate' as const,
    version: 1 as const,
    id: input.id,
    tenantId: input.tenant.id,
    company: { name: input.tenant.name, orgNumber: input.tenant.orgNumber },
    organisation: input.organisation,
    reason: input.reason.kind,
    requestedBy: input.reason.kind === 'request' ? input.reason.email : null,
    terminatedAt: input.terminatedAt,
    deletionDueAt: input.deletionDueAt,
    startedAt: input.startedAt,
    completedAt: input.completedAt,
    deleted: input.counts,
    keysDestroyed: true as const,
    fortnoxConnection: input.fortnoxConnection,
  };
  const withStatement = { ...body, statement: { sv: statement('sv', body), en: statement('en', body) } };
  return { ...withStatement, sha256: certificateHash(withStatement) };
}

/** The certificate as plain text, Swedish then English, ending with its hash. */
export function certificateText(c: DeletionCertificate): string {
  const lines: string[] = [];
  for (const locale of ['sv', 'en'] as const) {
    const t = text(locale);
    const n = (v: number) => formatNumber(locale, v);
    const rows = c.deleted.recordVersions + c.deleted.backupRuns + c.deleted.verificationRuns + c.deleted.restoreRuns + c.deleted.restoreRequests + c.deleted.alerts + c.deleted.exports;
    lines.push(
      t('title'), '',
      c.statement[locale], '',
      `${t('certificate')}: ${c.id}`,
      `${t('company')}: ${c.company.name}${c.company.orgNumber === null ? '' : ` (${c.company.orgNumber})`}`,
      ...(c.organisation === null ? [] : [`${t('organisation')}: ${c.organisation.name}${c.organisation.orgNumber === null ? '' : ` (${c.organisation.orgNumber})`}`]),
      `${t('started')}: ${c.startedAt}`,
      `${t('completed')}: ${c.completedAt}`,
      `${t('snapshots')}: ${n(c.deleted.snapshots)}`,
      `${t('objects')}: ${n(c.deleted.objects)} (${formatBytes(locale, c.deleted.bytes)})`,
      `${t('rows')}: ${n(rows)}`,
      `${t('files')}: ${n(c.deleted.files)}`,
      `${t('fortnox')}: ${t(`fortnox_${c.fortnoxConnection}`)}`,
      '', '',
    );
  }
  lines.push(
    `SHA-256: ${c.sha256}`,
    'Kontrollsumman är SHA-256 av intygets JSON-fil utan fältet "sha256", med sorterade nycklar och utan mellanslag.',
    'The checksum is SHA-256 of the certificate\'s JSON file without the "sha256" field, keys sorted and no whitespace.',
    '',
  );
  return lines.join('\n');
}

async function mailCertificate(app: AppContext, orgId: string, c: DeletionCertificate, mailer: Mailer, publicUrl: string | undefined, log: (line: string) => void): Promise<void> {
  const admins = (await listMembers(app.db, orgId)).filter((m) => m.role === 'admin' && m.user.disabledAt === null);
  const body = certificateText(c);
  for (const { user } of admins) {
    const t = text(user.locale);
    try {
      await mailer.send({
        to: user.email,
        subject: t('mailSubject', { company: c.company.name }),
        text: t('mailBody', { name: user.name === '' ? user.email : user.name, company: c.company.name, link: `${publicUrl ?? ''}/org/certificates/${c.tenantId}`, certificate: body }),
      });
    } catch (err) {
      // The certificate stays downloadable; a failed mail does not undo or fail the deletion.
      log(`deletion certificate mail to ${user.email} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
