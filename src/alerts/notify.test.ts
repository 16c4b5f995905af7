/** E-mail notifications of alerts: who is told about what, in which language, and what happens when mail fails. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMember, assignCompanies, createOrganisation, linkCompany } from '../accounts/organisations.ts';
import { createUser } from '../accounts/users.ts';
import { getAlert, raiseAlert, type Alert, type NewAlert } from '../db/alerts.ts';
import { createTenant, type Db, type Locale, type Role } from '../db/index.ts';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import type { MailMessage, Mailer } from '../mail/mailer.ts';
import { createTestOrg, startTestWeb, type TestWeb } from '../web/web.test-support.ts';
import { notifyAlerts, startAlertNotifier, type NotifyContext } from './notify.ts';

const PUBLIC_URL = 'https://backup.example.se';

/** Keeps what it sends; refuses mail to the addresses in `refuse`. */
class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  readonly refuse = new Set<string>();
  send(message: MailMessage): Promise<void> {
    if (this.refuse.has(message.to)) return Promise.reject(new Error(`mailbox ${message.to} unavailable`));
    this.sent.push(message);
    return Promise.resolve();
  }
  to(email: string): MailMessage[] {
    return this.sent.filter((m) => m.to === email);
  }
  take(): MailMessage[] {
    return this.sent.splice(0);
  }
}

interface Firm {
  readonly name: string;
  readonly c1: { id: string; name: string };
  readonly c2: { id: string; name: string };
  readonly admin: string;
  readonly user: string;
  readonly auditor: string;
  readonly otherAdmin: string;
  readonly otherCompany: string;
}

let serial = 0;

/** A firm with two companies, an administrator, a user assigned company 1 and a read-only user assigned company 2; another organisation with its own administrator and company. */
async function createFirm(db: Db): Promise<Firm> {
  const n = ++serial;
  const member = async (orgId: string, name: string, role: Role, locale: Locale): Promise<string> => {
    const user = await createUser(db, { email: `${name}${n}@example.se`, name, passwordHash: 'not-used', locale });
    await addMember(db, orgId, user.id, role);
    return user.id;
  };
  const name = `Byrå ${n} AB`;
  const firm = await createOrganisation(db, { kind: 'firm', name });
  const c1 = await createTenant(db, { name: `Kund Ett ${n} AB` });
  const c2 = await createTenant(db, { name: `Kund Två ${n} AB` });
  await linkCompany(db, firm.id, c1.id);
  await linkCompany(db, firm.id, c2.id);
  await member(firm.id, 'anna', 'admin', 'sv');
  const user = await member(firm.id, 'bob', 'user', 'en');
  const auditor = await member(firm.id, 'revisor', 'readonly', 'sv');
  await assignCompanies(db, firm.id, user, [c1.id]);
  await assignCompanies(db, firm.id, auditor, [c2.id]);
  const other = await createOrganisation(db, { kind: 'company', name: `Annat ${n} AB` });
  const otherCompany = await createTenant(db, { name: `Annat ${n} AB` });
  await linkCompany(db, other.id, otherCompany.id);
  await member(other.id, 'olle', 'admin', 'sv');
  return {
    name,
    c1: { id: c1.id, name: c1.name },
    c2: { id: c2.id, name: c2.name },
    admin: `anna${n}@example.se`,
    user: `bob${n}@example.se`,
    auditor: `revisor${n}@example.se`,
    otherAdmin: `olle${n}@example.se`,
    otherCompany: otherCompany.id,
  };
}

const failed = (tenantId: string, at?: Date): NewAlert => ({ tenantId, kind: 'backup_failed', severity: 'critical', details: { runId: null, code: 'FORTNOX_TIMEOUT', message: 'Fortnox svarade inte' }, ...(at === undefined ? {} : { at }) });
const bank = (tenantId: string): NewAlert => ({
  tenantId, kind: 'supplier_bank_changed', severity: 'critical',
  details: { supplierNumber: '42', name: 'Leverantören AB', changes: [{ field: 'BG', before: '123-4567', after: '987-6543' }] },
});
const reconnect = (tenantId: string): NewAlert => ({ tenantId, kind: 'reconnect_needed', severity: 'critical', details: { runId: null, code: null, reason: 'Behörigheten återkallades' } });
const massDeletion = (tenantId: string): NewAlert => ({ tenantId, kind: 'mass_deletion', severity: 'warning', details: { dataset: 'customers', deleted: 30, before: 100 } });

for (const target of testDatabases()) {
  describe(`alert notifications by e-mail (${target.name})`, () => {
    let t: TestDatabase;
    const mailer = new MemoryMailer();
    const lines: string[] = [];
    let now = new Date();
    const ctx = (): NotifyContext => ({ db: t.db, mailer, publicUrl: `${PUBLIC_URL}/`, now: () => now, log: (line) => lines.push(line) });
    const raise = async (alert: NewAlert): Promise<Alert> => (await raiseAlert(t.db, alert)).alert;
    const notifiedAt = async (alert: Alert): Promise<string | null> => (await getAlert(t.db, [alert.tenantId], alert.id))!.notifiedAt;

    before(async () => {
      t = await target.open();
    });
    after(() => t.cleanup());

    it('sends each member one digest, in their language, of the alerts of the companies they may see, and marks the alerts', async () => {
      const f = await createFirm(t.db);
      const alerts = [await raise(failed(f.c1.id)), await raise(bank(f.c1.id)), await raise(reconnect(f.c2.id)), await raise(massDeletion(f.c2.id))];
      mailer.take();

      const result = await notifyAlerts(ctx());
      assert.deepEqual(result, { mailed: 3, alerts: 4, failed: 0 });

      // The administrator: every alert of both companies, in Swedish.
      const [admin, ...moreAdmin] = mailer.to(f.admin);
      assert.ok(admin !== undefined && moreAdmin.length === 0, 'one mail to the administrator');
      assert.equal(admin.subject, `4 nya larm för ${f.name}`);
      assert.match(admin.text, /^Hej anna!/);
      for (const c of [f.c1, f.c2]) {
        assert.ok(admin.text.includes(c.name));
        assert.ok(admin.text.includes(`${PUBLIC_URL}/companies/${c.id}/alerts`));
      }
      assert.ok(admin.text.includes('Säkerhetskopieringen misslyckades'));
      assert.ok(admin.text.includes('Fortnox svarade inte'));
      assert.ok(admin.text.includes('Kontrollera ändringen med leverantören via ett känt telefonnummer innan ni betalar'));
      assert.ok(admin.text.includes('Ändrade uppgifter: BG'));
      assert.ok(!admin.text.includes('987-6543'), 'no account numbers in the mail');
      assert.ok(admin.text.includes('Fortnox-anslutningen måste förnyas'));
      assert.ok(admin.text.includes('30 av 100 poster i customers raderades'));
      assert.ok(admin.text.includes(`${PUBLIC_URL}/alerts`));
      assert.ok(!admin.text.includes(`${PUBLIC_URL}//`), 'no double slash from the public URL\'s trailing one');

      // The user assigned company 1: its two alerts only, in English.
      const [user, ...moreUser] = mailer.to(f.user);
      assert.ok(user !== undefined && moreUser.length === 0, 'one mail to the user');
      assert.equal(user.subject, `2 new alerts for ${f.name}`);
      assert.ok(user.text.includes('The backup failed'));
      assert.ok(user.text.includes('Check the change with the supplier on a telephone number you already know before you pay'));
      assert.ok(user.text.includes(`${PUBLIC_URL}/companies/${f.c1.id}/alerts`));
      assert.ok(!user.text.includes(f.c2.id) && !user.text.includes(f.c2.name), 'nothing of the company not assigned to them');

      // The read-only user assigned company 2: its critical alert, not the warning.
      const [auditor, ...moreAuditor] = mailer.to(f.auditor);
      assert.ok(auditor !== undefined && moreAuditor.length === 0, 'one mail to the read-only user');
      assert.equal(auditor.subject, `1 nytt larm för ${f.name}`);
      assert.ok(auditor.text.includes('Fortnox-anslutningen måste förnyas'));
      assert.ok(!auditor.text.includes('raderades'));
      assert.ok(!auditor.text.includes(f.c1.id) && !auditor.text.includes(f.c1.name));

      assert.deepEqual(mailer.to(f.otherAdmin), [], 'nothing to another organisation');
      for (const a of alerts) assert.equal(await notifiedAt(a), now.toISOString());

      mailer.take();
      assert.deepEqual(await notifyAlerts(ctx()), { mailed: 0, alerts: 0, failed: 0 });
      assert.deepEqual(mailer.sent, [], 'nothing is sent twice');
    });

    it('leaves the alerts of a failed mail for the next run without holding back the other recipients', async () => {
      const f = await createFirm(t.db);
      const one = await raise(failed(f.c1.id));
      const two = await raise(reconnect(f.c2.id));
      mailer.take();
      mailer.refuse.add(f.user);
      try {
        assert.deepEqual(await notifyAlerts(ctx()), { mailed: 2, alerts: 1, failed: 1 });
      } finally {
        mailer.refuse.clear();
      }
      assert.deepEqual(mailer.take().map((m) => m.to).sort(), [f.admin, f.auditor].sort());
      assert.equal(await notifiedAt(one), null, 'company 1\'s alert waits: its user was not told');
      assert.equal(await notifiedAt(two), now.toISOString());
      assert.ok(lines.some((l) => l.includes(f.user) && l.includes('unavailable')));

      // Next round: every recipient of the waiting alert, the administrator again (an accepted duplicate).
      assert.deepEqual(await notifyAlerts(ctx()), { mailed: 2, alerts: 1, failed: 0 });
      const sent = mailer.take();
      assert.deepEqual(sent.map((m) => m.to).sort(), [f.admin, f.user].sort());
      for (const m of sent) assert.ok(m.text.includes(f.c1.name) && !m.text.includes(f.c2.name));
      assert.notEqual(await notifiedAt(one), null);
      assert.deepEqual(await notifyAlerts(ctx()), { mailed: 0, alerts: 0, failed: 0 });
    });

    it('gives up on an alert whose mail has kept failing for longer than giveUpAfterMs, and says so', async () => {
      const f = await createFirm(t.db);
      const old = await raise(failed(f.c1.id, new Date(now.getTime() - 2 * 60 * 60 * 1000)));
      mailer.take();
      mailer.refuse.add(f.user);
      try {
        assert.deepEqual(await notifyAlerts(ctx(), { giveUpAfterMs: 3 * 60 * 60 * 1000 }), { mailed: 1, alerts: 0, failed: 1 });
        assert.deepEqual(await notifyAlerts(ctx(), { giveUpAfterMs: 60 * 60 * 1000 }), { mailed: 1, alerts: 1, failed: 1 });
      } finally {
        mailer.refuse.clear();
      }
      assert.notEqual(await notifiedAt(old), null);
      assert.ok(lines.some((l) => l.includes(old.id) && l.includes('kept failing')));
      mailer.take();
    });

    it('marks the alerts of a company no organisation owns, or no one may be told about, without mailing anyone', async () => {
      const orphan = await createTenant(t.db, { name: 'Ingens AB' });
      const unassigned = await createTenant(t.db, { name: 'Otilldelad AB' });
      const firm = await createOrganisation(t.db, { kind: 'firm', name: 'Tom Byrå AB' });
      await linkCompany(t.db, firm.id, unassigned.id);
      const user = await createUser(t.db, { email: `ensam${++serial}@example.se`, name: 'ensam', passwordHash: 'not-used', locale: 'sv' });
      await addMember(t.db, firm.id, user.id, 'user');
      const a = await raise(failed(orphan.id));
      const b = await raise(failed(unassigned.id));
      mailer.take();
      assert.deepEqual(await notifyAlerts(ctx()), { mailed: 0, alerts: 2, failed: 0 });
      assert.deepEqual(mailer.sent, []);
      assert.notEqual(await notifiedAt(a), null);
      assert.notEqual(await notifiedAt(b), null);
      assert.ok(lines.some((l) => l.includes(a.id) && l.includes('no organisation owns the company')));
      assert.ok(lines.some((l) => l.includes(b.id) && l.includes('nobody who may see the company')));
    });

    it('handles at most `limit` alerts a run, oldest first', async () => {
      const f = await createFirm(t.db);
      const start = now.getTime() - 60_000;
      const [a, b, c] = [await raise(failed(f.c1.id, new Date(start))), await raise(failed(f.c2.id, new Date(start + 1000))), await raise(massDeletion(f.c1.id))];
      mailer.take();
      assert.equal((await notifyAlerts(ctx(), { limit: 2 })).alerts, 2);
      assert.notEqual(await notifiedAt(a), null);
      assert.notEqual(await notifiedAt(b), null);
      assert.equal(await notifiedAt(c), null);
      assert.equal((await notifyAlerts(ctx(), { limit: 2 })).alerts, 1);
      mailer.take();
    });

    it('the notifier mails new alerts on its own every interval and stop() waits for a run under way', async () => {
      const f = await createFirm(t.db);
      await raise(bank(f.c2.id));
      mailer.take();
      now = new Date();
      const notifier = startAlertNotifier(ctx(), { intervalMs: 10 });
      try {
        for (let i = 0; i < 300 && mailer.to(f.admin).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        assert.equal(mailer.to(f.admin).length, 1);
        assert.equal(mailer.to(f.auditor).length, 1, 'a critical alert reaches the read-only user');
        assert.deepEqual(await notifier.runOnce(), { mailed: 0, alerts: 0, failed: 0 });
      } finally {
        await notifier.stop();
      }
      mailer.take();
    });
  });
}

describe('alert mails in the running web app', () => {
  let t: TestWeb;
  before(async () => {
    t = await startTestWeb();
  });
  after(() => t.close());

  it('links to the company\'s alerts page, which the recipient can open and which shows the alert', async () => {
    const org = await createTestOrg(t, { kind: 'firm', name: 'Länkbyrån AB', companies: ['Länkkund AB', 'Annan kund AB'], members: { alice: 'admin', bob: 'user' }, assign: { bob: [0] } });
    await raiseAlert(t.db, bank(org.companies[0]!));
    const ctx = t.web.context;
    const result = await notifyAlerts({ db: t.db, mailer: ctx.mailer, publicUrl: ctx.publicUrl, now: ctx.now });
    assert.deepEqual(result, { mailed: 2, alerts: 1, failed: 0 });
    for (const name of ['alice', 'bob']) {
      const member = org.members[name]!;
      const mail = t.mails.find((m) => m.to === member.email);
      assert.ok(mail !== undefined, `a mail to ${name}`);
      const links = [...mail.text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]);
      assert.ok(links.length >= 2);
      for (const link of links) {
        assert.ok(link.startsWith(t.url), `${link} points at the server`);
        const page = await member.client.get(link);
        assert.equal(page.status, 200, link);
        assert.ok(page.text.includes('Leverantörens bankuppgifter har ändrats'), `${link} shows the alert`);
      }
    }
  });
});
