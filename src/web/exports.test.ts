import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listAudit } from '../accounts/audit.ts';
import { ZipReader } from '../export/zip-reader.ts';
import type { ExportManifest } from '../export/export.ts';
import { connectSimulatorCompany, createTestOrg, startTestWeb, type TestOrg, type TestWeb } from './web.test-support.ts';
import { downloadName } from './routes/exports.ts';

interface ExportJson {
  id: string;
  status: string;
  files: number;
  bytes: number;
  error: string | null;
  downloadUrl: string | null;
}

for (const dialect of ['sqlite', 'postgres'] as const) describe(`web exports (${dialect})`, () => {
  let t: TestWeb;
  let org: TestOrg;
  let other: TestOrg;
  let tenantId: string;

  before(async () => {
    t = await startTestWeb({ dialect });
    org = await createTestOrg(t, { kind: 'company', name: 'Exportbolaget AB', companies: [], members: { anna: 'user', rut: 'readonly' } });
    other = await createTestOrg(t, { kind: 'company', name: 'Annat AB', companies: ['Annat bolag'], members: { olle: 'user' } });
    tenantId = await connectSimulatorCompany(t, org.orgId);
  });

  after(async () => {
    await t.close();
  });

  async function pollUntilDone(path: string): Promise<ExportJson> {
    const client = org.members.anna!.client;
    for (let i = 0; i < 400; i++) {
      const res = await client.get(path);
      assert.equal(res.status, 200, res.text);
      const body = res.json<ExportJson>();
      if (body.status !== 'running') return body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the export did not finish');
  }

  it('exports the newest snapshot in the background, shows its progress and downloads a valid ZIP with the manifest', async () => {
    const anna = org.members.anna!.client;
    const page = await anna.get(`/companies/${tenantId}/exports`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Skapa export/);
    const started = await anna.post(`/companies/${tenantId}/exports`, { snapshot: 'latest' });
    assert.equal(started.status, 303);
    const match = new RegExp(`^/companies/${tenantId}/exports/([0-9a-f-]{36})$`).exec(started.location ?? '');
    assert.ok(match, started.location ?? '');
    const exportId = match[1]!;

    const shown = await anna.get(started.location!);
    assert.equal(shown.status, 200);
    const body = await pollUntilDone(`/api/v1/companies/${tenantId}/exports/${exportId}`);
    assert.equal(body.status, 'succeeded', body.error ?? '');
    assert.ok(body.files > 10);
    assert.equal(body.downloadUrl, `/companies/${tenantId}/exports/${exportId}/download`);

    const done = await anna.get(`/companies/${tenantId}/exports/${exportId}`);
    assert.match(done.text, /Ladda ner/);
    assert.doesNotMatch(done.text, /data-poll/);

    const res = await fetch(new URL(body.downloadUrl, t.url), { headers: { cookie: [...anna.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="noxbackup-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.zip"/);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.length, body.bytes);
    const file = join(t.dataDir, 'downloaded.zip');
    await writeFile(file, bytes);
    const zip = await ZipReader.open(file);
    try {
      const manifest = JSON.parse((await zip.read('manifest.json')).toString('utf8')) as ExportManifest;
      assert.equal(manifest.format, 'noxbackup-export');
      assert.equal(manifest.tenant, tenantId);
      assert.ok(zip.entry('README.txt'));
      assert.ok(zip.entry('data/customers.json'));
      assert.equal(zip.entries.length, body.files);
      for (const f of manifest.files.slice(0, 5)) assert.ok(zip.entry(f.path), f.path);
    } finally {
      await zip.close();
    }

    const list = await anna.get(`/companies/${tenantId}/exports`);
    assert.match(list.text, new RegExp(`/companies/${tenantId}/exports/${exportId}/download`));
    const actions = (await listAudit(t.db, org.orgId, { tenantIds: [tenantId] })).map((e) => `${e.action} ${e.target}`);
    assert.ok(actions.includes(`export.create ${exportId}`));
    assert.ok(actions.includes(`export.download ${exportId}`));

    // Another organisation's member: the company and the export id are both unknown to them.
    const olle = other.members.olle!.client;
    assert.equal((await olle.get(`/companies/${tenantId}/exports/${exportId}`)).status, 404);
    assert.equal((await olle.get(`/api/v1/companies/${tenantId}/exports/${exportId}`)).status, 404);
    assert.equal((await olle.get(`/companies/${other.companies[0]}/exports/${exportId}`)).status, 404);
    assert.equal((await olle.get(`/companies/${other.companies[0]}/exports/${exportId}/download`)).status, 404);
    assert.equal((await olle.get(`/api/v1/companies/${other.companies[0]}/exports/${exportId}`)).status, 404);
  });

  it('refuses a read-only member every export route', async () => {
    const rut = org.members.rut!.client;
    assert.equal((await rut.get(`/companies/${tenantId}/exports`)).status, 403);
    assert.equal((await rut.post(`/companies/${tenantId}/exports`, { snapshot: 'latest' })).status, 403);
    assert.equal((await rut.get(`/api/v1/companies/${tenantId}/exports`)).status, 403);
  });

  it('runs one export per company at a time', async () => {
    const anna = org.members.anna!.client;
    const first = await anna.post(`/companies/${tenantId}/exports`, { snapshot: 'latest' });
    assert.equal(first.status, 303);
    const second = await anna.post(`/companies/${tenantId}/exports`, { snapshot: 'latest' });
    assert.equal(second.status, 409);
    assert.match(second.text, /pågår redan/);
    await pollUntilDone(`/api/v1${first.location!}`);
  });
});

it('names the download after the company and the date, in ASCII', () => {
  assert.equal(downloadName('Åkesson & Söner AB', '2025-03-01T23:30:00Z'), 'noxbackup-akesson-soner-ab-2025-03-02.zip');
  assert.equal(downloadName('ÅÄÖ', '2025-03-01T10:00:00Z'), 'noxbackup-aao-2025-03-01.zip');
});
