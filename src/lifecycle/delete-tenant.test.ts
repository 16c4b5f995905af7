/** Deleting a company's backups for good, on a real app (both databases) with backups from the simulator. */
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTestApp, type TestApp } from '../app.test-support.ts';
import { listAudit } from '../accounts/audit.ts';
import { addMember, createOrganisation, linkCompany } from '../accounts/organisations.ts';
import { createUser } from '../accounts/users.ts';
import { getTenant, listSnapshots, type Db } from '../db/index.ts';
import { raiseAlert } from '../db/alerts.ts';
import { testDatabases } from '../db/test-databases.test-support.ts';
import { backupTenant } from '../jobs/index.ts';
import type { MailMessage } from '../mail/mailer.ts';
import { keyFileKey } from '../repository/layout.ts';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { FaultyObjectStore } from '../storage/faulty-store.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { addSimulatorTenant } from '../tenants/index.ts';
import { certificateHash, deleteTenantData, readCertificate, readCertificateText, verifyCertificate } from './delete-tenant.ts';

const TABLES = ['snapshots', 'snapshot_datasets', 'record_versions', 'backup_runs', 'backup_run_datasets', 'backup_run_items', 'backup_run_state', 'restore_runs', 'restore_requests', 'alerts', 'exports', 'fortnox_connections'] as const;

async function rowCounts(db: Db, tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    counts[table] = Number(r.n);
  }
  return counts;
}

async function objects(store: ObjectStore, tenantId: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for await (const info of store.list(`tenants/${tenantId}/`)) {
    count++;
    bytes += info.size;
  }
  const key = await store.head(keyFileKey(tenantId));
  return key === undefined ? { count, bytes } : { count: count + 1, bytes: bytes + key.size };
}

const exists = (path: string) => access(path).then(() => true, () => false);

for (const target of testDatabases()) {
  describe(`deleting a company's backups (${target.name})`, () => {
    let sim: RunningSimulator;
    let t: TestApp;
    let storeDir: string;
    let faulty: FaultyObjectStore;
    let database: { config: { url?: string }; cleanup(): Promise<void> } | undefined;
    const mails: MailMessage[] = [];
    let orgId: string;
    const tenants: string[] = [];

    before(async () => {
      sim = await startSimulator({ seed: 11, size: 'small', companies: 3, rateLimit: 1000, rateWindowMs: 1000 });
      storeDir = await mkdtemp(join(tmpdir(), 'nox-delete-store-'));
      faulty = new FaultyObjectStore(new FsObjectStore({ root: storeDir, fsync: false }));
      const env: Record<string, string> = {};
      if (target.name === 'postgres') {
        database = await target.open();
        await (database as unknown as { db: Db }).db.destroy();
        env.NOX_DATABASE_URL = database.config.url!;
      }
      t = await openTestApp(env, { store: faulty });
      const org = await createOrganisation(t.app.db, { kind: 'firm', name: 'Byrån', orgNumber: '556000-0001' });
      orgId = org.id;
      const admin = await createUser(t.app.db, { email: 'admin@byran.example', name: 'Ada', passwordHash: 'x', locale: 'sv' });
      await addMember(t.app.db, orgId, admin.id, 'admin');
      const user = await createUser(t.app.db, { email: 'user@byran.example', name: 'Ulf', passwordHash: 'x', locale: 'en' });
      await addMember(t.app.db, orgId, user.id, 'user');
      for (const company of sim.tenants) {
        const { tenant } = await addSimulatorTenant(t.app, sim.url, { fortnoxTenantId: String(company.tenantId) });
        await linkCompany(t.app.db, orgId, tenant.id);
        await backupTenant(t.app, tenant.id);
        tenants.push(tenant.id);
      }
    });

    after(async () => {
      await t?.cleanup();
      await database?.cleanup();
      await sim?.close();
      await rm(storeDir, { recursive: true, force: true });
    });

    it('leaves no object, index row, token or file of the company, certifies it with a hash that verifies, and touches no other company', async () => {
      const [a, b] = tenants as [string, string];
      const db = t.app.db;
      // Things a customer leaves behind besides backups: an alert, an export ZIP, a restore plan, a report.
      await raiseAlert(db, { tenantId: a, kind: 'mass_deletion', severity: 'warning', details: { dataset: 'customers', deleted: 25, before: 100 } });
      const snapshotId = (await listSnapshots(db, a))[0]!.snapshotId;
      await db.insertInto('exports').values({ tenant_id: a, id: '00000000-0000-4000-8000-000000000001', snapshot_id: snapshotId, status: 'succeeded', files: 1, bytes: 3, path: 'x', error_message: null, created_by: null, created_at: new Date().toISOString(), finished_at: new Date().toISOString() }).execute();
      await db.insertInto('restore_runs').values({ tenant_id: a, id: 'run-1', kind: 'registers', snapshot_id: snapshotId, source_tenant_id: a, status: 'succeeded', undo_snapshot_id: null, plan_json: '{}', report_json: null, started_by: null, started_at: new Date().toISOString(), finished_at: new Date().toISOString() }).execute();
      const dataDir = t.app.config.dataDir;
      for (const [dir, name] of [[join(dataDir, 'exports', a), 'x.zip'], [join(dataDir, 'restore-plans', a), 'p.json'], [join(dataDir, 'reports'), 'restore-run-1.json']] as const) {
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, name), 'abc');
      }
      const before = await objects(faulty, a);
      const otherObjects = await objects(faulty, b);
      const otherRows = await rowCounts(db, b);
      assert.ok(before.count > 5 && otherObjects.count > 5, 'both companies are backed up');
      assert.ok(otherRows.record_versions! > 0);

      const now = new Date('2030-02-01T10:00:00Z');
      const { certificate, deletedNow } = await deleteTenantData(t.app, a, { reason: { kind: 'request', userId: 'u-1', email: 'admin@byran.example', ip: '192.0.2.1' }, now, mailer: { send: async (m) => { mails.push(m); } }, publicUrl: 'https://nox.example' });

      assert.equal(deletedNow, true);
      assert.deepEqual(await objects(faulty, a), { count: 0, bytes: 0 }, 'no object of the company is left, nor its key file');
      const rows = await rowCounts(db, a);
      assert.deepEqual(Object.entries(rows).filter(([, n]) => n > 0), [], 'no row of the company is left, its Fortnox token included');
      for (const path of [join(dataDir, 'exports', a), join(dataDir, 'restore-plans', a), join(dataDir, 'reports', 'restore-run-1.json')]) assert.equal(await exists(path), false, `${path} is deleted`);
      const tenant = await getTenant(db, a);
      assert.equal(tenant?.status, 'deleted');
      assert.equal(tenant?.deletedAt, now.toISOString());
      assert.ok((await db.selectFrom('org_companies').select('tenant_id').where('tenant_id', '=', a).executeTakeFirst()) !== undefined, 'the organisation keeps the link, for the certificate');

      assert.equal(certificate.reason, 'request');
      assert.equal(certificate.requestedBy, 'admin@byran.example');
      assert.equal(certificate.organisation?.orgNumber, '556000-0001');
      assert.deepEqual({ objects: certificate.deleted.objects, bytes: certificate.deleted.bytes }, { objects: before.count, bytes: before.bytes });
      assert.equal(certificate.deleted.snapshots, 1);
      assert.equal(certificate.deleted.files, 3);
      assert.equal(certificate.deleted.alerts, 1);
      assert.equal(certificate.fortnoxConnection, 'deleted', 'a service-account token is forgotten');
      assert.ok(verifyCertificate(certificate));
      const stored = await readCertificate(dataDir, a);
      assert.deepEqual(stored, certificate);
      assert.ok(verifyCertificate(stored), 'the stored certificate verifies');
      assert.equal(verifyCertificate({ ...stored, deleted: { ...stored.deleted, objects: stored.deleted.objects - 1 } }), false, 'an altered certificate does not');
      assert.equal(certificateHash(JSON.parse(await readFile(join(dataDir, 'certificates', `${a}.json`), 'utf8')) as typeof certificate), certificate.sha256);
      const text = await readCertificateText(dataDir, a);
      assert.match(text ?? '', /RADERINGSINTYG[\s\S]*DELETION CERTIFICATE/);
      assert.ok(text?.includes(certificate.sha256));
      assert.ok(text?.includes(certificate.company.name));

      const entries = await listAudit(db, orgId, { action: 'company.deleted' });
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.tenantId, a);
      assert.equal(entries[0]?.userEmail, 'admin@byran.example');
      assert.equal(entries[0]?.details?.sha256, certificate.sha256);
      assert.deepEqual(mails.map((m) => m.to), ['admin@byran.example'], 'the administrators get the certificate, not the users');
      assert.match(mails[0]!.subject, /Raderingsintyg/);
      assert.ok(mails[0]!.text.includes('https://nox.example/org/certificates/') && mails[0]!.text.includes(certificate.sha256));

      assert.deepEqual(await objects(faulty, b), otherObjects, 'the other company keeps every object');
      assert.deepEqual(await rowCounts(db, b), otherRows, 'and every row');
      const repo = await t.app.repositoryFor(b);
      assert.equal((await repo.listSnapshots()).length, 1, 'and its repository still opens');

      const again = await deleteTenantData(t.app, a, { reason: { kind: 'termination' }, now: new Date('2030-03-01T00:00:00Z') });
      assert.equal(again.deletedNow, false);
      assert.deepEqual(again.certificate, certificate, 'deleting again changes nothing and returns the same certificate');
    });

    it('finishes a deletion interrupted after the keys were destroyed when run again, certifying the whole of it', async () => {
      const c = tenants[2]!;
      const before = await objects(faulty, c);
      // The store fails on the fourth object deletion under the tenant's prefix (after the key file went).
      faulty.inject({ op: 'delete', key: new RegExp(`^tenants/${c}/`), kind: 'error', skip: 3, times: 1 });
      await assert.rejects(deleteTenantData(t.app, c, { reason: { kind: 'termination' }, now: new Date('2030-02-01T10:00:00Z') }), /STORAGE|failed/i);
      assert.equal(await faulty.head(keyFileKey(c)), undefined, 'the keys were destroyed first');
      assert.ok((await objects(faulty, c)).count > 0, 'objects are left');
      const interrupted = await getTenant(t.app.db, c);
      assert.equal(interrupted?.status, 'terminated', 'marked as being deleted');
      assert.ok(interrupted?.deletionDueAt !== null && Date.parse(interrupted.deletionDueAt) <= Date.parse('2030-02-01T10:00:00Z'), 'and due, so the deletion job finishes it');

      const { certificate } = await deleteTenantData(t.app, c, { reason: { kind: 'termination' }, now: new Date('2030-02-01T11:00:00Z') });
      assert.deepEqual(await objects(faulty, c), { count: 0, bytes: 0 });
      assert.deepEqual(Object.entries(await rowCounts(t.app.db, c)).filter(([, n]) => n > 0), []);
      assert.equal((await getTenant(t.app.db, c))?.status, 'deleted');
      assert.equal(certificate.deleted.objects, before.count, 'the certificate counts what the first run found');
      assert.equal(certificate.startedAt, '2030-02-01T10:00:00.000Z');
      assert.ok(verifyCertificate(certificate));
      assert.equal(await exists(join(t.app.config.dataDir, 'certificates', `${c}.pending.json`)), false, 'the progress file is gone');
    });
  });
}
