import type { FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../accounts/access.ts';
import { html, type SafeHtml } from './html.ts';
import { messages } from '../i18n.ts';

const m = messages(
  {
    skip: 'Hoppa till innehållet',
    dashboard: 'Översikt',
    alerts: 'Larm',
    audit: 'Granskningslogg',
    organisation: 'Organisation',
    account: 'Mitt konto',
    logout: 'Logga ut',
    login: 'Logga in',
    signup: 'Skapa konto',
    language: 'Språk',
    switchTo: 'In English',
    mainNav: 'Huvudmeny',
    companyNav: 'Företagsmeny',
    company: 'Företaget',
    snapshots: 'Säkerhetskopior',
    browse: 'Bläddra',
    exports: 'Export',
    restore: 'Återställning',
    connect: 'Anslut företag',
    footer: 'Noxbackup – automatisk säkerhetskopiering av Fortnox, lagrad krypterad i Sverige.',
  },
  {
    skip: 'Skip to content',
    dashboard: 'Dashboard',
    alerts: 'Alerts',
    audit: 'Audit log',
    organisation: 'Organisation',
    account: 'My account',
    logout: 'Sign out',
    login: 'Sign in',
    signup: 'Sign up',
    language: 'Language',
    switchTo: 'På svenska',
    mainNav: 'Main menu',
    companyNav: 'Company menu',
    company: 'Company',
    snapshots: 'Backups',
    browse: 'Browse',
    exports: 'Export',
    restore: 'Restore',
    connect: 'Connect company',
    footer: 'Noxbackup – automatic backups of Fortnox, stored encrypted in Sweden.',
  },
);

export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
  /** A short line under the title. */
  readonly lead?: string;
  readonly status?: number;
}

/** Sends a whole page: header with navigation and language switch, the body, a footer. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, options: PageOptions): FastifyReply {
  const t = m(request.locale);
  const auth = request.auth;
  const here = request.url.split('?')[0] ?? '/';
  const link = (href: string, label: string) => html`<a href="${href}"${here === href || (href !== '/dashboard' && here.startsWith(`${href}/`)) ? html` aria-current="page"` : ''}>${label}</a>`;
  const company = request.company;
  const base = company === undefined ? '' : `/companies/${company.id}`;
  const nav = auth === undefined
    ? html`<nav aria-label="${t('mainNav')}"><ul><li>${link('/login', t('login'))}</li><li>${link('/signup', t('signup'))}</li></ul></nav>`
    : html`<nav aria-label="${t('mainNav')}"><ul>
        <li>${link('/dashboard', t('dashboard'))}</li>
        <li>${link('/alerts', t('alerts'))}</li>
        ${can(auth.principal, 'audit') ? html`<li>${link('/audit', t('audit'))}</li>` : ''}
        ${can(auth.principal, 'administer') ? html`<li>${link('/org', t('organisation'))}</li>` : ''}
        <li>${link('/account', t('account'))}</li>
        <li><form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${request.csrfToken}"><button type="submit" class="link">${t('logout')}</button></form></li>
      </ul></nav>`;
  const companyNav = company === undefined || auth === undefined
    ? ''
    : html`<nav class="subnav" aria-label="${t('companyNav')}"><span class="company-name">${company.name}</span><ul>
        <li>${link(base, t('company'))}</li>
        <li>${link(`${base}/snapshots`, t('snapshots'))}</li>
        <li>${link(`${base}/browse`, t('browse'))}</li>
        ${can(auth.principal, 'export') ? html`<li>${link(`${base}/exports`, t('exports'))}</li>` : ''}
        ${can(auth.principal, 'restore') ? html`<li>${link(`${base}/restore`, t('restore'))}</li>` : ''}
        <li>${link(`${base}/alerts`, t('alerts'))}</li>
      </ul></nav>`;
  const other = request.locale === 'sv' ? 'en' : 'sv';
  const doc = html`<!doctype html>
<html lang="${request.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${request.csrfToken}">
<title>${options.title} – Noxbackup</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${t('skip')}</a>
<header class="top">
  <a class="brand" href="${auth === undefined ? '/' : '/dashboard'}">Noxbackup</a>
  ${nav}
  <form method="post" action="/locale" class="inline lang"><input type="hidden" name="_csrf" value="${request.csrfToken}"><input type="hidden" name="locale" value="${other}"><input type="hidden" name="next" value="${request.url}"><button type="submit" class="link" lang="${other}">${t('switchTo')}</button></form>
</header>
${companyNav}
<main id="main">
<h1>${options.title}</h1>
${options.lead === undefined ? '' : html`<p class="lead">${options.lead}</p>`}
${options.body}
</main>
<footer><p>${t('footer')}</p></footer>
</body>
</html>`;
  return reply.code(options.status ?? 200).type('text/html; charset=utf-8').send(doc.value);
}

/** A flash-like notice rendered at the top of a form page. */
export function notice(kind: 'error' | 'ok' | 'info', text: string | undefined): SafeHtml {
  if (text === undefined || text === '') return html``;
  return html`<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>`;
}
