/**
 * E-mail notifications of alerts (DESIGN.md §7): after backups raise alerts, each member of the owning
 * organisation who should hear about them gets one digest per run, in their own language, with a link to
 * the company's alerts page. An alert is marked notified only once every mail naming it went out.
 *
 * Who is mailed: members who may see the company (`visibleCompanyIds`: administrators, every user of a
 * company customer, a firm's users and read-only users only for the companies assigned to them). Of
 * those, members who may act on an alert (`operate`: administrators and users) get every alert; read-only
 * members (such as an auditor) only the critical ones: a failed backup, a connection to renew, changed
 * supplier bank details. Disabled users are never mailed.
 */
import { can, visibleCompanyIds, type Principal } from '../accounts/access.ts';
import { alertsToNotify, markAlertsNotified, type Alert } from '../db/alerts.ts';
import type { Db, Locale, OrganisationKind } from '../db/index.ts';
import type { Mailer } from '../mail/mailer.ts';
// The alert wording is the alerts page's, so a mail and the page it links to say the same thing.
import { alertText, alertTitle } from './wording.ts';
import { formatDateTime, formatNumber, messages } from '../i18n.ts';
import { startPeriodic } from '../jobs/periodic.ts';

export interface NotifyContext {
  readonly db: Db;
  readonly mailer: Mailer;
  /** The web app's address the links start with; read on every run (with port 0 it is known only after listening). */
  readonly publicUrl: string;
  readonly now: () => Date;
  readonly log?: ((line: string) => void) | undefined;
}

export interface NotifyOptions {
  /** The most alerts handled in one run, oldest first (default 100); the rest wait for the next run. */
  readonly limit?: number | undefined;
  /**
   * An alert whose mails still fail when it is this old (default one day) is marked notified anyway and
   * logged: a recipient whose address the mail server keeps refusing must not hold back everyone else's
   * alerts for ever.
   */
  readonly giveUpAfterMs?: number | undefined;
}

export interface NotifyResult {
  /** Mails sent. */
  readonly mailed: number;
  /** Alerts marked notified (including those no one was to be told about, and those given up on). */
  readonly alerts: number;
  /** Mails that failed; their alerts are tried again next run. */
  readonly failed: number;
}

const DEFAULT_LIMIT = 100;
const DAY_MS = 24 * 60 * 60 * 1000;

const mailText = messages(
  {
    subjectOne: '1 nytt larm för {org}',
    subjectMany: '{count} nya larm för {org}',
    greeting: 'Hej {name}!',
    introOne: 'Noxbackup har ett nytt larm för {org}:',
    introMany: 'Noxbackup har {count} nya larm för {org}:',
    changedFields: 'Ändrade uppgifter: {fields}',
    link: 'Visa larmen för {company}: {url}',
    footer: 'Du får det här brevet eftersom du är medlem i {org} i Noxbackup och får se företagen ovan. Alla larm: {url}',
  },
  {
    subjectOne: '1 new alert for {org}',
    subjectMany: '{count} new alerts for {org}',
    greeting: 'Hello {name},',
    introOne: 'Noxbackup has a new alert for {org}:',
    introMany: 'Noxbackup has {count} new alerts for {org}:',
    changedFields: 'Changed details: {fields}',
    link: 'See the alerts of {company}: {url}',
    footer: 'You receive this e-mail because you are a member of {org} in Noxbackup and may see the companies above. All alerts: {url}',
  },
);

interface Recipient {
  readonly principal: Principal;
  readonly name: string;
  readonly locale: Locale;
  readonly orgName: string;
  readonly alerts: Alert[];
}

/**
 * Mails the alerts not yet notified (at most `limit`, oldest first) as one digest per recipient and
 * organisation, then marks notified every alert all of whose mails were sent. A failed mail is logged and
 * does not stop the others; its alerts stay for the next run, when every recipient of them is mailed
 * again: someone whose mail went through may get an alert twice, never no one. Alerts of a company that
 * no organisation owns, or that no one may be told about, are marked with no one mailed, and logged.
 */
export async function notifyAlerts(ctx: NotifyContext, options: NotifyOptions = {}): Promise<NotifyResult> {
  const log = ctx.log ?? (() => undefined);
  const alerts = await alertsToNotify(ctx.db, options.limit ?? DEFAULT_LIMIT);
  if (alerts.length === 0) return { mailed: 0, alerts: 0, failed: 0 };
  const db = ctx.db;
  const tenantIds = [...new Set(alerts.map((a) => a.tenantId))];

  const tenants = new Map((await db.selectFrom('tenants').select(['id', 'name', 'status']).where('id', 'in', tenantIds).execute()).map((t) => [t.id, t]));
  const owners = new Map((await db.selectFrom('org_companies').select(['tenant_id', 'org_id']).where('tenant_id', 'in', tenantIds).execute()).map((r) => [r.tenant_id, r.org_id]));
  const orgIds = [...new Set(owners.values())];
  const orgs = orgIds.length === 0 ? new Map<string, { name: string; kind: OrganisationKind }>() : new Map((await db.selectFrom('organisations').select(['id', 'name', 'kind']).where('id', 'in', orgIds).execute()).map((o) => [o.id, o]));
  const members =
    orgIds.length === 0
      ? []
      : await db
          .selectFrom('memberships')
          .innerJoin('users', 'users.id', 'memberships.user_id')
          .select(['memberships.org_id', 'memberships.role', 'users.id', 'users.email', 'users.name', 'users.locale'])
          .where('memberships.org_id', 'in', orgIds)
          .where('users.disabled_at', 'is', null)
          .orderBy('memberships.created_at')
          .execute();

  // Who hears about what: each member's own view of the companies decides, never the organisation's.
  const recipients = new Map<string, Recipient>();
  const recipientsOf = new Map<string, string[]>(alerts.map((a) => [a.id, []]));
  for (const m of members) {
    const org = orgs.get(m.org_id);
    if (org === undefined) continue;
    const principal: Principal = { userId: m.id, email: m.email, orgId: m.org_id, orgKind: org.kind, role: m.role };
    const visible = new Set(await visibleCompanyIds(db, principal));
    const theirs = alerts.filter((a) => owners.get(a.tenantId) === m.org_id && visible.has(a.tenantId) && tenants.get(a.tenantId)?.status !== 'deleted' && wants(principal, a));
    if (theirs.length === 0) continue;
    const key = `${m.org_id}/${m.id}`;
    recipients.set(key, { principal, name: m.name, locale: m.locale, orgName: org.name, alerts: theirs });
    for (const a of theirs) recipientsOf.get(a.id)!.push(key);
  }

  const failedKeys = new Set<string>();
  let mailed = 0;
  for (const [key, r] of recipients) {
    try {
      await ctx.mailer.send(digest(r, (id) => tenants.get(id)?.name ?? id, ctx.publicUrl));
      mailed++;
    } catch (err) {
      failedKeys.add(key);
      log(`alert mail to ${r.principal.email} failed, ${r.alerts.length} alert(s) will be tried again: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const now = ctx.now();
  const giveUpBefore = now.getTime() - (options.giveUpAfterMs ?? DAY_MS);
  const done: string[] = [];
  for (const a of alerts) {
    const keys = recipientsOf.get(a.id)!;
    if (keys.length === 0) {
      const why = owners.has(a.tenantId) ? 'nobody who may see the company is to be told' : 'no organisation owns the company';
      log(`alert ${a.id} (${a.kind}) of company ${a.tenantId} marked notified with no one mailed: ${why}`);
      done.push(a.id);
    } else if (keys.every((k) => !failedKeys.has(k))) {
      done.push(a.id);
    } else if (Date.parse(a.createdAt) < giveUpBefore) {
      log(`alert ${a.id} (${a.kind}) of company ${a.tenantId} marked notified although mail to some of its recipients kept failing since ${a.createdAt}`);
      done.push(a.id);
    }
  }
  const marked = await markAlertsNotified(db, done, now);
  return { mailed, alerts: marked, failed: failedKeys.size };
}

/** Administrators and users hear about every alert; read-only members only about critical ones. */
function wants(principal: Principal, alert: Alert): boolean {
  return can(principal, 'browse') && (can(principal, 'operate') || alert.severity === 'critical');
}

function digest(r: Recipient, companyName: (tenantId: string) => string, publicUrl: string): { to: string; subject: string; text: string } {
  const base = publicUrl.replace(/\/+$/, '');
  const t = mailText(r.locale);
  const a = alertText(r.locale);
  const count = r.alerts.length;
  // Names come from users; a header must stay on one line whatever the mailer does with it.
  const org = r.orgName.replace(/\s+/g, ' ').trim();
  const subject = count === 1 ? t('subjectOne', { org }) : t('subjectMany', { org, count });
  const items = r.alerts.map((alert, i) => {
    const company = companyName(alert.tenantId);
    const lines = [
      `${i + 1}. ${company}: ${alertTitle(r.locale, alert)} (${a(alert.severity)})`,
      formatDateTime(r.locale, alert.createdAt),
      ...explanation(r.locale, alert),
      t('link', { company, url: `${base}/companies/${encodeURIComponent(alert.tenantId)}/alerts` }),
    ];
    return lines.map((line, n) => (n === 0 ? line : `   ${line}`)).join('\n');
  });
  const text = [
    t('greeting', { name: r.name }),
    count === 1 ? t('introOne', { org }) : t('introMany', { org, count }),
    ...items,
    t('footer', { org, url: `${base}/alerts` }),
  ].join('\n\n');
  return { to: r.principal.email, subject, text: `${text}\n` };
}

/**
 * What happened, as the alerts page says it. Of changed bank details only the fields are named, not the
 * old and new account numbers: those stay behind the signed-in page.
 */
function explanation(locale: Locale, alert: Alert): string[] {
  const a = alertText(locale);
  switch (alert.kind) {
    case 'backup_failed':
      return [a('failedText', { message: alert.details.message })];
    case 'reconnect_needed':
      return [a('reconnectText'), ...(alert.details.reason === null ? [] : [a('reconnectReason', { reason: alert.details.reason })])];
    case 'supplier_bank_changed':
      return [
        a('supplier', { name: alert.details.name, number: alert.details.supplierNumber }),
        mailText(locale)('changedFields', { fields: alert.details.changes.map((c) => c.field).join(', ') }),
        a('fraudWarning'),
      ];
    case 'deletion_scheduled':
      return [a('deletionText', { noticeEndsAt: formatDateTime(locale, alert.details.noticeEndsAt), deletionDueAt: formatDateTime(locale, alert.details.deletionDueAt) })];
    case 'mass_deletion':
      return [a('massText', { deleted: formatNumber(locale, alert.details.deleted), before: formatNumber(locale, alert.details.before), dataset: alert.details.dataset })];
    default:
      return [];
  }
}

export interface AlertNotifier {
  /** Runs now (after a run already under way); runs never overlap. */
  runOnce(): Promise<NotifyResult>;
  /** Stops the timer and waits for a run under way. */
  stop(): Promise<void>;
}

/**
 * Runs `notifyAlerts` every `intervalMs` (default a minute; 0: only when `runOnce` is called), each run
 * after the previous one ended. A run that throws (the database away) is logged and retried next time.
 * Within one process runs never overlap; two processes on one database could mail an alert twice.
 */
export function startAlertNotifier(ctx: NotifyContext, options: NotifyOptions & { intervalMs?: number } = {}): AlertNotifier {
  return startPeriodic('alert notifications', () => notifyAlerts(ctx, options), { intervalMs: options.intervalMs ?? 60_000, log: ctx.log ?? (() => undefined) });
}
