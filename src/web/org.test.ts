import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAudit } from '../accounts/audit.ts';
import { createInvitation } from '../accounts/invitations.ts';
import { getOrganisation, membership } from '../accounts/organisations.ts';
import { getTenant } from '../db/index.ts';
import { addOneMonth, terminationDates } from './org-actions.ts';
import { createTestOrg, startTestWeb, WebClient, type TestOrg, type TestWeb } from './web.test-support.ts';
import { listAlerts } from '../db/alerts.ts';

describe('organisation administration', () => {
  let t: TestWeb;
  let firm: TestOrg;
  let other: TestOrg;

  before(async () => {
    t = await startTestWeb();
    firm = await createTestOrg(t, { kind: 'firm', name: 'Byrå Ett AB', companies: ['Klient A AB', 'Klient B AB'], members: { anna: 'admin', bo: 'user', rut: 'readonly', eva: 'user' }, assign: { bo: [0] } });
    other = await createTestOrg(t, { kind: 'company', name: 'Annat AB', companies: ['Annat AB'], members: { olle: 'admin', pia: 'user' } });
  });
  after(() => t.close());

  const anna = () => firm.members.anna!.client;
  const tokenOf = (mailText: string): string => {
    const match = /\/invite\/([A-Za-z0-9_-]+)/.exec(mailText);
    assert.ok(match, 'the mail carries the link');
    return match[1]!;
  };

  it('invites a read-only user to one client company, who joins through the mailed link and sees only that company', async () => {
    const page = await anna().get('/org');
    assert.equal(page.status, 200);
    assert.match(page.text, /Byrå Ett AB/);
    assert.match(page.text, /Klient A AB/, 'the companies to assign are offered');
    const sent = await anna().post('/org/invitations', { email: 'Revisor@Example.se', role: 'readonly', companies: [firm.companies[0]!] });
    assert.equal(sent.status, 303);
    assert.equal(sent.location, '/org?done=invited');
    const mail = t.mails.at(-1)!;
    assert.equal(mail.to, 'revisor@example.se');
    assert.match(mail.subject, /Byrå Ett AB/);
    assert.match(mail.text, /Läsbehörighet/);
    const token = tokenOf(mail.text);
    assert.match((await anna().get('/org')).text, /revisor@example\.se/, 'listed as pending');

    const invitee = new WebClient(t.url);
    const invitePage = await invitee.get(`/invite/${token}`);
    assert.equal(invitePage.status, 200);
    assert.match(invitePage.text, /Byrå Ett AB/);
    assert.match(invitePage.text, /Läsbehörighet/);
    const weak = await invitee.post(`/invite/${token}`, { name: 'Rita Revisor', password: 'kort' });
    assert.equal(weak.status, 400);
    const joined = await invitee.post(`/invite/${token}`, { name: 'Rita Revisor', password: 'en lång och bra lösenfras' });
    assert.equal(joined.status, 303);
    assert.equal(joined.location, '/dashboard');

    assert.equal((await invitee.get(`/companies/${firm.companies[0]!}/alerts`)).status, 200);
    assert.equal((await invitee.get(`/companies/${firm.companies[1]!}/alerts`)).status, 404, 'an unassigned company does not exist for them');
    assert.equal((await invitee.get('/org')).status, 403);

    const late = new WebClient(t.url);
    const again = await late.get(`/invite/${token}`);
    assert.equal(again.status, 410, 'the link works once');
    const reuse = await late.post(`/invite/${token}`, { name: 'Någon annan', password: 'en annan lång lösenfras' });
    assert.equal(reuse.status, 410);
    assert.doesNotMatch((await anna().get('/org')).text, /<th scope="row">revisor@example\.se/, 'no longer pending');

    const log = await listAudit(t.db, firm.orgId, { action: 'invitation.accept' });
    assert.equal(log[0]?.userEmail, 'revisor@example.se');
    assert.equal((await listAudit(t.db, firm.orgId, { action: 'user.invite' }))[0]?.userEmail, firm.members.anna!.email);
  });

  it('sends an invited administrator to the two-factor set-up after joining', async () => {
    const olle = other.members.olle!.client;
    await olle.get('/org');
    await olle.post('/org/invitations', { email: 'chef@example.se', role: 'admin' });
    const token = tokenOf(t.mails.at(-1)!.text);
    const invitee = new WebClient(t.url);
    assert.match((await invitee.get(`/invite/${token}`)).text, /Systemadministratör/);
    const joined = await invitee.post(`/invite/${token}`, { name: 'Chef', password: 'ännu en lång lösenfras' });
    assert.equal(joined.location, '/account/two-factor');
    assert.equal((await invitee.get('/org')).status, 303, 'nothing else until two-factor sign-in is on');
  });

  it('refuses an expired or revoked invitation with a clear message, and creates no account', async () => {
    await anna().post('/org/invitations', { email: 'aterkallad@example.se', role: 'user' });
    const token = tokenOf(t.mails.at(-1)!.text);
    const [pending] = await t.db.selectFrom('invitations').select('id').where('email', '=', 'aterkallad@example.se').execute();
    assert.equal((await anna().post(`/org/invitations/${pending!.id}/revoke`)).location, '/org?done=revoked');
    const revoked = await new WebClient(t.url).get(`/invite/${token}`);
    assert.equal(revoked.status, 410);
    assert.match(revoked.text, /återkallats/);
    const c = new WebClient(t.url);
    await c.get('/login');
    assert.equal((await c.post(`/invite/${token}`, { name: 'X', password: 'en lång och bra lösenfras' })).status, 410);
    assert.equal(await t.db.selectFrom('users').select('id').where('email', '=', 'aterkallad@example.se').executeTakeFirst(), undefined);

    const old = await createInvitation(t.db, { orgId: firm.orgId, email: 'sen@example.se', role: 'user', invitedBy: firm.members.anna!.userId, now: new Date(Date.now() - 8 * 86_400_000) });
    const expired = await new WebClient(t.url).get(`/invite/${old.token}`);
    assert.equal(expired.status, 410);
    assert.match(expired.text, /gått ut/);
    assert.equal((await new WebClient(t.url).get('/invite/nonsense-token-that-is-long-enough')).status, 404);
  });

  it('lets a person with an account join only after signing in as that account', async () => {
    const pia = other.members.pia!;
    await anna().post('/org/invitations', { email: pia.email, role: 'user', companies: [firm.companies[1]!] });
    const token = tokenOf(t.mails.at(-1)!.text);
    const anonymous = new WebClient(t.url);
    const page = await anonymous.get(`/invite/${token}`);
    assert.match(page.text, /Logga in först/);
    assert.equal((await anonymous.post(`/invite/${token}`, {})).status, 403);
    assert.equal((await firm.members.bo!.client.post(`/invite/${token}`, {})).status, 403, 'someone else signed in cannot take it');
    assert.equal(await membership(t.db, firm.orgId, pia.userId), undefined);

    assert.match((await pia.client.get(`/invite/${token}`)).text, /Acceptera inbjudan/);
    const accepted = await pia.client.post(`/invite/${token}`, {});
    assert.equal(accepted.status, 303);
    assert.equal(await membership(t.db, firm.orgId, pia.userId), 'user');
    assert.equal(await membership(t.db, other.orgId, pia.userId), 'user', 'the first membership stays');
    assert.equal((await pia.client.get(`/companies/${firm.companies[1]!}/alerts`)).status, 200, 'the new session is in the firm');
  });

  it('never demotes or removes the last administrator', async () => {
    const annaId = firm.members.anna!.userId;
    const demote = await anna().post(`/org/members/${annaId}/role`, { role: 'user' });
    assert.equal(demote.location, `/org/members/${annaId}?error=LAST_ADMIN`);
    assert.equal(await membership(t.db, firm.orgId, annaId), 'admin');
    const removal = await anna().post(`/org/members/${annaId}/remove`);
    assert.equal(removal.location, `/org/members/${annaId}?error=LAST_ADMIN`);
    assert.equal(await membership(t.db, firm.orgId, annaId), 'admin');
    assert.match((await anna().get(removal.location)).text, /minst en systemadministratör/);
  });

  it('changes roles and assignments, and removing a member ends their sessions in the organisation', async () => {
    const bo = firm.members.bo!;
    assert.equal((await anna().post(`/org/members/${bo.userId}/role`, { role: 'readonly' })).location, `/org/members/${bo.userId}?done=roleChanged`);
    assert.equal(await membership(t.db, firm.orgId, bo.userId), 'readonly');
    await anna().post(`/org/members/${bo.userId}/companies`, { companies: [firm.companies[1]!, other.companies[0]!] });
    assert.equal((await bo.client.get(`/companies/${firm.companies[1]!}/alerts`)).status, 200);
    assert.equal((await bo.client.get(`/companies/${firm.companies[0]!}/alerts`)).status, 404, 'the old assignment is gone');
    const assigned = await t.db.selectFrom('company_assignments').select('tenant_id').where('user_id', '=', bo.userId).execute();
    assert.deepEqual(assigned.map((r) => r.tenant_id), [firm.companies[1]], 'another organisation\'s company is never assigned');

    const eva = firm.members.eva!;
    assert.equal((await eva.client.get('/dashboard')).status, 200);
    assert.equal((await anna().post(`/org/members/${eva.userId}/remove`)).location, '/org?done=removed');
    assert.equal(await membership(t.db, firm.orgId, eva.userId), undefined);
    assert.equal((await eva.client.get('/dashboard')).status, 303, 'signed out');
    const actions = (await listAudit(t.db, firm.orgId, { limit: 20 })).map((e) => e.action);
    for (const action of ['user.role', 'user.assign', 'user.remove']) assert.ok(actions.includes(action), action);
  });

  it('answers 403 to members who are not administrators', async () => {
    for (const who of ['bo', 'rut'] as const) {
      const c = firm.members[who]!.client;
      assert.equal((await c.get('/org')).status, 403, who);
      assert.equal((await c.get('/org/subscription')).status, 403, who);
      assert.equal((await c.get('/org/terminate')).status, 403, who);
      assert.equal((await c.post('/org/invitations', { email: 'x@example.se', role: 'admin' })).status, 403, who);
      assert.equal((await c.post(`/org/members/${firm.members[who]!.userId}/role`, { role: 'admin' })).status, 403, who);
      assert.equal((await c.get('/api/v1/org')).status, 403, who);
    }
    assert.equal(await membership(t.db, firm.orgId, firm.members.rut!.userId), 'readonly');
  });

  it('answers 404 for another organisation\'s user or invitation', async () => {
    const olle = other.members.olle!;
    assert.equal((await anna().get(`/org/members/${olle.userId}`)).status, 404);
    assert.equal((await anna().post(`/org/members/${olle.userId}/role`, { role: 'readonly' })).status, 404);
    assert.equal((await anna().post(`/org/members/${olle.userId}/companies`, { companies: [] })).status, 404);
    assert.equal((await anna().post(`/org/members/${olle.userId}/remove`)).status, 404);
    assert.equal(await membership(t.db, other.orgId, olle.userId), 'admin');
    const theirs = await createInvitation(t.db, { orgId: other.orgId, email: 'deras@example.se', role: 'user', invitedBy: olle.userId });
    assert.equal((await anna().post(`/org/invitations/${theirs.invitation.id}/revoke`)).status, 404);
    assert.equal((await anna().request('POST', `/api/v1/org/invitations/${theirs.invitation.id}/revoke`)).status, 404);
    assert.equal((await t.db.selectFrom('invitations').select('revoked_at').where('id', '=', theirs.invitation.id).executeTakeFirstOrThrow()).revoked_at, null);
  });

  it('serves the organisation and invitations over the JSON API', async () => {
    const created = await anna().request('POST', '/api/v1/org/invitations', { json: { email: 'api@example.se', role: 'user', companies: [firm.companies[0]!] } });
    assert.equal(created.status, 201);
    const body = await anna().get('/api/v1/org');
    const json = body.json<{ organisation: { name: string; kind: string }; members: { email: string }[]; invitations: { email: string; companies: string[] }[] }>();
    assert.equal(json.organisation.name, 'Byrå Ett AB');
    assert.ok(json.members.some((x) => x.email === firm.members.anna!.email));
    assert.deepEqual(json.invitations.find((i) => i.email === 'api@example.se')?.companies, [firm.companies[0]]);
  });

  it('terminates only on the exact sentence, with one month\'s notice and deletion 30 days later, and can withdraw it', async () => {
    const small = await createTestOrg(t, { kind: 'company', name: 'Slutar AB', companies: ['Slutar AB'], members: { sam: 'admin' } });
    const sam = small.members.sam!.client;
    assert.match((await sam.get('/org/terminate')).text, /Jag säger upp Noxbackup för Slutar AB/);
    const wrong = await sam.post('/org/terminate', { sentence: 'jag säger upp noxbackup för slutar ab' });
    assert.equal(wrong.location, '/org/terminate?error=BAD_SENTENCE');
    assert.equal((await getOrganisation(t.db, small.orgId))?.status, 'active');

    const before = Date.now();
    const done = await sam.post('/org/terminate', { sentence: 'Jag säger upp Noxbackup för Slutar AB' });
    assert.equal(done.location, '/org/terminate?done=terminated');
    const org = await getOrganisation(t.db, small.orgId);
    assert.equal(org?.status, 'terminated');
    const terminatedAt = new Date(org.terminatedAt!);
    assert.ok(terminatedAt.getTime() >= before - 1000);
    const tenant = await getTenant(t.db, small.companies[0]!);
    assert.equal(tenant?.terminatedAt, terminatedAt.toISOString());
    assert.equal(tenant?.deletionDueAt, new Date(addOneMonth(terminatedAt).getTime() + 30 * 86_400_000).toISOString());
    const page = await sam.get('/org/terminate');
    assert.match(page.text, /Säkerhetskopiorna raderas/);
    assert.match(page.text, /Återkalla uppsägningen/);
    assert.equal((await sam.post('/org/terminate', { sentence: 'Jag säger upp Noxbackup för Slutar AB' })).location, '/org/terminate?error=ALREADY_TERMINATED');
    const scheduled = await listAlerts(t.db, small.companies, { open: true });
    assert.deepEqual(scheduled.map((a) => [a.kind, a.details]), [['deletion_scheduled', { noticeEndsAt: addOneMonth(terminatedAt).toISOString(), deletionDueAt: tenant?.deletionDueAt }]], 'the company gets a deletion-scheduled alert (and so an e-mail)');
    assert.match((await sam.get('/alerts')).text, /Säkerhetskopiorna kommer att raderas/);

    assert.equal((await sam.post('/org/terminate/cancel')).location, '/org/terminate?done=cancelled');
    assert.equal((await getOrganisation(t.db, small.orgId))?.status, 'active');
    const restored = await getTenant(t.db, small.companies[0]!);
    assert.equal(restored?.terminatedAt, null);
    assert.equal(restored?.deletionDueAt, null);
    assert.deepEqual(await listAlerts(t.db, small.companies, { open: true }), [], 'withdrawing resolves the alert');
    const actions = (await listAudit(t.db, small.orgId)).map((e) => e.action);
    assert.ok(actions.includes('org.terminate') && actions.includes('org.terminate_cancel'));
  });

  it('counts the notice as one calendar month', () => {
    assert.equal(addOneMonth(new Date('2026-01-31T10:00:00Z')).toISOString(), '2026-02-28T10:00:00.000Z');
    assert.equal(addOneMonth(new Date('2026-12-15T23:30:00Z')).toISOString(), '2027-01-15T23:30:00.000Z');
    const dates = terminationDates(new Date('2026-03-10T12:00:00Z'));
    assert.equal(dates.noticeEndsAt.toISOString(), '2026-04-10T12:00:00.000Z');
    assert.equal(dates.deletionDueAt.toISOString(), '2026-05-10T12:00:00.000Z');
  });

  it('shows the plan and refuses a plan of another kind of organisation', async () => {
    const page = await anna().get('/org/subscription');
    assert.equal(page.status, 200);
    assert.match(page.text, /Pris per anslutet klientföretag/);
    assert.equal((await anna().post('/org/subscription', { plan: 'bas' })).location, '/org/subscription?error=BAD_PLAN');
    assert.equal((await getOrganisation(t.db, firm.orgId))?.plan, 'byra');
  });
});
