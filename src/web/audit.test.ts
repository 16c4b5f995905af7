import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { audit } from '../accounts/audit.ts';
import { createTestOrg, startTestWeb, type TestOrg, type TestWeb } from './web.test-support.ts';

interface EntryJson { action: string; label: string; userEmail: string | null; companyId: string | null; target: string | null; details: unknown }

describe('audit log in the web app', () => {
  let t: TestWeb;
  let firm: TestOrg;
  let other: TestOrg;

  before(async () => {
    t = await startTestWeb();
    firm = await createTestOrg(t, { kind: 'firm', name: 'Loggbyrån AB', companies: ['Synlig AB', 'Hemlig AB'], members: { anna: 'admin', bo: 'user', rut: 'readonly' }, assign: { rut: [0] } });
    other = await createTestOrg(t, { kind: 'company', name: 'Annat AB', companies: ['Annat AB'], members: { olle: 'admin' } });
    const [visible, hidden] = firm.companies as [string, string];
    await audit(t.db, { orgId: firm.orgId, tenantId: visible, userEmail: 'x@example.se', action: 'export.download', target: 'export-synlig', ip: '192.0.2.1' });
    await audit(t.db, { orgId: firm.orgId, tenantId: hidden, userEmail: 'x@example.se', action: 'record.view', target: 'kund-hemlig', ip: '192.0.2.2' });
    await audit(t.db, { orgId: other.orgId, userEmail: 'olle@example.se', action: 'user.invite', target: 'annan-organisation@example.se' });
    // The organisation's actions through the pages.
    const anna = firm.members.anna!.client;
    await anna.get('/org');
    await anna.post('/org/invitations', { email: 'ny@example.se', role: 'user', companies: [hidden] });
    await anna.post(`/org/members/${firm.members.bo!.userId}/role`, { role: 'readonly' });
  });
  after(() => t.close());

  it('lists the invitation and the role change with who did them, newest first, in words', async () => {
    const page = await firm.members.anna!.client.get('/audit');
    assert.equal(page.status, 200);
    assert.match(page.text, /Bjöd in en användare/);
    assert.match(page.text, /Ändrade en användares roll/);
    assert.match(page.text, /ny@example\.se/);
    assert.ok(page.text.includes(firm.members.anna!.email));
    assert.ok(page.text.indexOf('Ändrade en användares roll') < page.text.indexOf('Bjöd in en användare'), 'newest first');
    assert.match(page.text, /kund-hemlig/);
    assert.match(page.text, /Hemlig AB/);
    assert.doesNotMatch(page.text, /annan-organisation/, 'never another organisation\'s entries');
    const api = (await firm.members.anna!.client.get('/api/v1/audit?action=user.')).json<{ entries: EntryJson[] }>();
    assert.deepEqual(api.entries.map((e) => e.action), ['user.role', 'user.invite']);
    assert.equal(api.entries[0]?.userEmail, firm.members.anna!.email);
    assert.deepEqual(api.entries[0]?.details, { userId: firm.members.bo!.userId, from: 'user', to: 'readonly' });
  });

  it('shows a firm\'s read-only user only their companies\' entries and the organisation\'s', async () => {
    const rut = firm.members.rut!.client;
    const page = await rut.get('/audit');
    assert.equal(page.status, 200);
    assert.match(page.text, /export-synlig/);
    assert.doesNotMatch(page.text, /kund-hemlig/);
    assert.doesNotMatch(page.text, /Hemlig AB/);
    const api = (await rut.get('/api/v1/audit')).json<{ entries: EntryJson[] }>();
    assert.ok(api.entries.every((e) => e.companyId === null || e.companyId === firm.companies[0]));
    assert.ok(api.entries.some((e) => e.action === 'user.invite'));
    assert.ok(api.entries.filter((e) => e.companyId === null).every((e) => e.details === null), 'organisation entries may name hidden companies: no details');
    const asked = (await rut.get(`/api/v1/audit?company=${firm.companies[1]!}`)).json<{ entries: EntryJson[] }>();
    assert.ok(!asked.entries.some((e) => e.companyId === firm.companies[1]), 'a company filter cannot widen what they see');
  });

  it('filters by company and action, and pages with before', async () => {
    const anna = firm.members.anna!.client;
    const one = (await anna.get(`/api/v1/audit?company=${firm.companies[0]!}`)).json<{ entries: EntryJson[] }>();
    assert.deepEqual(one.entries.map((e) => e.target), ['export-synlig']);
    const first = (await anna.get('/api/v1/audit?limit=2')).json<{ entries: EntryJson[]; next: string | null }>();
    assert.equal(first.entries.length, 2);
    assert.ok(first.next !== null);
    const second = (await anna.get(`/api/v1/audit?limit=2&before=${encodeURIComponent(first.next)}`)).json<{ entries: EntryJson[] }>();
    assert.ok(second.entries.length > 0);
    assert.ok(!second.entries.some((e) => first.entries.some((f) => f.action === e.action && f.target === e.target)));
    assert.match((await anna.get('/audit?limit=2')).text, /Äldre händelser/);
  });

  it('answers 403 to a firm user without the audit permission', async () => {
    const eve = await createTestOrg(t, { kind: 'firm', name: 'Tredje AB', companies: [], members: { kim: 'admin', ulla: 'user' } });
    assert.equal((await eve.members.ulla!.client.get('/audit')).status, 403);
    assert.equal((await eve.members.ulla!.client.get('/api/v1/audit')).status, 403);
  });
});
