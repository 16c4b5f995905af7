import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit } from '../../accounts/audit.ts';
import { companyOwner, linkCompany } from '../../accounts/organisations.ts';
import { resolveAlerts } from '../../db/alerts.ts';
import { loadFortnoxConnection } from '../../db/index.ts';
import { BACKUP_SCOPES } from '../../fortnox/catalogue.ts';
import { BACKUP_JOB, type BackupJobData } from '../../jobs/scheduler.ts';
import { NoxError } from '../../errors.ts';
import { beginConnect, finishConnect, takeConnect, type ConnectMode } from '../connect-flow.ts';
import type { WebContext } from '../context.ts';
import { csrfField, submit } from '../forms.ts';
import { html } from '../html.ts';
import { messages } from '../../i18n.ts';
import { notice, sendPage } from '../layout.ts';
import { clientIp, company, field, HttpError, seeOther, signedIn } from '../request-context.ts';

const m = messages(
  {
    title: 'Anslut Fortnox',
    lead: 'Så kopplar ni ert Fortnox-företag till Noxbackup. Läs igenom detta tillsammans med den som är systemadministratör i Fortnox.',
    demo: 'Demoläge: Fortnox är här en inbyggd simulator med påhittade företag. Inget riktigt Fortnox-konto används.',
    notConfigured: 'Anslutning till Fortnox är inte konfigurerad på den här servern (FORTNOX_CLIENT_ID och FORTNOX_CLIENT_SECRET saknas). Kontakta den som driftar Noxbackup.',
    who: 'Vem gör vad',
    whoText: 'Du som är administratör i Noxbackup startar anslutningen här. Du skickas då till Fortnox, där någon som är systemadministratör i ert Fortnox-företag loggar in och godkänner. Är det inte du, be den personen logga in i Noxbackup och göra det, eller gör det tillsammans.',
    serviceTitle: 'Servicekonto (rekommenderas)',
    serviceText: 'Ett servicekonto är en integrationsanvändare i Fortnox som inte hör till någon person. Säkerhetskopieringen fortsätter därför att fungera även om den som godkände slutar, byter lösenord eller tas bort som användare.',
    serviceApprove: 'När Fortnox visar godkännandet måste systemadministratören välja att tillåta integrationen som serviceanvändare (”Tillåt som serviceanvändare”). Fortnox kan be er bekräfta licensen för integrationen; har ni frågor om vad ert abonnemang omfattar, kontakta Fortnox.',
    refreshTitle: 'Personlig inloggning',
    refreshText: 'Behörigheten knyts till den Fortnox-användare som godkänner. Vi förnyar den varje natt, men den slutar gälla om användaren tas bort, förlorar sin behörighet eller om ingen säkerhetskopiering körs på 45 dagar. Välj detta bara om ni inte kan använda ett servicekonto.',
    scopesTitle: 'Behörigheter vi ber om, och varför',
    scopesText: 'Vi ber om de behörigheter (scopes) som behövs för att säkerhetskopiera allt i tjänstebeskrivningen, och inga andra:',
    readOnlyTitle: 'Vi skriver aldrig i Fortnox',
    readOnlyText: 'Fortnox behörigheter gäller både läsning och skrivning, men Noxbackup bara läser. Något skrivs till Fortnox endast om någon hos er själva väljer att återställa data, granskar planen och bekräftar den – och varje sådan åtgärd syns i granskningsloggen.',
    revokeTitle: 'Så återkallar ni behörigheten',
    revokeText: 'Ni kan när som helst återkalla behörigheten i Fortnox, under Integrationer (hantera integrationer), eller genom att ta bort servicekontot. Då tas inga fler säkerhetskopior; de som redan tagits finns kvar hos oss enligt avtalet, och ni kan ansluta igen när ni vill.',
    choose: 'Välj hur Noxbackup ska ansluta',
    modeService: 'Servicekonto (rekommenderas)',
    modeRefresh: 'Personlig inloggning',
    go: 'Fortsätt till Fortnox',
    deniedTitle: 'Anslutningen godkändes inte',
    deniedText: 'Godkännandet i Fortnox avbröts, så inget har anslutits och inget har ändrats. Du kan försöka igen när systemadministratören i Fortnox är med.',
    failedText: 'Fortnox svarade med ett fel ({error}). Inget har anslutits. Försök igen.',
    stateTitle: 'Länken är ogiltig',
    stateText: 'Den här anslutningslänken är ogiltig, har redan använts eller har gått ut (den gäller i tio minuter, för den som startade den). Starta anslutningen igen.',
    otherOrgTitle: 'Företaget är redan anslutet',
    otherOrgText: 'Det här Fortnox-företaget är redan anslutet till Noxbackup av en annan organisation, så det kan inte anslutas här. Kontakta supporten om ni menar att det är fel.',
    otherCompanyText: 'I Fortnox godkändes ett annat företag än det som skulle anslutas igen. Inget har ändrats. Försök igen och välj rätt företag i Fortnox.',
    connectFailed: 'Anslutningen misslyckades: {message}',
    tryAgain: 'Försök igen',
    again: 'Till översikten',
    scopeCompanyinformation: 'Företagets namn och organisationsnummer – så att vi vet vilket företag säkerhetskopian gäller.',
    scopeBookkeeping: 'Bokföringen: kontoplan, räkenskapsår, verifikationsserier, verifikationer och SIE-filer.',
    scopeCustomer: 'Kundregistret.',
    scopeSupplier: 'Leverantörsregistret, med bankuppgifter (så att vi kan larma när de ändras).',
    scopeArticle: 'Artikelregistret.',
    scopeProject: 'Projekt.',
    scopeCostcenter: 'Kostnadsställen.',
    scopeInvoice: 'Kundfakturor och deras PDF:er.',
    scopeSupplierinvoice: 'Leverantörsfakturor.',
    scopeConnectfile: 'Vilka bilagor som hör till vilka verifikationer och leverantörsfakturor.',
    scopeArchive: 'Arkivet: bilagor och andra filer.',
    scopeInbox: 'Inkorgen: underlag som ännu inte bokförts.',
  },
  {
    title: 'Connect Fortnox',
    lead: 'How to connect your Fortnox company to Noxbackup. Read this together with your Fortnox system administrator.',
    demo: 'Demo mode: Fortnox is a built-in simulator with made-up companies. No real Fortnox account is used.',
    notConfigured: 'Connecting Fortnox is not configured on this server (FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET are not set). Contact whoever runs Noxbackup.',
    who: 'Who does what',
    whoText: 'You, as a Noxbackup administrator, start the connection here. You are then sent to Fortnox, where a system administrator of your Fortnox company signs in and approves. If that is not you, ask them to sign in to Noxbackup and do it, or do it together.',
    serviceTitle: 'Service account (recommended)',
    serviceText: 'A service account is an integration user in Fortnox that belongs to no person. Backups therefore keep working when the person who approved leaves, changes their password or is removed as a user.',
    serviceApprove: 'When Fortnox asks for approval, the system administrator must choose to allow the integration as a service user ("Tillåt som serviceanvändare"). Fortnox may ask you to confirm the licence for the integration; for what your subscription includes, contact Fortnox.',
    refreshTitle: 'Personal login',
    refreshText: 'The consent belongs to the Fortnox user who approves. We renew it every night, but it ends if that user is removed or loses their rights, or if no backup runs for 45 days. Choose this only if you cannot use a service account.',
    scopesTitle: 'The permissions we ask for, and why',
    scopesText: 'We ask for the permissions (scopes) a backup of everything in the service description needs, and no others:',
    readOnlyTitle: 'We never write to Fortnox',
    readOnlyText: 'Fortnox\'s permissions cover both reading and writing, but Noxbackup only reads. Something is written to Fortnox only when someone in your own organisation chooses to restore data, reviews the plan and confirms it – and every such action is in the audit log.',
    revokeTitle: 'How to revoke the consent',
    revokeText: 'You can revoke the consent at any time in Fortnox, under Integrations (manage integrations), or by removing the service account. No further backups are then taken; those already taken are kept as the agreement says, and you can connect again whenever you like.',
    choose: 'Choose how Noxbackup connects',
    modeService: 'Service account (recommended)',
    modeRefresh: 'Personal login',
    go: 'Continue to Fortnox',
    deniedTitle: 'The connection was not approved',
    deniedText: 'The approval in Fortnox was cancelled, so nothing was connected and nothing changed. You can try again when the Fortnox system administrator is with you.',
    failedText: 'Fortnox answered with an error ({error}). Nothing was connected. Try again.',
    stateTitle: 'The link is not valid',
    stateText: 'This connection link is not valid, has already been used or has expired (it is valid for ten minutes, for whoever started it). Start the connection again.',
    otherOrgTitle: 'The company is already connected',
    otherOrgText: 'This Fortnox company is already connected to Noxbackup by another organisation, so it cannot be connected here. Contact support if you believe this is wrong.',
    otherCompanyText: 'Another company than the one being reconnected was approved in Fortnox. Nothing changed. Try again and choose the right company in Fortnox.',
    connectFailed: 'The connection failed: {message}',
    tryAgain: 'Try again',
    again: 'Back to the dashboard',
    scopeCompanyinformation: 'The company\'s name and organisation number – so we know which company a backup is of.',
    scopeBookkeeping: 'The bookkeeping: chart of accounts, financial years, voucher series, vouchers and SIE files.',
    scopeCustomer: 'The customer register.',
    scopeSupplier: 'The supplier register, with bank details (so we can alert when they change).',
    scopeArticle: 'The article register.',
    scopeProject: 'Projects.',
    scopeCostcenter: 'Cost centres.',
    scopeInvoice: 'Customer invoices and their PDFs.',
    scopeSupplierinvoice: 'Supplier invoices.',
    scopeConnectfile: 'Which attachments belong to which vouchers and supplier invoices.',
    scopeArchive: 'The archive: attachments and other files.',
    scopeInbox: 'The inbox: documents not yet booked.',
  },
);

type Key = Parameters<ReturnType<typeof m>>[0];

const SCOPE_KEYS: Readonly<Record<string, Key>> = {
  companyinformation: 'scopeCompanyinformation',
  bookkeeping: 'scopeBookkeeping',
  customer: 'scopeCustomer',
  supplier: 'scopeSupplier',
  article: 'scopeArticle',
  project: 'scopeProject',
  costcenter: 'scopeCostcenter',
  invoice: 'scopeInvoice',
  supplierinvoice: 'scopeSupplierinvoice',
  connectfile: 'scopeConnectfile',
  archive: 'scopeArchive',
  inbox: 'scopeInbox',
};

/** Refusals decided before anything is written: shown on their own page with this title and text. */
class ConnectRefused extends HttpError {
  readonly titleKey: Key;
  readonly textKey: Key;
  constructor(status: number, code: string, titleKey: Key, textKey: Key) {
    super(status, code, code);
    this.titleKey = titleKey;
    this.textKey = textKey;
  }
}

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const db = ctx.app.db;
  // Read per request: the public URL is known only once the server listens (port 0 in tests).
  const redirectUri = () => `${ctx.publicUrl}/oauth/fortnox/callback`;

  app.get('/companies/connect', { config: { permission: 'administer' } }, async (request, reply) => {
    const t = m(request.locale);
    const scopes = BACKUP_SCOPES.map((s) => html`<li><code>${s}</code> – ${SCOPE_KEYS[s] === undefined ? '' : t(SCOPE_KEYS[s])}</li>`);
    return sendPage(request, reply, {
      title: t('title'),
      lead: t('lead'),
      body: html`
        ${ctx.demo ? notice('info', t('demo')) : ''}
        ${ctx.fortnox === undefined ? notice('error', t('notConfigured')) : ''}
        <section aria-labelledby="who-h"><h2 id="who-h">${t('who')}</h2><p>${t('whoText')}</p></section>
        <section aria-labelledby="service-h"><h2 id="service-h">${t('serviceTitle')}</h2><p>${t('serviceText')}</p><p>${t('serviceApprove')}</p></section>
        <section aria-labelledby="refresh-h"><h2 id="refresh-h">${t('refreshTitle')}</h2><p>${t('refreshText')}</p></section>
        <section aria-labelledby="scopes-h"><h2 id="scopes-h">${t('scopesTitle')}</h2><p>${t('scopesText')}</p><ul>${scopes}</ul></section>
        <section aria-labelledby="ro-h"><h2 id="ro-h">${t('readOnlyTitle')}</h2><p>${t('readOnlyText')}</p></section>
        <section aria-labelledby="revoke-h"><h2 id="revoke-h">${t('revokeTitle')}</h2><p>${t('revokeText')}</p></section>
        ${ctx.fortnox === undefined
          ? ''
          : html`<form method="post" action="/companies/connect" class="form">
              ${csrfField(request)}
              <fieldset class="checks"><legend>${t('choose')}</legend>
                <label><input type="radio" name="mode" value="service" checked> ${t('modeService')}</label>
                <label><input type="radio" name="mode" value="refresh"> ${t('modeRefresh')}</label>
              </fieldset>
              ${submit(t('go'))}
            </form>`}`,
    });
  });

  const toFortnox = async (request: FastifyRequest, reply: FastifyReply, tenantId: string | null, mode: ConnectMode) => {
    if (ctx.fortnox === undefined) throw new HttpError(503, 'FORTNOX_NOT_CONFIGURED', m(request.locale)('notConfigured'));
    const { user, org } = signedIn(request);
    const url = await beginConnect(ctx.app, ctx.fortnox, { orgId: org.id, userId: user.id, tenantId, mode, redirectUri: redirectUri(), now: ctx.now() });
    return seeOther(reply, url);
  };

  app.post('/companies/connect', { config: { permission: 'administer' } }, async (request, reply) => {
    return toFortnox(request, reply, null, field(request.body, 'mode') === 'refresh' ? 'refresh' : 'service');
  });

  app.post('/companies/:companyId/reconnect', { config: { permission: 'administer' } }, async (request, reply) => {
    const c = company(request);
    const connection = await loadFortnoxConnection(db, c.id);
    const chosen = field(request.body, 'mode');
    const mode: ConnectMode = chosen === 'refresh' || chosen === 'service' ? chosen : connection?.authMode === 'refresh_token' ? 'refresh' : 'service';
    return toFortnox(request, reply, c.id, mode);
  });

  // A member route: the session cookie is SameSite=Lax, so it comes along on Fortnox's top-level redirect.
  app.get('/oauth/fortnox/callback', { config: { permission: 'administer' } }, async (request, reply) => {
    const t = m(request.locale);
    const { user, org } = signedIn(request);
    const q = request.query as Record<string, unknown>;
    const text = (name: string) => (typeof q[name] === 'string' ? q[name] : '');
    const page = (status: number, title: string, body: string) =>
      sendPage(request, reply, { title, status, body: html`<p>${body}</p><p class="actions"><a class="button primary" href="/companies/connect">${t('tryAgain')}</a> <a href="/dashboard">${t('again')}</a></p>` });

    const pending = await takeConnect(ctx.app, text('state'), { orgId: org.id, userId: user.id }, ctx.now());
    if (pending === undefined) return page(400, t('stateTitle'), t('stateText'));
    const error = text('error');
    if (error !== '') return error === 'access_denied' ? page(200, t('deniedTitle'), t('deniedText')) : page(400, t('deniedTitle'), t('failedText', { error: error.slice(0, 100) }));
    if (ctx.fortnox === undefined) throw new HttpError(503, 'FORTNOX_NOT_CONFIGURED', t('notConfigured'));

    let connected;
    try {
      connected = await finishConnect(ctx.app, ctx.fortnox, pending, text('code'), async (existing) => {
        // Never attach one organisation's backups to another: the Fortnox company decides the tenant.
        if (existing !== undefined) {
          const owner = await companyOwner(db, existing);
          if (owner !== undefined && owner !== org.id) throw new ConnectRefused(409, 'COMPANY_OTHER_ORG', 'otherOrgTitle', 'otherOrgText');
        }
        if (pending.tenantId !== null && existing !== pending.tenantId) throw new ConnectRefused(409, 'RECONNECT_OTHER_COMPANY', 'title', 'otherCompanyText');
      });
    } catch (err) {
      if (err instanceof ConnectRefused) {
        await audit(db, { orgId: org.id, tenantId: pending.tenantId, userId: user.id, userEmail: user.email, action: 'company.connect.refused', details: { code: err.code }, ip: clientIp(request), at: ctx.now() });
        return page(err.statusCode, t(err.titleKey), t(err.textKey));
      }
      if (err instanceof NoxError) return page(502, t('title'), t('connectFailed', { message: err.message }));
      throw err;
    }
    const tenantId = connected.tenant.id;
    if ((await companyOwner(db, tenantId)) === undefined) await linkCompany(db, org.id, tenantId, ctx.now());
    await resolveAlerts(db, tenantId, 'reconnect_needed', ctx.now());
    await audit(db, {
      orgId: org.id,
      tenantId,
      userId: user.id,
      userEmail: user.email,
      action: 'company.connect',
      target: connected.fortnoxTenantId,
      details: { mode: connected.mode, reconnected: connected.reconnected, reconnect: pending.tenantId !== null },
      ip: clientIp(request),
      at: ctx.now(),
    });
    // The first backup (or the first after a reconnect) starts at once rather than tonight.
    await ctx.queue.enqueue<BackupJobData>({ name: BACKUP_JOB, tenantId, data: { trigger: 'connect' }, retryLimit: 0 });
    return seeOther(reply, `/companies/${tenantId}?notice=connected`);
  });
}
