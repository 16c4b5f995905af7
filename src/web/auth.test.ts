import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totpCode } from '../accounts/totp.ts';
import { hashPassword, verifyPassword } from '../accounts/passwords.ts';
import { startTestWeb, WebClient, createTestOrg, TEST_PASSWORD_COST, type TestWeb } from './web.test-support.ts';

/** Signs up through the form and returns the client (signed in, two-factor not yet set up). */
async function signUp(t: TestWeb, email: string, kind: 'company' | 'firm' = 'company'): Promise<WebClient> {
  const c = new WebClient(t.url);
  await c.get('/signup');
  const res = await c.post('/signup', { kind, orgName: 'Testbolaget AB', orgNumber: '556677-8899', name: 'Anna Andersson', email, password: 'korrekt häst batteri häftklammer' });
  assert.equal(res.status, 303, res.text.slice(0, 500));
  assert.equal(res.location, '/account/two-factor');
  return c;
}

/** Reads the pending TOTP secret from the set-up page and confirms it with a current code. */
async function setUpTwoFactor(c: WebClient): Promise<string> {
  const page = await c.get('/account/two-factor');
  const secret = /data-secret="([A-Z2-7]+)"/.exec(page.text)?.[1];
  assert.ok(secret, 'the set-up page shows the secret');
  assert.match(page.text, /<svg/, 'and a QR code');
  const res = await c.post('/account/two-factor', { code: totpCode(secret, new Date()) });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/dashboard');
  return secret;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`accounts on the web (${dialect})`, () => {
    let t: TestWeb;
    before(async () => {
      t = await startTestWeb({ dialect });
    });
    after(async () => {
      await t.close();
    });

    test('sign-up makes the first user a system administrator who must set up two-factor before anything else', async () => {
      const c = await signUp(t, `admin-${dialect}@example.se`);
      const session = c.cookies.get('nox_sid');
      assert.ok(session, 'signed in after sign-up');
      const blocked = await c.get('/dashboard');
      assert.equal(blocked.status, 303);
      assert.equal(blocked.location, '/account/two-factor');
      const api = await c.get('/api/v1/companies');
      assert.equal(api.status, 403);
      assert.equal(api.json<{ error: { code: string } }>().error.code, 'MFA_SETUP_REQUIRED');
      await setUpTwoFactor(c);
      const dashboard = await c.get('/dashboard');
      assert.equal(dashboard.status, 200);
      const me = (await c.get('/api/v1/me')).json<{ role: string; organisation: { kind: string }; user: { twoFactor: boolean } }>();
      assert.equal(me.role, 'admin');
      assert.equal(me.organisation.kind, 'company');
      assert.equal(me.user.twoFactor, true);
    });

    test('login asks for the TOTP code, refuses a wrong or reused one, and starts a new session id', async () => {
      const email = `totp-${dialect}@example.se`;
      const first = await signUp(t, email);
      const secret = await setUpTwoFactor(first);
      const c = new WebClient(t.url);
      await c.get('/login');
      const login = await c.post('/login', { email, password: 'korrekt häst batteri häftklammer' });
      assert.equal(login.status, 303);
      assert.match(login.location ?? '', /^\/login\/two-factor/);
      const pending = c.cookies.get('nox_sid');
      assert.equal((await c.get('/dashboard')).status, 303, 'a half-logged-in session reaches nothing');
      await c.get('/login/two-factor');
      assert.equal((await c.post('/login/two-factor', { code: '000000' === totpCode(secret, new Date()) ? '111111' : '000000' })).status, 401);
      // The set-up consumed the current step, so the next step's code is the one that works now (window ±1).
      const next = totpCode(secret, new Date(Date.now() + 30_000));
      const ok = await c.post('/login/two-factor', { code: next });
      assert.equal(ok.status, 303, ok.text.slice(0, 300));
      assert.notEqual(c.cookies.get('nox_sid'), pending, 'the session id changes when the second factor is given');
      assert.equal((await c.get('/dashboard')).status, 200);
      const again = new WebClient(t.url);
      await again.get('/login');
      await again.post('/login', { email, password: 'korrekt häst batteri häftklammer' });
      await again.get('/login/two-factor');
      assert.equal((await again.post('/login/two-factor', { code: next })).status, 401, 'a code is accepted once');
    });

    test('in demo mode the two-factor pages say which code works now, and that code is accepted', async () => {
      const email = `demo-${dialect}@example.se`;
      const c = await signUp(t, email);
      const setup = await c.get('/account/two-factor');
      const code = /Demoläge: koden som gäller nu är (\d{6})/.exec(setup.text)?.[1];
      assert.ok(code, 'the set-up page shows the code');
      assert.equal((await c.post('/account/two-factor', { code })).location, '/dashboard');
      const again = new WebClient(t.url);
      await again.get('/login');
      await again.post('/login', { email, password: 'korrekt häst batteri häftklammer' });
      const page = await again.get('/login/two-factor');
      const next = /Demoläge: koden som gäller nu är (\d{6})/.exec(page.text)?.[1];
      assert.ok(next && next !== code, 'the login page shows a code not used yet');
      assert.equal((await again.post('/login/two-factor', { code: next })).status, 303);
    });

    test('wrong passwords are refused with the same answer as unknown e-mails, and the sixth attempt is blocked', async () => {
      const email = `throttle-${dialect}@example.se`;
      await setUpTwoFactor(await signUp(t, email));
      const c = new WebClient(t.url);
      await c.get('/login');
      const unknown = await c.post('/login', { email: `nobody-${dialect}@example.se`, password: 'whatever whatever' });
      assert.equal(unknown.status, 401);
      for (let i = 0; i < 5; i++) {
        const res = await c.post('/login', { email, password: `fel lösenord ${i}` });
        assert.equal(res.status, 401);
        assert.match(res.text, /Fel e-postadress eller lösenord/);
      }
      const blocked = await c.post('/login', { email, password: 'korrekt häst batteri häftklammer' });
      assert.equal(blocked.status, 429, 'even the right password waits out the block');
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    });

    test('a password hashed with other argon2id parameters is re-hashed with the current ones at login', async () => {
      const email = `rehash-${dialect}@example.se`;
      await setUpTwoFactor(await signUp(t, email, 'firm'));
      const old = await hashPassword('korrekt häst batteri häftklammer', { memory: 128, passes: 1, parallelism: 1 });
      await t.db.updateTable('users').set({ password_hash: old }).where('email', '=', email).execute();
      const c = new WebClient(t.url);
      await c.get('/login');
      assert.equal((await c.post('/login', { email, password: 'korrekt häst batteri häftklammer' })).status, 303);
      const row = await t.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
      assert.match(row.password_hash, new RegExp(`^\\$argon2id\\$v=19\\$m=${TEST_PASSWORD_COST.memory},t=${TEST_PASSWORD_COST.passes},p=1\\$`));
      assert.equal(await verifyPassword(row.password_hash, 'korrekt häst batteri häftklammer'), true);
    });

    test('the account page lists the user\'s sessions and signs out all the others', async () => {
      const email = `sessions-${dialect}@example.se`;
      const first = await signUp(t, email);
      const secret = await setUpTwoFactor(first);
      const second = new WebClient(t.url);
      await second.get('/login');
      await second.post('/login', { email, password: 'korrekt häst batteri häftklammer' });
      await second.get('/login/two-factor');
      assert.equal((await second.post('/login/two-factor', { code: totpCode(secret, new Date(Date.now() + 30_000)) })).status, 303);
      const page = await first.get('/account');
      assert.equal((page.text.match(/<tr><td class="nowrap">/g) ?? []).length, 2, 'two sessions listed');
      assert.match(page.text, /den här/);
      const done = await first.post('/account/sessions/sign-out-others');
      assert.match(done.text, /Alla andra inloggningar är utloggade/);
      assert.equal((await second.get('/dashboard')).status, 303, 'the other session is gone');
      assert.equal((await first.get('/dashboard')).status, 200, 'this one stays');
    });

    test('a POST without the CSRF token is refused and changes nothing', async () => {
      const c = new WebClient(t.url);
      await c.get('/signup');
      const res = await c.request('POST', '/signup', { form: { kind: 'company', orgName: 'X', name: 'Y', email: `csrf-${dialect}@example.se`, password: 'korrekt häst batteri häftklammer', _csrf: 'wrong' } });
      assert.equal(res.status, 403);
      const again = new WebClient(t.url);
      await again.get('/login');
      assert.equal((await again.post('/login', { email: `csrf-${dialect}@example.se`, password: 'korrekt häst batteri häftklammer' })).status, 401, 'no account was created');
      const org = await createTestOrg(t, { kind: 'company', name: 'CSRF AB', companies: [], members: { ada: 'admin' } });
      const member = org.members.ada!;
      const api = await member.client.request('POST', '/logout', { headers: { 'x-csrf-token': 'nope' } });
      assert.equal(api.status, 403);
      assert.equal((await member.client.get('/account')).status, 200, 'still signed in');
    });

    test('a password reset link is e-mailed, works once, signs out other sessions, and unknown addresses get the same answer', async () => {
      const email = `reset-${dialect}@example.se`;
      const c = await signUp(t, email);
      await setUpTwoFactor(c);
      const anon = new WebClient(t.url);
      await anon.get('/password/forgot');
      const sentBefore = t.mails.length;
      const unknown = await anon.post('/password/forgot', { email: `ghost-${dialect}@example.se` });
      const known = await anon.post('/password/forgot', { email });
      assert.equal(unknown.status, known.status);
      assert.match(known.text, /Om adressen finns hos oss/);
      assert.equal(t.mails.length, sentBefore + 1, 'one mail, to the known address only');
      const mail = t.mails.at(-1)!;
      assert.equal(mail.to, email);
      const link = /https?:\/\/\S+\/password\/reset\/(\S+)/.exec(mail.text);
      assert.ok(link, mail.text);
      const path = `/password/reset/${link[1]}`;
      assert.equal((await anon.get(path)).status, 200);
      assert.equal((await anon.post(path, { password: 'kort' })).status, 400, 'the password rules apply');
      const done = await anon.post(path, { password: 'ett helt nytt långt lösenord' });
      assert.equal(done.status, 200);
      assert.equal((await anon.get(path)).status, 410, 'the link works once');
      assert.equal((await c.get('/dashboard')).status, 303, 'the old session was ended');
      const fresh = new WebClient(t.url);
      await fresh.get('/login');
      assert.equal((await fresh.post('/login', { email, password: 'ett helt nytt långt lösenord' })).status, 303);
    });

    test('cookies are HttpOnly with SameSite, pages carry security headers, and next= never leaves the site', async () => {
      const c = new WebClient(t.url);
      const page = await c.get('/login');
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'.*frame-ancestors 'none'/);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
      const email = `cookie-${dialect}@example.se`;
      await signUp(t, email);
      const raw = await fetch(new URL('/login', t.url), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, body: new URLSearchParams({ _csrf: c.csrf, email, password: 'korrekt häst batteri häftklammer' }).toString() });
      const cookie = raw.headers.getSetCookie().find((x) => x.startsWith('nox_sid='));
      assert.ok(cookie);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      const evil = await c.post('/locale', { locale: 'en', next: '//evil.example/' });
      assert.equal(evil.location, '/');
    });

    test('the language switch turns the pages English and back', async () => {
      const c = new WebClient(t.url);
      assert.match((await c.get('/login')).text, /<h1>Logga in<\/h1>/);
      await c.post('/locale', { locale: 'en', next: '/login' });
      assert.match((await c.get('/login')).text, /<h1>Sign in<\/h1>/);
      assert.match((await c.get('/login')).text, /<html lang="en">/);
    });

    test('sign-up rejects a taken e-mail, a weak password and a malformed organisation number, and says why', async () => {
      const email = `dup-${dialect}@example.se`;
      await signUp(t, email);
      const c = new WebClient(t.url);
      await c.get('/signup');
      const res = await c.post('/signup', { kind: 'firm', orgName: 'Byrå AB', orgNumber: '12', name: 'B', email, password: 'password' });
      assert.equal(res.status, 400);
      assert.match(res.text, /ett organisationsnummer har tio siffror/i);
      assert.match(res.text, /för vanligt|minst 12 tecken/);
    });
  });
}
