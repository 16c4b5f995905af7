import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { visibleCompanies } from '../../accounts/access.ts';
import { audit } from '../../accounts/audit.ts';
import { acceptInvitation, invitationByToken, invitationState, listPendingInvitations, type Invitation } from '../../accounts/invitations.ts';
import { getOrganisation, listMembers, type Organisation } from '../../accounts/organisations.ts';
import { hashPassword, passwordProblem } from '../../accounts/passwords.ts';
import { deleteSession } from '../../accounts/sessions.ts';
import { createUser, findUserByEmail, getUser, type User } from '../../accounts/users.ts';
import { inTransaction, type Role, type Tenant } from '../../db/index.ts';
import type { WebContext } from '../context.ts';
import { csrfField, input, select, submit } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatBytes, formatDateTime, formatNumber, messages, type Locale } from '../../i18n.ts';
import { notice, sendPage } from '../layout.ts';
import { assign, changePlan, changeRole, deleteCompanyNow, deletedCompanies, deletionSentences, invite, memberOf, OrgRuleError, ownsCompany, remove, revoke, ROLE_VALUES, terminate, terminationDates, terminationSentences, cancelTermination, type Actor } from '../org-actions.ts';
import { readCertificate, readCertificateText } from '../../lifecycle/delete-tenant.ts';
import { planById, plansFor } from '../org-plans.ts';
import { HttpError, clientIp, company, field, fields, notFound, seeOther, signedIn } from '../request-context.ts';
import { signIn } from './auth.ts';

const m = messages(
  {
    title: 'Organisation',
    facts: 'Uppgifter',
    name: 'Namn',
    kind: 'Typ',
    kind_company: 'Företag',
    kind_firm: 'Redovisningsbyrå',
    orgNumber: 'Organisationsnummer',
    plan: 'Abonnemang',
    status: 'Status',
    status_active: 'Aktivt',
    status_terminated: 'Uppsagt',
    members: 'Användare',
    email: 'E-post',
    role: 'Roll',
    role_admin: 'Systemadministratör',
    role_user: 'Användare',
    role_readonly: 'Läsbehörighet',
    twoFactor: 'Tvåfaktor',
    on: 'På',
    off: 'Av',
    companies: 'Klientföretag',
    allCompanies: 'Alla',
    noCompanies: 'Inga',
    manage: 'Ändra',
    manageMember: 'Ändra {name}',
    invitations: 'Väntande inbjudningar',
    noInvitations: 'Inga väntande inbjudningar.',
    invitedAt: 'Inbjuden',
    expires: 'Gäller till',
    expired: 'Har gått ut',
    revoke: 'Återkalla',
    revokeConfirm: 'Återkalla inbjudan till {email}?',
    inviteTitle: 'Bjud in en användare',
    inviteLead: 'Personen får ett e-brev med en länk som gäller i sju dagar.',
    inviteCompanies: 'Klientföretag användaren ska se',
    inviteCompaniesHint: 'Gäller användare och läsbehöriga; systemadministratörer ser alla klientföretag.',
    sendInvite: 'Skicka inbjudan',
    invited: 'Inbjudan har skickats.',
    revoked: 'Inbjudan är återkallad.',
    roleChanged: 'Rollen är ändrad.',
    assigned: 'Klientföretagen är sparade.',
    removed: 'Användaren är borttagen från organisationen.',
    planChanged: 'Abonnemanget är ändrat.',
    LAST_ADMIN: 'Organisationen måste ha minst en systemadministratör. Utse en annan först.',
    BAD_EMAIL: 'Ange en giltig e-postadress.',
    BAD_ROLE: 'Välj en roll.',
    ALREADY_MEMBER: 'Personen är redan med i organisationen.',
    BAD_PLAN: 'Abonnemanget finns inte för er organisation.',
    BAD_SENTENCE: 'Meningen stämmer inte. Skriv den exakt som den står.',
    ALREADY_TERMINATED: 'Abonnemanget är redan uppsagt.',
    NOT_TERMINATED: 'Abonnemanget är inte uppsagt.',
    NOTICE_OVER: 'Uppsägningstiden är slut; uppsägningen kan inte längre återkallas.',
    memberTitle: '{name}',
    changeRole: 'Ändra roll',
    saveRole: 'Spara roll',
    assignTitle: 'Klientföretag',
    assignLead: 'Användaren ser bara de klientföretag som är markerade.',
    saveCompanies: 'Spara klientföretag',
    adminSeesAll: 'Systemadministratörer ser alla klientföretag.',
    removeTitle: 'Ta bort från organisationen',
    removeLead: 'Användaren loggas ut och förlorar åtkomsten till organisationen. Kontot finns kvar.',
    removeButton: 'Ta bort användaren',
    removeConfirm: 'Ta bort {name} från organisationen?',
    you: '(du)',
    back: 'Till organisationen',
    subscription: 'Abonnemang',
    subscriptionLead: 'Vad ert abonnemang innehåller. Betalning sker enligt avtal; inget dras här.',
    includes: 'Ingår',
    pricing: 'Pris',
    clientCount: 'Anslutna klientföretag: {n}',
    changePlan: 'Byt abonnemang',
    onlyPlan: 'Det här är abonnemanget för er typ av organisation.',
    save: 'Spara',
    terminateTitle: 'Säga upp abonnemanget',
    terminateLead: 'Uppsägningstiden är en månad; under den tas säkerhetskopior som vanligt och uppsägningen kan återkallas. {days} dagar efter uppsägningstidens slut raderas alla säkerhetskopior för organisationens företag.',
    terminateIf: 'Säger ni upp i dag upphör tjänsten {notice} och säkerhetskopiorna raderas {deletion}.',
    typeSentence: 'Skriv meningen för att bekräfta',
    typeSentenceHint: 'Skriv exakt: {sentence}',
    terminateButton: 'Säg upp abonnemanget',
    terminateConfirm: 'Säga upp Noxbackup för {name}?',
    terminated: 'Abonnemanget är uppsagt.',
    terminatedAt: 'Uppsagt',
    noticeEnds: 'Tjänsten upphör',
    deletionDue: 'Säkerhetskopiorna raderas',
    affected: 'Berörda företag: {n}',
    cancelTitle: 'Återkalla uppsägningen',
    cancelLead: 'Under uppsägningstiden kan ni ångra er; allt fortsätter då som förut.',
    cancelButton: 'Återkalla uppsägningen',
    cancelled: 'Uppsägningen är återkallad.',
    terminatedNotice: 'Abonnemanget är uppsagt. Tjänsten upphör {notice} och säkerhetskopiorna raderas {deletion}.',
    terminateLink: 'Säga upp abonnemanget',
    subscriptionLink: 'Abonnemang',
    pager: 'Sidor',
    prev: 'Föregående',
    next: 'Nästa',
    inviteFor: 'Inbjudan till {org}',
    inviteLeadPage: 'Du har bjudits in till {org} i Noxbackup.',
    inviteUnknown: 'Länken är ogiltig. Be den som bjöd in dig om en ny inbjudan.',
    inviteExpired: 'Inbjudan har gått ut. Be den som bjöd in dig om en ny.',
    inviteRevoked: 'Inbjudan har återkallats. Be den som bjöd in dig om en ny om det var fel.',
    inviteAccepted: 'Inbjudan har redan använts. Logga in som vanligt.',
    inviteAlreadyMember: 'Du är redan med i organisationen.',
    invitedAs: 'Roll',
    invitedEmail: 'E-post',
    organisation: 'Organisation',
    yourName: 'Ditt namn',
    password: 'Välj lösenord',
    passwordHint: 'Minst 12 tecken. En lösenfras av flera ord är bra.',
    join: 'Gå med',
    accept: 'Acceptera inbjudan',
    signInFirst: 'Det finns redan ett konto för {email}. Logga in först, så kan du acceptera inbjudan.',
    signInLink: 'Logga in',
    wrongAccount: 'Du är inloggad som {current}, men inbjudan gäller {email}. Logga ut och logga in som {email}.',
    adminMfa: 'Som systemadministratör ställer du in tvåfaktorsinloggning direkt efter.',
    required: 'Fyll i fältet.',
    too_short: 'Lösenordet måste ha minst 12 tecken.',
    too_long: 'Lösenordet får ha högst 256 tecken.',
    same_as_email: 'Lösenordet får inte vara din e-postadress.',
    too_common: 'Lösenordet är för vanligt. Välj ett annat.',
    deleteNowTitle: 'Radera nu',
    deleteNowLead: 'Ni kan också radera ett företags säkerhetskopior direkt, utan att vänta på uppsägningen. Raderingen går inte att ångra: krypteringsnycklarna förstörs först, sedan alla säkerhetskopior, index, exporter och kopplingen till Fortnox. Ni får ett raderingsintyg.',
    deleteNowLink: 'Radera {name} nu',
    deleteTitle: 'Radera {name} för gott',
    deleteLead: 'Alla säkerhetskopior av {name} raderas direkt och oåterkalleligt: ögonblicksbilder, poster, bilagor, exporter, återställningsplaner och kopplingen till Fortnox. Inget kan återställas efteråt. Ladda ned en export först om ni vill behålla något.',
    deleteButton: 'Radera alla säkerhetskopior för gott',
    deleteConfirm: 'Radera alla säkerhetskopior av {name}? Det går inte att ångra.',
    COMPANY_BUSY: 'En säkerhetskopiering eller återställning av företaget pågår. Radera när den är klar.',
    deletedCompanies: 'Raderade företag',
    deletedAt: 'Raderat',
    certificate: 'Raderingsintyg',
    certificateTitle: 'Raderingsintyg för {name}',
    certificateDone: 'Alla säkerhetskopior är raderade. Intyget har också skickats till organisationens systemadministratörer.',
    certificateId: 'Intygets id',
    checksum: 'Kontrollsumma (SHA-256)',
    downloadJson: 'Ladda ned intyget (JSON)',
    downloadText: 'Ladda ned intyget (text)',
    companyCol: 'Företag',
    deletedSummary: 'Raderat innehåll',
    deletedCounts: '{snapshots} ögonblicksbilder, {objects} lagrade objekt ({bytes})',
    mailSubject: 'Inbjudan till {org} i Noxbackup',
    mailBody: 'Hej!\n\n{inviter} har bjudit in dig till {org} i Noxbackup med rollen {role}.\nNoxbackup tar säkerhetskopior av bokföringen i Fortnox.\n\nÖppna länken inom sju dagar för att gå med:\n\n{link}\n\nVäntade du dig inte inbjudan kan du bortse från meddelandet.\n\nNoxbackup',
  },
  {
    title: 'Organisation',
    facts: 'Details',
    name: 'Name',
    kind: 'Kind',
    kind_company: 'Company',
    kind_firm: 'Accounting firm',
    orgNumber: 'Organisation number',
    plan: 'Plan',
    status: 'Status',
    status_active: 'Active',
    status_terminated: 'Terminated',
    members: 'Users',
    email: 'E-mail',
    role: 'Role',
    role_admin: 'System administrator',
    role_user: 'User',
    role_readonly: 'Read-only',
    twoFactor: 'Two-factor',
    on: 'On',
    off: 'Off',
    companies: 'Client companies',
    allCompanies: 'All',
    noCompanies: 'None',
    manage: 'Change',
    manageMember: 'Change {name}',
    invitations: 'Pending invitations',
    noInvitations: 'No pending invitations.',
    invitedAt: 'Invited',
    expires: 'Valid until',
    expired: 'Expired',
    revoke: 'Revoke',
    revokeConfirm: 'Revoke the invitation to {email}?',
    inviteTitle: 'Invite a user',
    inviteLead: 'They receive an e-mail with a link valid for seven days.',
    inviteCompanies: 'Client companies the user will see',
    inviteCompaniesHint: 'For users and read-only users; system administrators see every client company.',
    sendInvite: 'Send invitation',
    invited: 'The invitation was sent.',
    revoked: 'The invitation was revoked.',
    roleChanged: 'The role was changed.',
    assigned: 'The client companies were saved.',
    removed: 'The user was removed from the organisation.',
    planChanged: 'The plan was changed.',
    LAST_ADMIN: 'The organisation must keep at least one system administrator. Appoint another first.',
    BAD_EMAIL: 'Enter a valid e-mail address.',
    BAD_ROLE: 'Choose a role.',
    ALREADY_MEMBER: 'That person is already a member of the organisation.',
    BAD_PLAN: 'That plan does not exist for your organisation.',
    BAD_SENTENCE: 'The sentence does not match. Type it exactly as shown.',
    ALREADY_TERMINATED: 'The subscription is already terminated.',
    NOT_TERMINATED: 'The subscription is not terminated.',
    NOTICE_OVER: 'The notice period has ended; the termination can no longer be withdrawn.',
    memberTitle: '{name}',
    changeRole: 'Change role',
    saveRole: 'Save role',
    assignTitle: 'Client companies',
    assignLead: 'The user sees only the client companies ticked here.',
    saveCompanies: 'Save client companies',
    adminSeesAll: 'System administrators see every client company.',
    removeTitle: 'Remove from the organisation',
    removeLead: 'The user is signed out and loses access to the organisation. Their account remains.',
    removeButton: 'Remove the user',
    removeConfirm: 'Remove {name} from the organisation?',
    you: '(you)',
    back: 'Back to the organisation',
    subscription: 'Subscription',
    subscriptionLead: 'What your plan includes. Payment is by agreement; nothing is charged here.',
    includes: 'Includes',
    pricing: 'Price',
    clientCount: 'Connected client companies: {n}',
    changePlan: 'Change plan',
    onlyPlan: 'This is the plan for your kind of organisation.',
    save: 'Save',
    terminateTitle: 'Terminate the subscription',
    terminateLead: 'The notice period is one month; backups continue during it and the termination can be withdrawn. {days} days after the notice period ends, every backup of the organisation\'s companies is deleted.',
    terminateIf: 'If you terminate today, the service ends {notice} and the backups are deleted {deletion}.',
    typeSentence: 'Type the sentence to confirm',
    typeSentenceHint: 'Type exactly: {sentence}',
    terminateButton: 'Terminate the subscription',
    terminateConfirm: 'Terminate Noxbackup for {name}?',
    terminated: 'The subscription is terminated.',
    terminatedAt: 'Terminated',
    noticeEnds: 'Service ends',
    deletionDue: 'Backups deleted',
    affected: 'Companies affected: {n}',
    cancelTitle: 'Withdraw the termination',
    cancelLead: 'During the notice period you can change your mind; everything then goes on as before.',
    cancelButton: 'Withdraw the termination',
    cancelled: 'The termination was withdrawn.',
    terminatedNotice: 'The subscription is terminated. The service ends {notice} and the backups are deleted {deletion}.',
    terminateLink: 'Terminate the subscription',
    subscriptionLink: 'Subscription',
    pager: 'Pages',
    prev: 'Previous',
    next: 'Next',
    inviteFor: 'Invitation to {org}',
    inviteLeadPage: 'You have been invited to {org} in Noxbackup.',
    inviteUnknown: 'The link is invalid. Ask whoever invited you for a new invitation.',
    inviteExpired: 'The invitation has expired. Ask whoever invited you for a new one.',
    inviteRevoked: 'The invitation was revoked. Ask whoever invited you for a new one if that was a mistake.',
    inviteAccepted: 'The invitation was already used. Sign in as usual.',
    inviteAlreadyMember: 'You are already a member of the organisation.',
    invitedAs: 'Role',
    invitedEmail: 'E-mail',
    organisation: 'Organisation',
    yourName: 'Your name',
    password: 'Choose a password',
    passwordHint: 'At least 12 characters. A passphrase of several words is good.',
    join: 'Join',
    accept: 'Accept the invitation',
    signInFirst: 'There already is an account for {email}. Sign in first, then accept the invitation.',
    signInLink: 'Sign in',
    wrongAccount: 'You are signed in as {current}, but the invitation is for {email}. Sign out and sign in as {email}.',
    adminMfa: 'As a system administrator you set up two-factor sign-in right after.',
    required: 'Fill in this field.',
    too_short: 'The password must have at least 12 characters.',
    too_long: 'The password may have at most 256 characters.',
    same_as_email: 'The password must not be your e-mail address.',
    too_common: 'That password is too common. Choose another.',
    deleteNowTitle: 'Delete now',
    deleteNowLead: 'You can also delete a company\'s backups at once, without waiting for the termination. The deletion cannot be undone: the encryption keys are destroyed first, then every backup, the index, exports and the connection to Fortnox. You receive a deletion certificate.',
    deleteNowLink: 'Delete {name} now',
    deleteTitle: 'Delete {name} for good',
    deleteLead: 'Every backup of {name} is deleted at once and irreversibly: snapshots, records, attachments, exports, restore plans and the connection to Fortnox. Nothing can be restored afterwards. Download an export first if you want to keep anything.',
    deleteButton: 'Delete every backup for good',
    deleteConfirm: 'Delete every backup of {name}? This cannot be undone.',
    COMPANY_BUSY: 'A backup or restore of the company is running. Delete it when it has finished.',
    deletedCompanies: 'Deleted companies',
    deletedAt: 'Deleted',
    certificate: 'Deletion certificate',
    certificateTitle: 'Deletion certificate for {name}',
    certificateDone: 'Every backup was deleted. The certificate was also sent to the organisation\'s system administrators.',
    certificateId: 'Certificate id',
    checksum: 'Checksum (SHA-256)',
    downloadJson: 'Download the certificate (JSON)',
    downloadText: 'Download the certificate (text)',
    companyCol: 'Company',
    deletedSummary: 'Deleted',
    deletedCounts: '{snapshots} snapshots, {objects} stored objects ({bytes})',
    mailSubject: 'Invitation to {org} in Noxbackup',
    mailBody: 'Hello,\n\n{inviter} has invited you to {org} in Noxbackup with the role {role}.\nNoxbackup backs up the accounting in Fortnox.\n\nOpen the link within seven days to join:\n\n{link}\n\nIf you did not expect this invitation, ignore this message.\n\nNoxbackup',
  },
);

type Key = Parameters<ReturnType<typeof m>>[0];
const MEMBERS_PER_PAGE = 100;
/** Companies listed for immediate deletion (never an unbounded list; beyond it, /companies/<id>/delete opens directly). */
const DELETE_LIST_LIMIT = 500;
/** Codes a page may be told about in `?done=` or `?error=` after a redirect; anything else is ignored. */
const DONE: readonly Key[] = ['invited', 'revoked', 'roleChanged', 'assigned', 'removed', 'planChanged', 'terminated', 'cancelled', 'certificateDone'];
const ERRORS: readonly Key[] = ['LAST_ADMIN', 'BAD_ROLE', 'BAD_PLAN', 'BAD_SENTENCE', 'ALREADY_TERMINATED', 'NOT_TERMINATED', 'NOTICE_OVER', 'COMPANY_BUSY'];

const roleLabel = (locale: Locale, role: Role) => m(locale)(`role_${role}`);

function actorOf(request: FastifyRequest): Actor {
  const auth = signedIn(request);
  return { org: auth.org, user: auth.user, ip: clientIp(request) };
}

/** The notices a redirect asked for (only known codes). */
function flash(request: FastifyRequest): SafeHtml {
  const t = m(request.locale);
  const q = request.query as Record<string, unknown>;
  const done = DONE.find((k) => k === q.done);
  const error = ERRORS.find((k) => k === q.error);
  return html`${notice('ok', done === undefined ? undefined : t(done))}${notice('error', error === undefined ? undefined : t(error))}`;
}

/** Runs a form action; a broken rule sends the user back to `back` with its message. */
async function formAction(reply: FastifyReply, back: string, done: Key, action: () => Promise<string | undefined | void>): Promise<FastifyReply> {
  try {
    const to = await action();
    return seeOther(reply, typeof to === 'string' ? to : `${back}${back.includes('?') ? '&' : '?'}done=${done}`);
  } catch (error) {
    if (error instanceof OrgRuleError) return seeOther(reply, `${back}${back.includes('?') ? '&' : '?'}error=${error.code}`);
    throw error;
  }
}

const orgSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, kind: { type: 'string', enum: ['company', 'firm'] }, name: { type: 'string' }, orgNumber: { type: ['string', 'null'] },
    plan: { type: 'string' }, status: { type: 'string', enum: ['active', 'terminated'] }, terminatedAt: { type: ['string', 'null'] },
    noticeEndsAt: { type: ['string', 'null'] }, deletionDueAt: { type: ['string', 'null'] },
  },
} as const;
const invitationSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, companies: { type: 'array', items: { type: 'string' } }, createdAt: { type: 'string' }, expiresAt: { type: 'string' }, expired: { type: 'boolean' } },
} as const;

function invitationJson(invitation: Invitation, now: Date) {
  return { id: invitation.id, email: invitation.email, role: invitation.role, companies: invitation.tenantIds, createdAt: invitation.createdAt, expiresAt: invitation.expiresAt, expired: invitationState(invitation, now) === 'expired' };
}

function organisationJson(org: Organisation) {
  const dates = org.terminatedAt === null ? undefined : terminationDates(new Date(org.terminatedAt));
  return { id: org.id, kind: org.kind, name: org.name, orgNumber: org.orgNumber, plan: org.plan, status: org.status, terminatedAt: org.terminatedAt, noticeEndsAt: dates?.noticeEndsAt.toISOString() ?? null, deletionDueAt: dates?.deletionDueAt.toISOString() ?? null };
}

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const db = ctx.app.db;
  const admin = { permission: 'administer' } as const;

  /** Every company of the organisation (an administrator's view), by id. */
  const orgCompanies = async (request: FastifyRequest): Promise<Tenant[]> => visibleCompanies(db, signedIn(request).principal);

  const sendInvitation = async (request: FastifyRequest, email: string, role: string, tenantIds: string[]) => {
    const actor = actorOf(request);
    const { invitation, token } = await invite(ctx, actor, { email, role, tenantIds });
    // The inviter's language: they know which language the person they invite reads.
    const tm = m(request.locale);
    await ctx.mailer.send({
      to: invitation.email,
      subject: tm('mailSubject', { org: actor.org.name }),
      text: tm('mailBody', { inviter: actor.user.name === '' ? actor.user.email : `${actor.user.name} (${actor.user.email})`, org: actor.org.name, role: roleLabel(request.locale, invitation.role), link: `${ctx.publicUrl}/invite/${token}` }),
    });
    return invitation;
  };

  const overview = async (request: FastifyRequest, reply: FastifyReply, form: { values?: Record<string, string | string[]>; error?: string; status?: number } = {}) => {
    const t = m(request.locale);
    const locale = request.locale;
    const { org, user: me } = signedIn(request);
    const now = ctx.now();
    const companies = await orgCompanies(request);
    const names = new Map(companies.map((c) => [c.id, c.name]));
    const members = await listMembers(db, org.id);
    const page = Math.max(1, Math.floor(Number((request.query as Record<string, unknown>).page)) || 1);
    const shown = members.slice((page - 1) * MEMBERS_PER_PAGE, page * MEMBERS_PER_PAGE);
    const pages = Math.max(1, Math.ceil(members.length / MEMBERS_PER_PAGE));
    const invitations = await listPendingInvitations(db, org.id);
    const firm = org.kind === 'firm';
    const dates = org.terminatedAt === null ? undefined : terminationDates(new Date(org.terminatedAt));
    const values = form.values ?? {};
    const chosen = new Set(Array.isArray(values.companies) ? values.companies : []);
    const companyList = (ids: readonly string[], role: Role) => (role === 'admin' ? t('allCompanies') : ids.length === 0 ? t('noCompanies') : ids.map((id) => names.get(id) ?? id).join(', '));
    return sendPage(request, reply, {
      title: t('title'),
      status: form.status ?? 200,
      body: html`${flash(request)}
      ${dates === undefined ? '' : notice('info', t('terminatedNotice', { notice: formatDateTime(locale, dates.noticeEndsAt), deletion: formatDateTime(locale, dates.deletionDueAt) }))}
      <section aria-labelledby="org-facts"><h2 id="org-facts">${t('facts')}</h2>
      <dl class="facts">
        <dt>${t('name')}</dt><dd>${org.name}</dd>
        <dt>${t('kind')}</dt><dd>${t(`kind_${org.kind}`)}</dd>
        <dt>${t('orgNumber')}</dt><dd>${org.orgNumber ?? '–'}</dd>
        <dt>${t('plan')}</dt><dd>${planById(org.plan)?.name[locale] ?? org.plan} · <a href="/org/subscription">${t('subscriptionLink')}</a></dd>
        <dt>${t('status')}</dt><dd><span class="badge ${org.status === 'active' ? 'ok' : 'warn'}">${t(`status_${org.status}`)}</span> · <a href="/org/terminate">${org.status === 'active' ? t('terminateLink') : t('cancelTitle')}</a></dd>
      </dl></section>
      <section aria-labelledby="org-members"><h2 id="org-members">${t('members')}</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">${t('name')}</th><th scope="col">${t('email')}</th><th scope="col">${t('role')}</th><th scope="col">${t('twoFactor')}</th>${firm ? html`<th scope="col">${t('companies')}</th>` : ''}<th scope="col"><span class="visually-hidden">${t('manage')}</span></th></tr></thead>
        <tbody>${shown.map((mb) => html`<tr>
          <th scope="row">${mb.user.name} ${mb.user.id === me.id ? t('you') : ''}</th>
          <td>${mb.user.email}</td>
          <td>${roleLabel(locale, mb.role)}</td>
          <td><span class="badge ${mb.user.totpEnabled ? 'ok' : 'warn'}">${mb.user.totpEnabled ? t('on') : t('off')}</span></td>
          ${firm ? html`<td>${companyList(mb.companies, mb.role)}</td>` : ''}
          <td><a href="/org/members/${mb.user.id}" aria-label="${t('manageMember', { name: mb.user.name })}">${t('manage')}</a></td>
        </tr>`)}</tbody>
      </table></div>
      ${pages <= 1 ? '' : html`<nav class="pager" aria-label="${t('pager')}">${page > 1 ? html`<a href="/org?page=${page - 1}">${t('prev')}</a>` : ''} <span>${page} / ${pages}</span> ${page < pages ? html`<a href="/org?page=${page + 1}">${t('next')}</a>` : ''}</nav>`}
      </section>
      <section aria-labelledby="org-invitations"><h2 id="org-invitations">${t('invitations')}</h2>
      ${invitations.length === 0 ? html`<p class="muted">${t('noInvitations')}</p>` : html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">${t('email')}</th><th scope="col">${t('role')}</th>${firm ? html`<th scope="col">${t('companies')}</th>` : ''}<th scope="col">${t('invitedAt')}</th><th scope="col">${t('expires')}</th><th scope="col"><span class="visually-hidden">${t('revoke')}</span></th></tr></thead>
        <tbody>${invitations.map((inv) => html`<tr>
          <th scope="row">${inv.email}</th>
          <td>${roleLabel(locale, inv.role)}</td>
          ${firm ? html`<td>${companyList(inv.tenantIds, inv.role)}</td>` : ''}
          <td>${formatDateTime(locale, inv.createdAt)}</td>
          <td>${invitationState(inv, now) === 'expired' ? html`<span class="badge bad">${t('expired')}</span>` : formatDateTime(locale, inv.expiresAt)}</td>
          <td><form method="post" action="/org/invitations/${inv.id}/revoke" class="inline" data-confirm="${t('revokeConfirm', { email: inv.email })}">${csrfField(request)}${submit(t('revoke'), { kind: 'secondary' })}</form></td>
        </tr>`)}</tbody>
      </table></div>`}
      </section>
      <section aria-labelledby="org-invite"><h2 id="org-invite">${t('inviteTitle')}</h2>
      <p class="lead">${t('inviteLead')}</p>
      ${notice('error', form.error)}
      <form method="post" action="/org/invitations" class="form">
        ${csrfField(request)}
        ${input('email', t('email'), { type: 'email', required: true, autocomplete: 'off', value: typeof values.email === 'string' ? values.email : '' })}
        ${select('role', t('role'), ROLE_VALUES.map((r) => ({ value: r, label: roleLabel(locale, r) })), typeof values.role === 'string' ? values.role : 'user')}
        ${firm && companies.length > 0 ? companyChecks(t('inviteCompanies'), t('inviteCompaniesHint'), companies, chosen) : ''}
        ${submit(t('sendInvite'))}
      </form></section>`,
    });
  };

  app.get('/org', { config: admin }, async (request, reply) => overview(request, reply));

  app.post('/org/invitations', { config: admin }, async (request, reply) => {
    const t = m(request.locale);
    const email = field(request.body, 'email');
    const role = field(request.body, 'role');
    const companies = fields(request.body, 'companies');
    try {
      await sendInvitation(request, email, role, companies);
      return seeOther(reply, '/org?done=invited');
    } catch (error) {
      if (error instanceof OrgRuleError) return overview(request, reply, { values: { email, role, companies }, error: t(error.code as Key), status: 400 });
      throw error;
    }
  });

  app.post('/org/invitations/:invitationId/revoke', { config: admin }, async (request, reply) => {
    const { invitationId } = request.params as { invitationId: string };
    return formAction(reply, '/org', 'revoked', () => revoke(ctx, actorOf(request), invitationId));
  });

  app.get('/org/members/:userId', { config: admin }, async (request, reply) => {
    const t = m(request.locale);
    const locale = request.locale;
    const { org } = signedIn(request);
    const { userId } = request.params as { userId: string };
    const member = await memberOf(ctx, org.id, userId);
    const companies = org.kind === 'firm' ? await orgCompanies(request) : [];
    const assigned = new Set((await listMembers(db, org.id)).find((mb) => mb.user.id === userId)?.companies ?? []);
    const base = `/org/members/${member.user.id}`;
    return sendPage(request, reply, {
      title: t('memberTitle', { name: member.user.name === '' ? member.user.email : member.user.name }),
      lead: member.user.email,
      body: html`${flash(request)}
      <dl class="facts">
        <dt>${t('role')}</dt><dd>${roleLabel(locale, member.role)}</dd>
        <dt>${t('twoFactor')}</dt><dd>${member.user.totpEnabled ? t('on') : t('off')}</dd>
      </dl>
      <section aria-labelledby="m-role"><h2 id="m-role">${t('changeRole')}</h2>
      <form method="post" action="${base}/role" class="form">${csrfField(request)}
        ${select('role', t('role'), ROLE_VALUES.map((r) => ({ value: r, label: roleLabel(locale, r) })), member.role)}
        ${submit(t('saveRole'))}
      </form></section>
      ${org.kind !== 'firm' ? '' : html`<section aria-labelledby="m-companies"><h2 id="m-companies">${t('assignTitle')}</h2>
      ${member.role === 'admin' ? html`<p>${t('adminSeesAll')}</p>` : html`<form method="post" action="${base}/companies" class="form">${csrfField(request)}
        ${companyChecks(t('companies'), t('assignLead'), companies, assigned)}
        ${submit(t('saveCompanies'))}
      </form>`}</section>`}
      <section aria-labelledby="m-remove"><h2 id="m-remove">${t('removeTitle')}</h2>
      <p>${t('removeLead')}</p>
      <form method="post" action="${base}/remove" data-confirm="${t('removeConfirm', { name: member.user.name })}">${csrfField(request)}${submit(t('removeButton'), { kind: 'danger' })}</form>
      </section>
      <p><a href="/org">${t('back')}</a></p>`,
    });
  });

  app.post('/org/members/:userId/role', { config: admin }, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    const actor = actorOf(request);
    return formAction(reply, `/org/members/${encodeURIComponent(userId)}`, 'roleChanged', async () => {
      await changeRole(ctx, actor, userId, field(request.body, 'role'));
      // An administrator who gave up the role can no longer see the organisation pages.
      return userId === actor.user.id ? '/dashboard' : undefined;
    });
  });

  app.post('/org/members/:userId/companies', { config: admin }, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    return formAction(reply, `/org/members/${encodeURIComponent(userId)}`, 'assigned', async () => {
      await assign(ctx, actorOf(request), userId, fields(request.body, 'companies'));
    });
  });

  app.post('/org/members/:userId/remove', { config: admin }, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    const actor = actorOf(request);
    return formAction(reply, `/org/members/${encodeURIComponent(userId)}`, 'removed', async () => {
      await remove(ctx, actor, userId);
      return userId === actor.user.id ? '/login' : '/org?done=removed';
    });
  });

  app.get('/org/subscription', { config: admin }, async (request, reply) => {
    const t = m(request.locale);
    const locale = request.locale;
    const { org } = signedIn(request);
    const plan = planById(org.plan);
    const choices = plansFor(org.kind);
    const count = org.kind === 'firm' ? (await orgCompanies(request)).length : undefined;
    return sendPage(request, reply, {
      title: t('subscription'),
      lead: t('subscriptionLead'),
      body: html`${flash(request)}
      <section class="card" aria-labelledby="plan-name"><h2 id="plan-name">${plan?.name[locale] ?? org.plan}</h2>
        ${plan === undefined ? '' : html`<p><strong>${t('pricing')}:</strong> ${plan.pricing[locale]}</p>
        ${count === undefined ? '' : html`<p>${t('clientCount', { n: formatNumber(locale, count) })}</p>`}
        <h3>${t('includes')}</h3><ul>${plan.includes[locale].map((line) => html`<li>${line}</li>`)}</ul>`}
      </section>
      <section aria-labelledby="plan-change"><h2 id="plan-change">${t('changePlan')}</h2>
      ${choices.length <= 1 ? html`<p>${t('onlyPlan')}</p>` : html`<form method="post" action="/org/subscription" class="form">${csrfField(request)}
        ${select('plan', t('plan'), choices.map((p) => ({ value: p.id, label: `${p.name[locale]} – ${p.pricing[locale]}` })), org.plan)}
        ${submit(t('save'))}
      </form>`}</section>
      <p><a href="/org">${t('back')}</a></p>`,
    });
  });

  app.post('/org/subscription', { config: admin }, async (request, reply) => formAction(reply, '/org/subscription', 'planChanged', () => changePlan(ctx, actorOf(request), field(request.body, 'plan'))));

  app.get('/org/terminate', { config: admin }, async (request, reply) => {
    const t = m(request.locale);
    const locale = request.locale;
    const { org } = signedIn(request);
    const now = ctx.now();
    const count = (await orgCompanies(request)).length;
    const sentence = terminationSentences(org.name)[locale];
    let body: SafeHtml;
    if (org.status === 'terminated' && org.terminatedAt !== null) {
      const dates = terminationDates(new Date(org.terminatedAt));
      const withinNotice = now.getTime() < dates.noticeEndsAt.getTime();
      body = html`<p>${t('terminated')}</p>
      <dl class="facts">
        <dt>${t('terminatedAt')}</dt><dd>${formatDateTime(locale, dates.terminatedAt)}</dd>
        <dt>${t('noticeEnds')}</dt><dd>${formatDateTime(locale, dates.noticeEndsAt)}</dd>
        <dt>${t('deletionDue')}</dt><dd>${formatDateTime(locale, dates.deletionDueAt)}</dd>
      </dl>
      <p>${t('affected', { n: formatNumber(locale, count) })}</p>
      ${withinNotice ? html`<section aria-labelledby="t-cancel"><h2 id="t-cancel">${t('cancelTitle')}</h2><p>${t('cancelLead')}</p>
        <form method="post" action="/org/terminate/cancel">${csrfField(request)}${submit(t('cancelButton'))}</form></section>` : ''}`;
    } else {
      const ifToday = terminationDates(now);
      body = html`<p>${t('terminateLead', { days: 30 })}</p>
      <p>${t('terminateIf', { notice: formatDateTime(locale, ifToday.noticeEndsAt), deletion: formatDateTime(locale, ifToday.deletionDueAt) })}</p>
      <p>${t('affected', { n: formatNumber(locale, count) })}</p>
      <form method="post" action="/org/terminate" class="form" data-confirm="${t('terminateConfirm', { name: org.name })}">${csrfField(request)}
        ${input('sentence', t('typeSentence'), { required: true, autocomplete: 'off', hint: t('typeSentenceHint', { sentence }) })}
        ${submit(t('terminateButton'), { kind: 'danger' })}
      </form>`;
    }
    const companies = await orgCompanies(request);
    const deleted = await deletedCompanies(db, org.id);
    const deleteNow = html`<section aria-labelledby="t-delete"><h2 id="t-delete">${t('deleteNowTitle')}</h2><p>${t('deleteNowLead')}</p>
      ${companies.length === 0 ? html`<p class="muted">${t('noCompanies')}</p>` : html`<ul class="delete-now">${companies.slice(0, DELETE_LIST_LIMIT).map((c) => html`<li><a href="/companies/${c.id}/delete">${t('deleteNowLink', { name: c.name })}</a></li>`)}</ul>`}
      </section>
      ${deleted.length === 0 ? '' : html`<section aria-labelledby="t-deleted"><h2 id="t-deleted">${t('deletedCompanies')}</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">${t('companyCol')}</th><th scope="col">${t('deletedAt')}</th><th scope="col">${t('certificate')}</th></tr></thead>
        <tbody>${deleted.map((d) => html`<tr><th scope="row">${d.name}</th><td>${formatDateTime(locale, d.deletedAt)}</td><td><a href="/org/certificates/${d.id}">${t('certificate')}</a></td></tr>`)}</tbody>
      </table></div></section>`}`;
    return sendPage(request, reply, { title: t('terminateTitle'), body: html`${flash(request)}${body}${deleteNow}<p><a href="/org">${t('back')}</a></p>` });
  });

  // ---- Deleting a company's backups at once, and its certificate ----

  app.get('/companies/:companyId/delete', { config: admin }, async (request, reply) => {
    const t = m(request.locale);
    const tenant = company(request);
    const sentence = deletionSentences(tenant.name)[request.locale];
    return sendPage(request, reply, {
      title: t('deleteTitle', { name: tenant.name }),
      body: html`${flash(request)}
      <p><strong>${t('deleteLead', { name: tenant.name })}</strong></p>
      <form method="post" action="/companies/${tenant.id}/delete" class="form" data-confirm="${t('deleteConfirm', { name: tenant.name })}">${csrfField(request)}
        ${input('sentence', t('typeSentence'), { required: true, autocomplete: 'off', hint: t('typeSentenceHint', { sentence }) })}
        ${submit(t('deleteButton'), { kind: 'danger' })}
      </form>
      <p><a href="/org/terminate">${t('back')}</a></p>`,
    });
  });

  app.post('/companies/:companyId/delete', { config: admin }, async (request, reply) => {
    const tenant = company(request);
    // The sentence is compared as typed (only surrounding blanks are trimmed).
    return formAction(reply, `/companies/${tenant.id}/delete`, 'certificateDone', async () => {
      await deleteCompanyNow(ctx, actorOf(request), tenant, field(request.body, 'sentence'));
      return `/org/certificates/${tenant.id}?done=certificateDone`;
    });
  });

  // Served at the organisation, not under /companies/: a deleted company's URLs are 404 like any unknown one.
  app.get('/org/certificates/:tenantId', { config: admin }, async (request, reply) => {
    const t = m(request.locale);
    const locale = request.locale;
    const { org, user } = signedIn(request);
    const { tenantId } = request.params as { tenantId: string };
    if (!(await ownsCompany(db, org.id, tenantId))) throw notFound();
    const certificate = await readCertificate(ctx.app.config.dataDir, tenantId);
    if (certificate === undefined) throw notFound();
    const format = (request.query as Record<string, unknown>).format;
    const entry = { orgId: org.id, tenantId, userId: user.id, userEmail: user.email, target: certificate.company.name, details: { certificateId: certificate.id }, ip: clientIp(request), at: ctx.now() };
    if (format === 'json' || format === 'txt') {
      await audit(db, { ...entry, action: 'certificate.download' });
      const body = format === 'json' ? `${JSON.stringify(certificate, null, 2)}\n` : ((await readCertificateText(ctx.app.config.dataDir, tenantId)) ?? '');
      return reply
        .type(format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename="noxbackup-raderingsintyg-${tenantId}.${format}"`)
        .send(body);
    }
    await audit(db, { ...entry, action: 'certificate.view' });
    const d = certificate.deleted;
    return sendPage(request, reply, {
      title: t('certificateTitle', { name: certificate.company.name }),
      body: html`${flash(request)}
      <p>${certificate.statement[locale]}</p>
      <dl class="facts">
        <dt>${t('certificateId')}</dt><dd>${certificate.id}</dd>
        <dt>${t('orgNumber')}</dt><dd>${certificate.company.orgNumber ?? '–'}</dd>
        <dt>${t('deletedAt')}</dt><dd>${formatDateTime(locale, certificate.completedAt)}</dd>
        <dt>${t('deletedSummary')}</dt><dd>${t('deletedCounts', { snapshots: formatNumber(locale, d.snapshots), objects: formatNumber(locale, d.objects), bytes: formatBytes(locale, d.bytes) })}</dd>
        <dt>${t('checksum')}</dt><dd><code class="checksum">${certificate.sha256}</code></dd>
      </dl>
      <p class="actions"><a class="button secondary" href="/org/certificates/${tenantId}?format=txt" download>${t('downloadText')}</a> <a class="button secondary" href="/org/certificates/${tenantId}?format=json" download>${t('downloadJson')}</a></p>
      <p><a href="/org/terminate">${t('back')}</a></p>`,
    });
  });

  app.post('/org/terminate', { config: admin }, async (request, reply) =>
    // The sentence is compared as typed (only surrounding blanks are trimmed).
    formAction(reply, '/org/terminate', 'terminated', async () => {
      await terminate(ctx, actorOf(request), field(request.body, 'sentence'));
    }),
  );

  app.post('/org/terminate/cancel', { config: admin }, async (request, reply) => formAction(reply, '/org/terminate', 'cancelled', () => cancelTermination(ctx, actorOf(request))));

  // ---- Accepting an invitation (public: the invitee may have no account yet) ----

  const invitationPage = async (request: FastifyRequest, reply: FastifyReply, token: string, form: { name?: string; error?: Record<string, string>; status?: number } = {}) => {
    const t = m(request.locale);
    const locale = request.locale;
    const invitation = await invitationByToken(db, token);
    const refused = (text: string, status: number) => sendPage(request, reply, { title: t('inviteFor', { org: 'Noxbackup' }), status, body: html`${notice('error', text)}<p><a href="/login">${t('signInLink')}</a></p>` });
    if (invitation === undefined) return refused(t('inviteUnknown'), 404);
    const state = invitationState(invitation, ctx.now());
    if (state !== 'valid') return refused(t(state === 'expired' ? 'inviteExpired' : state === 'revoked' ? 'inviteRevoked' : 'inviteAccepted'), 410);
    const org = await getOrganisation(db, invitation.orgId);
    if (org === undefined) return refused(t('inviteUnknown'), 404);
    const existing = await findUserByEmail(db, invitation.email);
    const me = request.auth?.user;
    const errors = form.error ?? {};
    let action: SafeHtml;
    if (existing !== undefined) {
      action = me?.id === existing.user.id
        ? html`${notice('error', errors.form)}<form method="post" action="/invite/${token}">${csrfField(request)}${submit(t('accept'))}</form>`
        : me !== undefined
          ? html`${notice('info', t('wrongAccount', { current: me.email, email: invitation.email }))}`
          : html`${notice('info', t('signInFirst', { email: invitation.email }))}<p><a class="button primary" href="/login?next=${encodeURIComponent(`/invite/${token}`)}">${t('signInLink')}</a></p>`;
    } else {
      action = html`<form method="post" action="/invite/${token}" class="form" novalidate>${csrfField(request)}
        ${input('name', t('yourName'), { required: true, autocomplete: 'name', value: form.name ?? '', error: errors.name })}
        ${input('password', t('password'), { type: 'password', required: true, autocomplete: 'new-password', minlength: 12, hint: t('passwordHint'), error: errors.password })}
        ${submit(t('join'))}
      </form>`;
    }
    return sendPage(request, reply, {
      title: t('inviteFor', { org: org.name }),
      lead: t('inviteLeadPage', { org: org.name }),
      status: form.status ?? 200,
      body: html`<dl class="facts">
        <dt>${t('organisation')}</dt><dd>${org.name}</dd>
        <dt>${t('invitedAs')}</dt><dd>${roleLabel(locale, invitation.role)}</dd>
        <dt>${t('invitedEmail')}</dt><dd>${invitation.email}</dd>
      </dl>
      ${invitation.role === 'admin' ? html`<p>${t('adminMfa')}</p>` : ''}
      ${action}`,
    });
  };

  app.get('/invite/:token', { config: { access: 'public' } }, async (request, reply) => invitationPage(request, reply, (request.params as { token: string }).token));

  app.post('/invite/:token', { config: { access: 'public' } }, async (request, reply) => {
    const t = m(request.locale);
    const { token } = request.params as { token: string };
    const now = ctx.now();
    const invitation = await invitationByToken(db, token);
    if (invitation === undefined || invitationState(invitation, now) !== 'valid') return invitationPage(request, reply, token);
    const existing = await findUserByEmail(db, invitation.email);
    let user: User;
    let newAccount = false;
    if (existing !== undefined) {
      // An existing account joins only when its owner is signed in: the link alone must not add anyone.
      if (request.auth?.user.id !== existing.user.id) return invitationPage(request, reply, token, { status: 403 });
      const result = await acceptInvitation(db, token, existing.user.id, now);
      if (!result.ok) return invitationPage(request, reply, token, { status: 409, error: { form: t(result.reason === 'already_member' ? 'inviteAlreadyMember' : 'inviteUnknown') } });
      user = existing.user;
      await deleteSession(db, request.auth.session.idHash);
    } else {
      const name = field(request.body, 'name');
      const password = typeof (request.body as Record<string, unknown> | undefined)?.password === 'string' ? String((request.body as Record<string, unknown>).password) : '';
      const errors: Record<string, string> = {};
      if (name === '') errors.name = t('required');
      const problem = passwordProblem(password, { email: invitation.email });
      if (problem !== undefined) errors.password = t(problem);
      if (Object.keys(errors).length > 0) return invitationPage(request, reply, token, { name, error: errors, status: 400 });
      const passwordHash = await hashPassword(password, ctx.passwordCost);
      const created = await inTransaction(db, async (tx) => {
        const u = await createUser(tx, { email: invitation.email, name, passwordHash, locale: request.locale, now });
        const result = await acceptInvitation(tx, token, u.id, now);
        // Roll the new account back with the refused invitation: nobody gets an account without joining.
        if (!result.ok) throw new HttpError(410, 'INVITATION_USED', 'The invitation was already used');
        return u;
      }).catch((error: unknown) => {
        if (error instanceof HttpError && error.code === 'INVITATION_USED') return undefined;
        throw error;
      });
      if (created === undefined) return invitationPage(request, reply, token);
      user = created;
      newAccount = true;
    }
    await audit(db, { orgId: invitation.orgId, userId: user.id, userEmail: user.email, action: 'invitation.accept', target: user.email, details: { invitationId: invitation.id, role: invitation.role, newAccount }, ip: clientIp(request), at: now });
    await signIn(ctx, request, reply, (await getUser(db, user.id)) ?? user, invitation.orgId, 'invitation');
    return seeOther(reply, invitation.role === 'admin' && !user.totpEnabled ? '/account/two-factor' : '/dashboard');
  });

  // ---- JSON API ----

  app.get('/api/v1/org', {
    config: { ...admin, api: true },
    schema: {
      tags: ['organisation'],
      summary: 'The organisation, its members and its pending invitations',
      response: {
        200: {
          type: 'object',
          properties: {
            organisation: orgSchema,
            members: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, twoFactor: { type: 'boolean' }, companies: { type: 'array', items: { type: 'string' } } } } },
            invitations: { type: 'array', items: invitationSchema },
          },
        },
      },
    },
  }, async (request) => {
    const { org } = signedIn(request);
    const now = ctx.now();
    const members = await listMembers(db, org.id);
    return {
      organisation: organisationJson(org),
      members: members.slice(0, 500).map((mb) => ({ id: mb.user.id, name: mb.user.name, email: mb.user.email, role: mb.role, twoFactor: mb.user.totpEnabled, companies: mb.companies })),
      invitations: (await listPendingInvitations(db, org.id)).map((i) => invitationJson(i, now)),
    };
  });

  app.post('/api/v1/org/invitations', {
    config: { ...admin, api: true },
    schema: {
      tags: ['organisation'],
      summary: 'Invite a user by e-mail (the link is mailed to them)',
      body: { type: 'object', required: ['email', 'role'], properties: { email: { type: 'string' }, role: { type: 'string', enum: ['admin', 'user', 'readonly'] }, companies: { type: 'array', items: { type: 'string' } } } },
      response: { 201: invitationSchema },
    },
  }, async (request, reply) => {
    const body = request.body as { email: string; role: string; companies?: string[] };
    const invitation = await sendInvitation(request, body.email, body.role, body.companies ?? []);
    return reply.code(201).send(invitationJson(invitation, ctx.now()));
  });

  app.post('/api/v1/org/invitations/:invitationId/revoke', {
    config: { ...admin, api: true },
    schema: { tags: ['organisation'], summary: 'Revoke a pending invitation', params: { type: 'object', properties: { invitationId: { type: 'string' } } } },
  }, async (request, reply) => {
    await revoke(ctx, actorOf(request), (request.params as { invitationId: string }).invitationId);
    return reply.code(204).send();
  });
}

/** Checkboxes of companies in a fieldset, for assigning them to a firm's user. */
function companyChecks(legend: string, hint: string, companies: readonly Tenant[], checked: ReadonlySet<string>): SafeHtml {
  return html`<fieldset class="field org-companies"><legend>${legend}</legend><p class="hint">${hint}</p>
    ${companies.map((c) => html`<label class="check"><input type="checkbox" name="companies" value="${c.id}"${checked.has(c.id) ? html` checked` : ''}> ${c.name}</label>`)}
  </fieldset>`;
}
