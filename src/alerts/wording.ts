import type { Alert } from '../db/alerts.ts';
import { messages, type Locale } from '../i18n.ts';

/** What alerts are called and say, in Swedish and English: for the web pages and the e-mails alike. */
export const alertText = messages(
  {
    backup_failed: 'Säkerhetskopieringen misslyckades',
    reconnect_needed: 'Fortnox-anslutningen måste förnyas',
    supplier_bank_changed: 'Leverantörens bankuppgifter har ändrats',
    mass_deletion: 'Många poster raderades',
    deletion_scheduled: 'Säkerhetskopiorna kommer att raderas',
    deletionText: 'Abonnemanget är uppsagt. Säkerhetskopieringen fortsätter till {noticeEndsAt}; {deletionDueAt} raderas alla säkerhetskopior av företaget för gott. Exportera det ni vill spara innan dess, eller återkalla uppsägningen.',
    deletionLink: 'Exportera',
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
    deletion_scheduled: 'The backups will be deleted',
    deletionText: 'The subscription has been terminated. Backups continue until {noticeEndsAt}; on {deletionDueAt} every backup of the company is deleted for good. Export what you want to keep before then, or withdraw the termination.',
    deletionLink: 'Export',
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

export function alertTitle(locale: Locale, alert: Alert): string {
  const t = alertText(locale);
  switch (alert.kind) {
    case 'backup_failed':
    case 'reconnect_needed':
    case 'supplier_bank_changed':
    case 'mass_deletion':
    case 'deletion_scheduled':
      return t(alert.kind);
    default:
      return t('unknown');
  }
}

