/**
 * Immediate deletion from the web app: the exact sentence naming the company, administrators only,
 * within the organisation; afterwards the company is gone from every page and its certificate stays
 * with the organisation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAudit } from '../accounts/audit.ts';
import { assignCompanies } from '../accounts/organisations.ts';
import { getTenant } from '../db/index.ts';
import { verifyCertificate, type DeletionCertificate } from '../lifecycle/delete-tenant.ts';
import { connectSimulatorCompany, createTestOrg, startTestWeb, type TestOrg, type TestWeb } from './web.test-support.ts';

async function objectCount(t: TestWeb, tenantId: string): Promise<number> {
  let n = 0;
  for await (const info of t.web.app.store.list(`tenants/${tenantId}/`)) if (info.size >= 0) n++;
  if ((await t.web.app.store.head(`keys/${tenantId}.json`)) !== undefined) n++;
  return n;
}

describe('deleting a company at once from the web app', () => {
  let t: TestWeb;
  let firm: TestOrg;
  let other: TestOrg;
  let a: string;
  let b: string;
  let name: string;

  before(async () => {
    t = await startTestWeb();
    firm = await createTestOrg(t, { kind: 'firm', name: 'Raderbyrån', companies: [], members: { ada: 'admin', ulf: 'user' } });
    other = await createTestOrg(t, { kind: 'company', name: 'Grannen AB', companies: [], members: { gun: 'admin' } });
    a = await connectSimulatorCompany(t, firm.orgId, { index: 0 });
    b = await connectSimulatorCompany(t, other.orgId, { index: 1 });
    await assignCompanies(t.db, firm.orgId, firm.members.ulf!.userId, [a]);
    name = (await getTenant(t.db, a))!.name;
  });

  after(async () => {
    await t?.close();
  });

  it('offers it on the termination page, and refuses a wrong sentence, a user and another organisation', async () => {
    const ada = firm.members.ada!.client;
    const page = await ada.get('/org/terminate');
    assert.ok(page.text.includes(`/companies/${a}/delete`), 'each company has a link to delete it now');
    const form = await ada.get(`/companies/${a}/delete`);
    assert.equal(form.status, 200);
    assert.ok(form.text.includes(`Radera alla säkerhetskopior av ${name} för gott`), 'the sentence to type names the company');

    const wrong = await ada.post(`/companies/${a}/delete`, { sentence: `radera alla säkerhetskopior av ${name} för gott` });
    assert.equal(wrong.location, `/companies/${a}/delete?error=BAD_SENTENCE`);
    assert.match((await ada.get(wrong.location)).text, /Meningen stämmer inte/);

    const ulf = firm.members.ulf!.client;
    assert.equal((await ulf.get(`/companies/${a}/delete`)).status, 403);
    assert.equal((await ulf.post(`/companies/${a}/delete`, { sentence: `Radera alla säkerhetskopior av ${name} för gott` })).status, 403, 'a user who may see the company may not delete it');
    const gun = other.members.gun!.client;
    assert.equal((await gun.post(`/companies/${a}/delete`, { sentence: `Radera alla säkerhetskopior av ${name} för gott` })).status, 404, 'another organisation\'s company does not exist for it');
    assert.equal((await getTenant(t.db, a))?.status, 'active', 'nothing was deleted');
    assert.ok((await objectCount(t, a)) > 5);
  });

  it('deletes everything at once on the exact sentence, then shows the company nowhere and serves its certificate to its organisation only', async () => {
    const ada = firm.members.ada!.client;
    const otherBefore = await objectCount(t, b);
    t.mails.length = 0;
    const done = await ada.post(`/companies/${a}/delete`, { sentence: `Delete all backups of ${name} for good` });
    assert.equal(done.status, 303, done.text.slice(0, 300));
    assert.equal(done.location, `/org/certificates/${a}?done=certificateDone`);

    assert.equal(await objectCount(t, a), 0, 'no object or key of the company is left in the store');
    const tenant = await getTenant(t.db, a);
    assert.equal(tenant?.status, 'deleted');
    assert.equal(await t.db.selectFrom('fortnox_connections').select('tenant_id').where('tenant_id', '=', a).executeTakeFirst(), undefined, 'no token');
    assert.equal(await t.db.selectFrom('record_versions').select('tenant_id').where('tenant_id', '=', a).executeTakeFirst(), undefined, 'no index');
    assert.equal(await objectCount(t, b), otherBefore, 'the other organisation\'s company is untouched');

    const certificatePage = await ada.get(done.location);
    assert.equal(certificatePage.status, 200);
    assert.match(certificatePage.text, /Alla säkerhetskopior är raderade/);
    const json = await ada.get(`/org/certificates/${a}?format=json`);
    assert.equal(json.status, 200);
    const certificate = json.json<DeletionCertificate>();
    assert.ok(verifyCertificate(certificate), 'the downloaded certificate verifies');
    assert.equal(certificate.requestedBy, firm.members.ada!.email);
    assert.ok(certificatePage.text.includes(certificate.sha256));
    const text = await ada.get(`/org/certificates/${a}?format=txt`);
    assert.match(text.text, /RADERINGSINTYG/);
    assert.match(text.headers.get('content-disposition') ?? '', /attachment/);

    assert.deepEqual(t.mails.map((m) => m.to), [firm.members.ada!.email], 'the administrators are mailed the certificate');
    assert.ok(t.mails[0]!.text.includes(certificate.sha256));
    const audit = await listAudit(t.db, firm.orgId, { action: 'company.deleted' });
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.userEmail, firm.members.ada!.email);

    for (const path of ['/dashboard', '/org', '/org/terminate']) {
      const res = await ada.get(path);
      assert.equal(res.status, 200, path);
      assert.ok(!res.text.includes(`/companies/${a}`), `${path} no longer links to the company`);
    }
    for (const path of [`/companies/${a}`, `/companies/${a}/snapshots`, `/companies/${a}/delete`, `/api/v1/companies/${a}`]) {
      assert.equal((await ada.get(path)).status, 404, `${path} is gone`);
    }
    assert.match((await ada.get('/org/terminate')).text, new RegExp(`/org/certificates/${a}`), 'the certificate stays listed');

    assert.equal((await other.members.gun!.client.get(`/org/certificates/${a}`)).status, 404, 'another organisation cannot read it');
    assert.equal((await other.members.gun!.client.get(`/org/certificates/${a}?format=json`)).status, 404);
    assert.equal((await firm.members.ulf!.client.get(`/org/certificates/${a}`)).status, 403, 'a user is not an administrator');
    assert.equal((await ada.get(`/org/certificates/${b}`)).status, 404, 'nor does it open another organisation\'s company');
    assert.equal((await ada.get('/org/certificates/not-a-tenant')).status, 404);
  });
});
