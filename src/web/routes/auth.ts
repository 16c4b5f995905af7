import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit } from '../../accounts/audit.ts';
import { clearFailedLogins, loginBlocked, recordFailedLogin } from '../../accounts/login-throttle.ts';
import { addMember, createOrganisation, membershipsOf } from '../../accounts/organisations.ts';
import { consumePasswordReset, createPasswordReset, resetTokenUser } from '../../accounts/password-resets.ts';
import { dummyVerify, hashPassword, needsRehash, passwordProblem, verifyPassword, type PasswordProblem } from '../../accounts/passwords.ts';
import { openSecret } from '../../accounts/secret-box.ts';
import { createSession, deleteSession, deleteUserSessions } from '../../accounts/sessions.ts';
import { TOTP_SECRET_PURPOSE, verifyTotp } from '../../accounts/totp.ts';
import { createUser, findUserByEmail, getUser, isEmail, setLocale, setPasswordHash, useTotpStep, userRow, type User } from '../../accounts/users.ts';
import { inTransaction } from '../../db/index.ts';
import type { WebContext } from '../context.ts';
import { csrfField, input, select, submit } from '../forms.ts';
import { html } from '../html.ts';
import { isLocale, messages } from '../../i18n.ts';
import { demoTotpHint } from '../demo-hint.ts';
import { notice, sendPage } from '../layout.ts';
import { HttpError, clientIp, field, safeNext, seeOther } from '../request-context.ts';
import { LOCALE_COOKIE, SESSION_COOKIE } from '../server.ts';

export const TOTP_PURPOSE = TOTP_SECRET_PURPOSE;

const m = messages(
  {
    welcome: 'Säkerhetskopior av Fortnox – automatiskt, krypterat, i Sverige',
    welcomeLead: 'Noxbackup tar en säkerhetskopia av ert företags bokföring i Fortnox varje natt. Ni kan bläddra i historiken, se vad som ändrats, exportera allt och återställa själva.',
    forCompanies: 'För företag',
    forCompaniesText: 'Ett företag, en säkerhetskopia varje natt, export och återställning när ni behöver.',
    forFirms: 'För redovisningsbyråer',
    forFirmsText: 'Alla klientföretag i en översikt, med behörigheter per medarbetare.',
    signupTitle: 'Skapa konto',
    signupLead: 'Ni blir systemadministratör för er organisation och ställer in tvåfaktorsinloggning direkt efter.',
    kind: 'Jag registrerar',
    kindCompany: 'ett företag',
    kindFirm: 'en redovisningsbyrå',
    orgName: 'Organisationens namn',
    orgNumber: 'Organisationsnummer',
    orgNumberHint: 'Tio siffror, t.ex. 556677-8899 (frivilligt)',
    yourName: 'Ditt namn',
    email: 'E-postadress',
    password: 'Lösenord',
    passwordHint: 'Minst 12 tecken. En lösenfras av flera ord är bra.',
    create: 'Skapa konto',
    loginTitle: 'Logga in',
    login: 'Logga in',
    forgot: 'Glömt lösenordet?',
    noAccount: 'Inget konto? Skapa ett.',
    badLogin: 'Fel e-postadress eller lösenord.',
    blocked: 'För många misslyckade inloggningar. Försök igen om {minutes} minuter.',
    totpTitle: 'Tvåfaktorsinloggning',
    totpLead: 'Ange den sexsiffriga koden från din autentiseringsapp.',
    code: 'Kod',
    verify: 'Fortsätt',
    badCode: 'Koden stämmer inte, eller har redan använts. Vänta på nästa kod och försök igen.',
    forgotTitle: 'Glömt lösenordet',
    forgotLead: 'Ange din e-postadress så skickar vi en länk för att välja ett nytt lösenord. Länken gäller i en timme.',
    send: 'Skicka länk',
    sent: 'Om adressen finns hos oss har vi skickat en länk dit. Kolla din inkorg.',
    resetTitle: 'Välj nytt lösenord',
    newPassword: 'Nytt lösenord',
    save: 'Spara lösenord',
    resetInvalid: 'Länken är ogiltig, har redan använts eller har gått ut. Begär en ny.',
    resetDone: 'Lösenordet är bytt. Logga in med det nya lösenordet.',
    required: 'Fyll i fältet.',
    badEmail: 'Ange en giltig e-postadress.',
    emailTaken: 'Det finns redan ett konto med den e-postadressen. Logga in, eller återställ lösenordet.',
    badOrgNumber: 'Ett organisationsnummer har tio siffror.',
    too_short: 'Lösenordet måste ha minst 12 tecken.',
    too_long: 'Lösenordet får ha högst 256 tecken.',
    same_as_email: 'Lösenordet får inte vara din e-postadress.',
    too_common: 'Lösenordet är för vanligt. Välj ett annat.',
    mailSubject: 'Återställ ditt lösenord till Noxbackup',
    mailBody: 'Hej {name}!\n\nNågon (förhoppningsvis du) bad om att få byta lösenord för {email} hos Noxbackup.\nÖppna länken inom en timme för att välja ett nytt lösenord:\n\n{link}\n\nBad du inte om detta kan du bortse från meddelandet; ditt lösenord är oförändrat.\n\nNoxbackup',
  },
  {
    welcome: 'Backups of Fortnox – automatic, encrypted, in Sweden',
    welcomeLead: 'Noxbackup backs up your company\'s accounting in Fortnox every night. Browse the history, see what changed, export everything and restore by yourself.',
    forCompanies: 'For companies',
    forCompaniesText: 'One company, a backup every night, export and restore when you need them.',
    forFirms: 'For accounting firms',
    forFirmsText: 'All client companies in one overview, with permissions per employee.',
    signupTitle: 'Sign up',
    signupLead: 'You become your organisation\'s system administrator and set up two-factor sign-in right after.',
    kind: 'I am registering',
    kindCompany: 'a company',
    kindFirm: 'an accounting firm',
    orgName: 'Organisation name',
    orgNumber: 'Organisation number',
    orgNumberHint: 'Ten digits, e.g. 556677-8899 (optional)',
    yourName: 'Your name',
    email: 'E-mail address',
    password: 'Password',
    passwordHint: 'At least 12 characters. A passphrase of several words is good.',
    create: 'Create account',
    loginTitle: 'Sign in',
    login: 'Sign in',
    forgot: 'Forgot your password?',
    noAccount: 'No account? Create one.',
    badLogin: 'Wrong e-mail address or password.',
    blocked: 'Too many failed sign-ins. Try again in {minutes} minutes.',
    totpTitle: 'Two-factor sign-in',
    totpLead: 'Enter the six-digit code from your authenticator app.',
    code: 'Code',
    verify: 'Continue',
    badCode: 'The code is wrong or was already used. Wait for the next code and try again.',
    forgotTitle: 'Forgot password',
    forgotLead: 'Enter your e-mail address and we will send a link to choose a new password. The link is valid for one hour.',
    send: 'Send link',
    sent: 'If the address is ours, we have sent a link to it. Check your inbox.',
    resetTitle: 'Choose a new password',
    newPassword: 'New password',
    save: 'Save password',
    resetInvalid: 'The link is invalid, already used or expired. Ask for a new one.',
    resetDone: 'Your password was changed. Sign in with the new one.',
    required: 'Fill in this field.',
    badEmail: 'Enter a valid e-mail address.',
    emailTaken: 'An account with that e-mail address exists. Sign in, or reset the password.',
    badOrgNumber: 'An organisation number has ten digits.',
    too_short: 'The password must have at least 12 characters.',
    too_long: 'The password may have at most 256 characters.',
    same_as_email: 'The password must not be your e-mail address.',
    too_common: 'That password is too common. Choose another.',
    mailSubject: 'Reset your Noxbackup password',
    mailBody: 'Hello {name},\n\nSomeone (hopefully you) asked to change the password of {email} at Noxbackup.\nOpen the link within an hour to choose a new password:\n\n{link}\n\nIf you did not ask for this, ignore this message; your password is unchanged.\n\nNoxbackup',
  },
);

/** Sets the session cookie: HttpOnly, SameSite=Lax (the OAuth redirect back from Fortnox must carry it). */
export function setSessionCookie(ctx: WebContext, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.cookieSecure, maxAge: 7 * 24 * 3600 });
}

/** Starts the signed-in session (a new id every time: no fixation) and records the login. */
export async function signIn(ctx: WebContext, request: FastifyRequest, reply: FastifyReply, user: User, orgId: string, via: string): Promise<void> {
  const { token } = await createSession(ctx.app.db, { userId: user.id, orgId, mfaPassed: true, ip: clientIp(request), userAgent: request.headers['user-agent'] ?? null, now: ctx.now() });
  setSessionCookie(ctx, reply, token);
  await audit(ctx.app.db, { orgId, userId: user.id, userEmail: user.email, action: 'login', details: { via }, ip: clientIp(request), at: ctx.now() });
}

export function normaliseOrgNumber(text: string): string | null | undefined {
  if (text === '') return null;
  const digits = text.replace(/[\s-]/g, '');
  if (!/^\d{10}$/.test(digits)) return undefined;
  return `${digits.slice(0, 6)}-${digits.slice(6)}`;
}

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const db = ctx.app.db;
  const cost = ctx.passwordCost;

  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    if (request.auth !== undefined) return seeOther(reply, '/dashboard');
    const t = m(request.locale);
    return sendPage(request, reply, {
      title: t('welcome'),
      lead: t('welcomeLead'),
      body: html`<div class="cards">
        <section class="card"><h2>${t('forCompanies')}</h2><p>${t('forCompaniesText')}</p></section>
        <section class="card"><h2>${t('forFirms')}</h2><p>${t('forFirmsText')}</p></section>
      </div>
      <p class="actions"><a class="button primary" href="/signup">${t('signupTitle')}</a> <a class="button secondary" href="/login">${t('loginTitle')}</a></p>`,
    });
  });

  const signupForm = (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: Record<string, string>, status = 200) => {
    const t = m(request.locale);
    return sendPage(request, reply, {
      title: t('signupTitle'),
      lead: t('signupLead'),
      status,
      body: html`<form method="post" action="/signup" class="form" novalidate>
        ${csrfField(request)}
        ${select('kind', t('kind'), [{ value: 'company', label: t('kindCompany') }, { value: 'firm', label: t('kindFirm') }], values.kind)}
        ${input('orgName', t('orgName'), { value: values.orgName ?? '', required: true, autocomplete: 'organization', error: errors.orgName })}
        ${input('orgNumber', t('orgNumber'), { value: values.orgNumber ?? '', hint: t('orgNumberHint'), error: errors.orgNumber })}
        ${input('name', t('yourName'), { value: values.name ?? '', required: true, autocomplete: 'name', error: errors.name })}
        ${input('email', t('email'), { type: 'email', value: values.email ?? '', required: true, autocomplete: 'email', error: errors.email })}
        ${input('password', t('password'), { type: 'password', required: true, autocomplete: 'new-password', hint: t('passwordHint'), minlength: 12, error: errors.password })}
        ${submit(t('create'))}
      </form>`,
    });
  };

  app.get('/signup', { config: { access: 'public' } }, async (request, reply) => {
    if (request.auth !== undefined) return seeOther(reply, '/dashboard');
    return signupForm(request, reply, {}, {});
  });

  app.post('/signup', { config: { access: 'public' } }, async (request, reply) => {
    const t = m(request.locale);
    const body = request.body;
    const values = { kind: field(body, 'kind') === 'firm' ? 'firm' : 'company', orgName: field(body, 'orgName'), orgNumber: field(body, 'orgNumber'), name: field(body, 'name'), email: field(body, 'email') };
    const password = typeof (body as Record<string, unknown> | undefined)?.password === 'string' ? String((body as Record<string, unknown>).password) : '';
    const errors: Record<string, string> = {};
    if (values.orgName === '') errors.orgName = t('required');
    const orgNumber = normaliseOrgNumber(values.orgNumber);
    if (orgNumber === undefined) errors.orgNumber = t('badOrgNumber');
    if (values.name === '') errors.name = t('required');
    if (!isEmail(values.email)) errors.email = t('badEmail');
    const problem = passwordProblem(password, { email: values.email });
    if (problem !== undefined) errors.password = t(problem);
    if (Object.keys(errors).length === 0 && (await findUserByEmail(db, values.email)) !== undefined) errors.email = t('emailTaken');
    if (Object.keys(errors).length > 0) return signupForm(request, reply, values, errors, 400);
    const passwordHash = await hashPassword(password, cost);
    const now = ctx.now();
    const { user, orgId } = await inTransaction(db, async (tx) => {
      const org = await createOrganisation(tx, { kind: values.kind as 'company' | 'firm', name: values.orgName, orgNumber: orgNumber ?? null, now });
      const user = await createUser(tx, { email: values.email, name: values.name, passwordHash, locale: request.locale, now });
      await addMember(tx, org.id, user.id, 'admin', now);
      return { user, orgId: org.id };
    });
    await audit(db, { orgId, userId: user.id, userEmail: user.email, action: 'org.signup', details: { kind: values.kind, name: values.orgName }, ip: clientIp(request), at: now });
    await signIn(ctx, request, reply, user, orgId, 'signup');
    return seeOther(reply, '/account/two-factor');
  });

  const loginForm = (request: FastifyRequest, reply: FastifyReply, email: string, error: string | undefined, status = 200) => {
    const t = m(request.locale);
    const next = safeNext((request.query as Record<string, unknown>).next, '');
    return sendPage(request, reply, {
      title: t('loginTitle'),
      status,
      body: html`${notice('error', error)}
      <form method="post" action="/login${next === '' ? '' : `?next=${encodeURIComponent(next)}`}" class="form">
        ${csrfField(request)}
        ${input('email', t('email'), { type: 'email', value: email, required: true, autocomplete: 'username', autofocus: email === '' })}
        ${input('password', t('password'), { type: 'password', required: true, autocomplete: 'current-password', autofocus: email !== '' })}
        ${submit(t('login'))}
      </form>
      <p><a href="/password/forgot">${t('forgot')}</a></p>
      <p><a href="/signup">${t('noAccount')}</a></p>`,
    });
  };

  app.get('/login', { config: { access: 'public' } }, async (request, reply) => {
    if (request.auth !== undefined) return seeOther(reply, safeNext((request.query as Record<string, unknown>).next, '/dashboard'));
    return loginForm(request, reply, '', undefined);
  });

  app.post('/login', { config: { access: 'public' } }, async (request, reply) => {
    const t = m(request.locale);
    const email = field(request.body, 'email');
    const password = typeof (request.body as Record<string, unknown> | undefined)?.password === 'string' ? String((request.body as Record<string, unknown>).password) : '';
    const ip = clientIp(request);
    const now = ctx.now();
    const blocked = await loginBlocked(db, { email, ip, now });
    if (blocked.blocked) {
      reply.header('retry-after', String(blocked.retryAfterSeconds));
      return loginForm(request, reply, email, t('blocked', { minutes: Math.max(1, Math.ceil(blocked.retryAfterSeconds / 60)) }), 429);
    }
    const found = email === '' ? undefined : await findUserByEmail(db, email);
    const ok = found === undefined ? await dummyVerify(password, cost) : await verifyPassword(found.row.password_hash, password);
    const orgs = found === undefined ? [] : await membershipsOf(db, found.user.id);
    const first = orgs[0];
    if (!ok || found === undefined || found.user.disabledAt !== null || first === undefined) {
      await recordFailedLogin(db, { email, ip, at: now });
      if (found !== undefined && first !== undefined) await audit(db, { orgId: first.orgId, userId: found.user.id, userEmail: found.user.email, action: 'login.failed', ip, at: now });
      return loginForm(request, reply, email, t('badLogin'), 401);
    }
    await clearFailedLogins(db, email);
    // A hash made with older (weaker) parameters is replaced while we have the password in hand.
    if (needsRehash(found.row.password_hash, cost)) await setPasswordHash(db, found.user.id, await hashPassword(password, cost));
    const next = safeNext((request.query as Record<string, unknown>).next, '/dashboard');
    if (found.user.totpEnabled) {
      const { token } = await createSession(db, { userId: found.user.id, orgId: first.orgId, mfaPassed: false, ip, userAgent: request.headers['user-agent'] ?? null, now });
      setSessionCookie(ctx, reply, token);
      return seeOther(reply, `/login/two-factor?next=${encodeURIComponent(next)}`);
    }
    await signIn(ctx, request, reply, found.user, first.orgId, 'password');
    return seeOther(reply, first.role === 'admin' ? '/account/two-factor' : next);
  });

  const totpForm = async (request: FastifyRequest, reply: FastifyReply, error: string | undefined, status = 200) => {
    const t = m(request.locale);
    const next = safeNext((request.query as Record<string, unknown>).next, '');
    const hint = request.pendingSession === undefined ? html`` : await demoTotpHint(ctx, request, request.pendingSession.userId);
    return sendPage(request, reply, {
      title: t('totpTitle'),
      lead: t('totpLead'),
      status,
      body: html`${notice('error', error)}${hint}<form method="post" action="/login/two-factor${next === '' ? '' : `?next=${encodeURIComponent(next)}`}" class="form">
        ${csrfField(request)}
        ${input('code', t('code'), { inputmode: 'numeric', pattern: '[0-9 ]{6,7}', autocomplete: 'one-time-code', required: true, autofocus: true })}
        ${submit(t('verify'))}
      </form>`,
    });
  };

  app.get('/login/two-factor', { config: { access: 'pending' } }, async (request, reply) => totpForm(request, reply, undefined));

  app.post('/login/two-factor', { config: { access: 'pending' } }, async (request, reply) => {
    const t = m(request.locale);
    const pending = request.pendingSession;
    if (pending === undefined) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
    const ip = clientIp(request);
    const now = ctx.now();
    const user = await getUser(db, pending.userId);
    const row = await userRow(db, pending.userId);
    const blocked = await loginBlocked(db, { email: user?.email ?? '', ip, now });
    if (blocked.blocked) return totpForm(request, reply, t('blocked', { minutes: Math.max(1, Math.ceil(blocked.retryAfterSeconds / 60)) }), 429);
    if (user === undefined || row?.totp_ciphertext === null || row?.totp_ciphertext === undefined || row.totp_key_id === null) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
    const secret = openSecret(ctx.app.keyring, TOTP_PURPOSE, user.id, row.totp_ciphertext, row.totp_key_id);
    const step = verifyTotp(secret, field(request.body, 'code'), { now, lastStep: row.totp_last_step });
    if (step === undefined || !(await useTotpStep(db, user.id, step))) {
      await recordFailedLogin(db, { email: user.email, ip, at: now });
      await audit(db, { orgId: pending.orgId, userId: user.id, userEmail: user.email, action: 'login.failed', details: { factor: 'totp' }, ip, at: now });
      return totpForm(request, reply, t('badCode'), 401);
    }
    await clearFailedLogins(db, user.email);
    await deleteSession(db, pending.idHash);
    await signIn(ctx, request, reply, user, pending.orgId, 'password+totp');
    return seeOther(reply, safeNext((request.query as Record<string, unknown>).next, '/dashboard'));
  });

  app.post('/logout', { config: { access: 'public' } }, async (request, reply) => {
    const session = request.auth?.session ?? request.pendingSession;
    if (session !== undefined) {
      await deleteSession(db, session.idHash);
      if (request.auth !== undefined) await audit(db, { orgId: request.auth.org.id, userId: request.auth.user.id, userEmail: request.auth.user.email, action: 'logout', ip: clientIp(request), at: ctx.now() });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return seeOther(reply, '/login');
  });

  app.post('/locale', { config: { access: 'public' } }, async (request, reply) => {
    const locale = field(request.body, 'locale');
    if (!isLocale(locale)) throw new HttpError(400, 'BAD_REQUEST', 'Unknown language');
    reply.setCookie(LOCALE_COOKIE, locale, { path: '/', sameSite: 'lax', secure: ctx.cookieSecure, maxAge: 365 * 24 * 3600 });
    if (request.auth !== undefined) await setLocale(db, request.auth.user.id, locale);
    return seeOther(reply, safeNext(field(request.body, 'next'), '/'));
  });

  const forgotForm = (request: FastifyRequest, reply: FastifyReply, message: string | undefined) => {
    const t = m(request.locale);
    return sendPage(request, reply, {
      title: t('forgotTitle'),
      lead: t('forgotLead'),
      body: html`${notice('ok', message)}<form method="post" action="/password/forgot" class="form">${csrfField(request)}${input('email', t('email'), { type: 'email', required: true, autocomplete: 'email' })}${submit(t('send'))}</form>`,
    });
  };

  app.get('/password/forgot', { config: { access: 'public' } }, async (request, reply) => forgotForm(request, reply, undefined));

  app.post('/password/forgot', { config: { access: 'public' } }, async (request, reply) => {
    const email = field(request.body, 'email');
    const now = ctx.now();
    const ip = clientIp(request);
    // Throttled like logins, so the form cannot be used to flood someone's inbox.
    const blocked = await loginBlocked(db, { email: `reset:${email}`, ip, now });
    const found = blocked.blocked || !isEmail(email) ? undefined : await findUserByEmail(db, email);
    if (found !== undefined && found.user.disabledAt === null) {
      await recordFailedLogin(db, { email: `reset:${email}`, ip, at: now });
      const token = await createPasswordReset(db, found.user.id, now);
      const tm = m(found.user.locale);
      const link = `${ctx.publicUrl}/password/reset/${token}`;
      await ctx.mailer.send({ to: found.user.email, subject: tm('mailSubject'), text: tm('mailBody', { name: found.user.name, email: found.user.email, link }) });
      const orgs = await membershipsOf(db, found.user.id);
      if (orgs[0] !== undefined) await audit(db, { orgId: orgs[0].orgId, userId: found.user.id, userEmail: found.user.email, action: 'password.reset_requested', ip, at: now });
    }
    // The same answer whether or not the address is known: the form must not reveal who has an account.
    return forgotForm(request, reply, m(request.locale)('sent'));
  });

  const resetForm = (request: FastifyRequest, reply: FastifyReply, token: string, error: string | undefined, status = 200) => {
    const t = m(request.locale);
    return sendPage(request, reply, {
      title: t('resetTitle'),
      status,
      body: html`<form method="post" action="/password/reset/${token}" class="form">${csrfField(request)}${input('password', t('newPassword'), { type: 'password', required: true, autocomplete: 'new-password', hint: t('passwordHint'), minlength: 12, error })}${submit(t('save'))}</form>`,
    });
  };

  app.get('/password/reset/:token', { config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const t = m(request.locale);
    if ((await resetTokenUser(db, token, ctx.now())) === undefined) return sendPage(request, reply, { title: t('resetTitle'), status: 410, body: html`${notice('error', t('resetInvalid'))}<p><a href="/password/forgot">${t('forgot')}</a></p>` });
    return resetForm(request, reply, token, undefined);
  });

  app.post('/password/reset/:token', { config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const t = m(request.locale);
    const password = typeof (request.body as Record<string, unknown> | undefined)?.password === 'string' ? String((request.body as Record<string, unknown>).password) : '';
    const now = ctx.now();
    const userId = await resetTokenUser(db, token, now);
    const user = userId === undefined ? undefined : await getUser(db, userId);
    if (user === undefined) return sendPage(request, reply, { title: t('resetTitle'), status: 410, body: html`${notice('error', t('resetInvalid'))}<p><a href="/password/forgot">${t('forgot')}</a></p>` });
    const problem: PasswordProblem | undefined = passwordProblem(password, { email: user.email });
    if (problem !== undefined) return resetForm(request, reply, token, t(problem), 400);
    const hash = await hashPassword(password, cost);
    if ((await consumePasswordReset(db, token, now)) === undefined) return sendPage(request, reply, { title: t('resetTitle'), status: 410, body: notice('error', t('resetInvalid')) });
    await setPasswordHash(db, user.id, hash);
    // Whoever knew the old password is signed out everywhere.
    await deleteUserSessions(db, user.id);
    await clearFailedLogins(db, user.email);
    const orgs = await membershipsOf(db, user.id);
    if (orgs[0] !== undefined) await audit(db, { orgId: orgs[0].orgId, userId: user.id, userEmail: user.email, action: 'password.reset', ip: clientIp(request), at: now });
    return sendPage(request, reply, { title: t('resetTitle'), body: html`${notice('ok', t('resetDone'))}<p><a class="button primary" href="/login">${t('login')}</a></p>` });
  });
}
