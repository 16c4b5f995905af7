import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { audit } from '../../accounts/audit.ts';
import { visibleCompanies } from '../../accounts/access.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../../accounts/passwords.ts';
import { openSecret, sealSecret } from '../../accounts/secret-box.ts';
import { deleteUserSessions, listUserSessions } from '../../accounts/sessions.ts';
import { generateTotpSecret, otpauthUri, verifyTotp } from '../../accounts/totp.ts';
import { enableTotp, setPasswordHash, setTotp, userRow } from '../../accounts/users.ts';
import type { WebContext } from '../context.ts';
import { csrfField, input, submit } from '../forms.ts';
import { html, raw } from '../html.ts';
import { formatDateTime, messages } from '../../i18n.ts';
import { demoTotpHint } from '../demo-hint.ts';
import { notice, sendPage } from '../layout.ts';
import { clientIp, field, seeOther, signedIn } from '../request-context.ts';
import { TOTP_PURPOSE } from './auth.ts';

const m = messages(
  {
    title: 'Mitt konto',
    profile: 'Uppgifter',
    name: 'Namn',
    email: 'E-post',
    org: 'Organisation',
    role: 'Roll',
    role_admin: 'Systemadministratör',
    role_user: 'Användare',
    role_readonly: 'Läsbehörighet',
    twoFactor: 'Tvåfaktorsinloggning',
    twoFactorOn: 'Påslagen. Vid inloggning anger du en kod från din autentiseringsapp.',
    twoFactorOff: 'Inte påslagen.',
    setUp: 'Ställ in tvåfaktorsinloggning',
    setupTitle: 'Ställ in tvåfaktorsinloggning',
    setupLead: 'Skanna QR-koden med en autentiseringsapp (t.ex. BankID-säkerhetsappen, Microsoft Authenticator, Google Authenticator eller 1Password) och ange koden den visar.',
    required: 'Systemadministratörer måste använda tvåfaktorsinloggning. Ställ in den för att fortsätta.',
    manual: 'Kan du inte skanna? Ange nyckeln manuellt:',
    code: 'Kod från appen',
    confirm: 'Slå på',
    badCode: 'Koden stämmer inte. Kontrollera att telefonens klocka går rätt och försök med nästa kod.',
    enabled: 'Tvåfaktorsinloggning är påslagen.',
    password: 'Byt lösenord',
    current: 'Nuvarande lösenord',
    newPassword: 'Nytt lösenord',
    passwordHint: 'Minst 12 tecken.',
    change: 'Byt lösenord',
    wrongPassword: 'Fel nuvarande lösenord.',
    changed: 'Lösenordet är bytt. Andra inloggningar har loggats ut.',
    too_short: 'Lösenordet måste ha minst 12 tecken.',
    too_long: 'Lösenordet får ha högst 256 tecken.',
    same_as_email: 'Lösenordet får inte vara din e-postadress.',
    too_common: 'Lösenordet är för vanligt. Välj ett annat.',
    sessions: 'Inloggningar',
    sessionsLead: 'Där du är inloggad just nu. Känner du inte igen en inloggning: logga ut den och byt lösenord.',
    started: 'Inloggad',
    lastSeen: 'Senast använd',
    device: 'Webbläsare',
    address: 'IP-adress',
    thisOne: 'den här',
    signOutOthers: 'Logga ut alla andra inloggningar',
    signedOutOthers: 'Alla andra inloggningar är utloggade.',
    companies: 'Företag du har tillgång till',
    none: 'Inga ännu.',
  },
  {
    title: 'My account',
    profile: 'Details',
    name: 'Name',
    email: 'E-mail',
    org: 'Organisation',
    role: 'Role',
    role_admin: 'System administrator',
    role_user: 'User',
    role_readonly: 'Read-only',
    twoFactor: 'Two-factor sign-in',
    twoFactorOn: 'On. When you sign in you enter a code from your authenticator app.',
    twoFactorOff: 'Off.',
    setUp: 'Set up two-factor sign-in',
    setupTitle: 'Set up two-factor sign-in',
    setupLead: 'Scan the QR code with an authenticator app (e.g. Microsoft Authenticator, Google Authenticator or 1Password) and enter the code it shows.',
    required: 'System administrators must use two-factor sign-in. Set it up to continue.',
    manual: 'Cannot scan? Enter the key by hand:',
    code: 'Code from the app',
    confirm: 'Turn on',
    badCode: 'The code is wrong. Check that your phone\'s clock is right and try the next code.',
    enabled: 'Two-factor sign-in is on.',
    password: 'Change password',
    current: 'Current password',
    newPassword: 'New password',
    passwordHint: 'At least 12 characters.',
    change: 'Change password',
    wrongPassword: 'Wrong current password.',
    changed: 'Your password was changed. Other sessions were signed out.',
    too_short: 'The password must have at least 12 characters.',
    too_long: 'The password may have at most 256 characters.',
    same_as_email: 'The password must not be your e-mail address.',
    too_common: 'That password is too common. Choose another.',
    sessions: 'Sessions',
    sessionsLead: 'Where you are signed in right now. If you do not recognise one, sign it out and change your password.',
    started: 'Signed in',
    lastSeen: 'Last used',
    device: 'Browser',
    address: 'IP address',
    thisOne: 'this one',
    signOutOthers: 'Sign out all other sessions',
    signedOutOthers: 'All other sessions were signed out.',
    companies: 'Companies you can access',
    none: 'None yet.',
  },
);

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const db = ctx.app.db;

  const accountPage = async (request: FastifyRequest, reply: FastifyReply, message: { kind: 'ok' | 'error'; text: string } | undefined, status = 200) => {
    const t = m(request.locale);
    const { user, org, principal, session } = signedIn(request);
    const companies = await visibleCompanies(db, principal);
    const sessions = await listUserSessions(db, user.id, session.idHash, ctx.now());
    return sendPage(request, reply, {
      title: t('title'),
      status,
      body: html`${notice(message?.kind ?? 'ok', message?.text)}
      <section><h2>${t('profile')}</h2><dl class="facts">
        <dt>${t('name')}</dt><dd>${user.name}</dd>
        <dt>${t('email')}</dt><dd>${user.email}</dd>
        <dt>${t('org')}</dt><dd>${org.name}</dd>
        <dt>${t('role')}</dt><dd>${t(`role_${principal.role}`)}</dd>
      </dl></section>
      <section><h2>${t('twoFactor')}</h2><p>${user.totpEnabled ? t('twoFactorOn') : t('twoFactorOff')}</p>
        ${user.totpEnabled ? '' : html`<p><a class="button primary" href="/account/two-factor">${t('setUp')}</a></p>`}</section>
      <section><h2>${t('sessions')}</h2><p>${t('sessionsLead')}</p>
        <div class="table-wrap"><table><thead><tr><th scope="col">${t('started')}</th><th scope="col">${t('lastSeen')}</th><th scope="col">${t('device')}</th><th scope="col">${t('address')}</th></tr></thead>
        <tbody>${sessions.map((x) => html`<tr><td class="nowrap">${formatDateTime(request.locale, x.createdAt)}${x.current ? html` <span class="badge info">${t('thisOne')}</span>` : ''}</td><td class="nowrap">${formatDateTime(request.locale, x.lastSeenAt)}</td><td>${(x.userAgent ?? '–').slice(0, 120)}</td><td>${x.ip ?? '–'}</td></tr>`)}</tbody></table></div>
        ${sessions.length > 1 ? html`<form method="post" action="/account/sessions/sign-out-others" class="actions">${csrfField(request)}${submit(t('signOutOthers'), { kind: 'secondary' })}</form>` : ''}</section>
      <section><h2>${t('companies')}</h2>${companies.length === 0 ? html`<p>${t('none')}</p>` : html`<ul>${companies.map((c) => html`<li><a href="/companies/${c.id}">${c.name}</a></li>`)}</ul>`}</section>
      <section><h2>${t('password')}</h2><form method="post" action="/account/password" class="form">${csrfField(request)}
        ${input('current', t('current'), { type: 'password', required: true, autocomplete: 'current-password' })}
        ${input('password', t('newPassword'), { type: 'password', required: true, autocomplete: 'new-password', hint: t('passwordHint'), minlength: 12 })}
        ${submit(t('change'), { kind: 'secondary' })}</form></section>`,
    });
  };

  app.get('/account', { config: { beforeMfaSetup: true } }, async (request, reply) => accountPage(request, reply, undefined));

  app.get('/api/v1/me', { config: { api: true, beforeMfaSetup: true }, schema: { tags: ['account'], summary: 'The signed-in user, organisation, role and the CSRF token to send with POSTs' } }, async (request) => {
    const { user, org, principal } = signedIn(request);
    return { user: { id: user.id, email: user.email, name: user.name, locale: user.locale, twoFactor: user.totpEnabled }, organisation: { id: org.id, kind: org.kind, name: org.name, plan: org.plan, status: org.status }, role: principal.role, csrfToken: request.csrfToken };
  });

  const setupPage = async (request: FastifyRequest, reply: FastifyReply, error: string | undefined, status = 200) => {
    const t = m(request.locale);
    const { user, principal } = signedIn(request);
    if (user.totpEnabled) return seeOther(reply, '/account');
    const row = await userRow(db, user.id);
    let secret: string;
    if (row?.totp_ciphertext !== null && row?.totp_ciphertext !== undefined && row.totp_key_id !== null) {
      secret = openSecret(ctx.app.keyring, TOTP_PURPOSE, user.id, row.totp_ciphertext, row.totp_key_id);
    } else {
      // A pending secret, kept until a code confirms it: reloading the page shows the same QR code.
      secret = generateTotpSecret();
      await setTotp(db, user.id, sealSecret(ctx.app.keyring, TOTP_PURPOSE, user.id, secret), null);
    }
    const uri = otpauthUri({ secret, account: user.email });
    const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return sendPage(request, reply, {
      title: t('setupTitle'),
      lead: t('setupLead'),
      status,
      body: html`${principal.role === 'admin' ? notice('info', t('required')) : ''}${notice('error', error)}
      <div class="qr" role="img" aria-label="QR">${raw(svg)}</div>
      ${await demoTotpHint(ctx, request, user.id)}
      <p>${t('manual')} <code class="totp-secret" data-secret="${secret}">${secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
      <form method="post" action="/account/two-factor" class="form">${csrfField(request)}
        ${input('code', t('code'), { inputmode: 'numeric', pattern: '[0-9 ]{6,7}', autocomplete: 'one-time-code', required: true, autofocus: true })}
        ${submit(t('confirm'))}</form>`,
    });
  };

  app.get('/account/two-factor', { config: { beforeMfaSetup: true } }, async (request, reply) => setupPage(request, reply, undefined));

  app.post('/account/two-factor', { config: { beforeMfaSetup: true } }, async (request, reply) => {
    const t = m(request.locale);
    const { user, org } = signedIn(request);
    const row = await userRow(db, user.id);
    if (user.totpEnabled || row?.totp_ciphertext === null || row?.totp_ciphertext === undefined || row.totp_key_id === null) return seeOther(reply, '/account/two-factor');
    const secret = openSecret(ctx.app.keyring, TOTP_PURPOSE, user.id, row.totp_ciphertext, row.totp_key_id);
    const now = ctx.now();
    const step = verifyTotp(secret, field(request.body, 'code'), { now });
    if (step === undefined) return setupPage(request, reply, t('badCode'), 400);
    await enableTotp(db, user.id, now, step);
    await audit(db, { orgId: org.id, userId: user.id, userEmail: user.email, action: 'user.two_factor_enabled', ip: clientIp(request), at: now });
    return seeOther(reply, '/dashboard');
  });

  app.post('/account/sessions/sign-out-others', { config: { beforeMfaSetup: true } }, async (request, reply) => {
    const t = m(request.locale);
    const { user, org, session } = signedIn(request);
    await deleteUserSessions(db, user.id, { except: session.idHash });
    await audit(db, { orgId: org.id, userId: user.id, userEmail: user.email, action: 'user.sessions_revoked', ip: clientIp(request), at: ctx.now() });
    return accountPage(request, reply, { kind: 'ok', text: t('signedOutOthers') });
  });

  app.post('/account/password', { config: { beforeMfaSetup: true } }, async (request, reply) => {
    const t = m(request.locale);
    const { user, org, session } = signedIn(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const current = typeof body.current === 'string' ? body.current : '';
    const next = typeof body.password === 'string' ? body.password : '';
    const row = await userRow(db, user.id);
    if (row === undefined || !(await verifyPassword(row.password_hash, current))) return accountPage(request, reply, { kind: 'error', text: t('wrongPassword') }, 400);
    const problem = passwordProblem(next, { email: user.email });
    if (problem !== undefined) return accountPage(request, reply, { kind: 'error', text: t(problem) }, 400);
    await setPasswordHash(db, user.id, await hashPassword(next, ctx.passwordCost));
    await deleteUserSessions(db, user.id, { except: session.idHash });
    await audit(db, { orgId: org.id, userId: user.id, userEmail: user.email, action: 'user.password_changed', ip: clientIp(request), at: ctx.now() });
    return accountPage(request, reply, { kind: 'ok', text: t('changed') });
  });
}
