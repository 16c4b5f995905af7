import type { Alert } from '../db/alerts.ts';
import type { AlertSeverity } from '../db/index.ts';
import { html, type SafeHtml } from './html.ts';
import { formatDateTime, formatNumber, messages, type Locale } from './i18n.ts';

export const alertText = messages(
  {
    backup_failed: 'Säkerhetskopieringen misslyckades',
    reconnect_needed: 'Fortnox-anslutningen måste förnyas',
    supplier_bank_changed: 'Leverantörens bankuppgifter har ändrats',
    mass_deletion: 'Många poster raderades',
    unknown: 'Larm',
    critical: 'Kritiskt',
    warning: 'Varning',
    info: 'Information',
    failedText: 'Den senaste säkerhetskopieringen gick inte igenom: {message}',
    failedLink: 'Till företaget',
    reconnectText: 'Noxbackup kommer inte längre åt företaget i Fortnox. Någon med behörighet i Fortnox behöver ansluta det igen.',
    reconnectReason: 'Orsak: {reason}',
    reconnectLink: 'Förnya anslutningen',
    supplier: 'Leverantör: {name} ({number})',
    fieldCol: 'Uppgift',
    beforeCol: 'Före',
    afterCol: 'Efter',
    changesCaption: 'Ändrade bankuppgifter',
    empty: '(tom)',
    fraudWarning: 'Kontrollera ändringen med leverantören via ett känt telefonnummer innan ni betalar. Ändrade bankuppgifter är ett vanligt sätt att lura företag att betala till bedragare.',
    supplierLink: 'Visa leverantören och ändringen',
    massText: '{deleted} av {before} poster i {dataset} raderades sedan förra säkerhetskopian.',
    massLink: 'Visa säkerhetskopiorna',
    resolved: 'Åtgärdat {at}',
    acknowledged: 'Kvitterat {at}',
    acknowledge: 'Kvittera',
    company: 'Företag',
  },
  {
    backup_failed: 'The backup failed',
    reconnect_needed: 'The Fortnox connection must be renewed',
    supplier_bank_changed: 'A supplier\'s bank details changed',
    mass_deletion: 'Many records were deleted',
    unknown: 'Alert',
    critical: 'Critical',
    warning: 'Warning',
    info: 'Information',
    failedText: 'The latest backup did not go through: {message}',
    failedLink: 'Go to the company',
    reconnectText: 'Noxbackup can no longer reach the company in Fortnox. Someone with permission in Fortnox needs to connect it again.',
    reconnectReason: 'Reason: {reason}',
    reconnectLink: 'Renew the connection',
    supplier: 'Supplier: {name} ({number})',
    fieldCol: 'Detail',
    beforeCol: 'Before',
    afterCol: 'After',
    changesCaption: 'Changed bank details',
    empty: '(empty)',
    fraudWarning: 'Check the change with the supplier on a telephone number you already know before you pay. Changed bank details are a common way of tricking companies into paying fraudsters.',
    supplierLink: 'Show the supplier and the change',
    massText: '{deleted} of {before} records in {dataset} were deleted since the previous backup.',
    massLink: 'Show the backups',
    resolved: 'Resolved {at}',
    acknowledged: 'Acknowledged {at}',
    acknowledge: 'Acknowledge',
    company: 'Company',
  },
);

const BADGE: Readonly<Record<AlertSeverity, string>> = { critical: 'bad', warning: 'warn', info: 'info' };

export function alertTitle(locale: Locale, alert: Alert): string {
  const t = alertText(locale);
  switch (alert.kind) {
    case 'backup_failed':
    case 'reconnect_needed':
    case 'supplier_bank_changed':
    case 'mass_deletion':
      return t(alert.kind);
    default:
      return t('unknown');
  }
}

/** The alert's explanation and its links, by kind. */
function alertBody(locale: Locale, alert: Alert): SafeHtml {
  const t = alertText(locale);
  const base = `/companies/${encodeURIComponent(alert.tenantId)}`;
  switch (alert.kind) {
    case 'backup_failed':
      return html`<p>${t('failedText', { message: alert.details.message })} <span class="muted">(${alert.details.code})</span></p><p><a href="${base}">${t('failedLink')}</a></p>`;
    case 'reconnect_needed':
      return html`<p>${t('reconnectText')}</p>${alert.details.reason === null ? '' : html`<p class="muted">${t('reconnectReason', { reason: alert.details.reason })}</p>`}<p><a class="button secondary" href="${base}#reconnect-h">${t('reconnectLink')}</a></p>`;
    case 'supplier_bank_changed':
      return html`<p>${t('supplier', { name: alert.details.name, number: alert.details.supplierNumber })}</p>
        <div class="table-wrap"><table><caption>${t('changesCaption')}</caption>
          <thead><tr><th scope="col">${t('fieldCol')}</th><th scope="col">${t('beforeCol')}</th><th scope="col">${t('afterCol')}</th></tr></thead>
          <tbody>${alert.details.changes.map((c) => html`<tr><th scope="row">${c.field}</th><td class="diff-removed">${c.before ?? t('empty')}</td><td class="diff-added">${c.after ?? t('empty')}</td></tr>`)}</tbody>
        </table></div>
        <p class="alert-warning">${t('fraudWarning')}</p>
        <p><a href="${base}/records/suppliers/${encodeURIComponent(alert.details.supplierNumber)}">${t('supplierLink')}</a></p>`;
    case 'mass_deletion':
      return html`<p>${t('massText', { deleted: formatNumber(locale, alert.details.deleted), before: formatNumber(locale, alert.details.before), dataset: alert.details.dataset })}</p><p><a href="${base}/snapshots">${t('massLink')}</a></p>`;
    default:
      return html``;
  }
}

export interface AlertItemOptions {
  readonly locale: Locale;
  readonly companyName: string;
  /** Render the acknowledge form (the caller checked the `operate` permission). */
  readonly canAcknowledge: boolean;
  readonly csrf: SafeHtml;
  /** Where the acknowledge form returns to. */
  readonly next: string;
  readonly headingLevel: 2 | 3;
}

export function alertItem(alert: Alert, options: AlertItemOptions): SafeHtml {
  const { locale } = options;
  const t = alertText(locale);
  const title = alertTitle(locale, alert);
  const heading = options.headingLevel === 2 ? html`<h2>${title}</h2>` : html`<h3>${title}</h3>`;
  const closed = alert.resolvedAt !== null || alert.acknowledgedAt !== null;
  return html`<li class="alert ${alert.kind}">
    <div class="alert-head">
      <span class="badge ${closed ? 'ok' : BADGE[alert.severity]}">${t(alert.severity)}</span>
      ${heading}
      <a href="/companies/${encodeURIComponent(alert.tenantId)}/alerts">${options.companyName}</a>
      <time datetime="${alert.createdAt}">${formatDateTime(locale, alert.createdAt)}</time>
    </div>
    ${alertBody(locale, alert)}
    ${alert.resolvedAt === null ? '' : html`<p class="muted">${t('resolved', { at: formatDateTime(locale, alert.resolvedAt) })}</p>`}
    ${alert.acknowledgedAt === null ? '' : html`<p class="muted">${t('acknowledged', { at: formatDateTime(locale, alert.acknowledgedAt) })}</p>`}
    ${options.canAcknowledge && !closed
      ? html`<form method="post" action="/companies/${encodeURIComponent(alert.tenantId)}/alerts/${encodeURIComponent(alert.id)}/acknowledge" class="inline">${options.csrf}<input type="hidden" name="next" value="${options.next}"><button type="submit" class="button secondary">${t('acknowledge')}</button></form>`
      : ''}
  </li>`;
}
