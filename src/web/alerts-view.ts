import type { Alert } from '../db/alerts.ts';
import type { AlertSeverity } from '../db/index.ts';
import { alertText, alertTitle } from '../alerts/wording.ts';
import { fieldLabel } from './field-labels.ts';
import { html, type SafeHtml } from './html.ts';
import { formatDateTime, formatNumber, type Locale } from '../i18n.ts';

const BADGE: Readonly<Record<AlertSeverity, string>> = { critical: 'bad', warning: 'warn', info: 'info' };

/** An IBAN in groups of four, as printed on invoices, so a changed digit is easier to spot. */
function bankValue(field: string, value: string | null): string | null {
  if (value === null || field !== 'IBAN') return value;
  return value.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
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
          <tbody>${alert.details.changes.map((c) => html`<tr><th scope="row">${fieldLabel(locale, c.field) ?? c.field}</th><td class="diff-removed">${bankValue(c.field, c.before) ?? t('empty')}</td><td class="diff-added">${bankValue(c.field, c.after) ?? t('empty')}</td></tr>`)}</tbody>
        </table></div>
        <p class="alert-warning">${t('fraudWarning')}</p>
        <p><a href="${base}/records/suppliers/${encodeURIComponent(alert.details.supplierNumber)}">${t('supplierLink')}</a></p>`;
    case 'deletion_scheduled':
      return html`<p>${t('deletionText', { noticeEndsAt: formatDateTime(locale, alert.details.noticeEndsAt), deletionDueAt: formatDateTime(locale, alert.details.deletionDueAt) })}</p><p><a href="${base}/exports">${t('deletionLink')}</a></p>`;
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
