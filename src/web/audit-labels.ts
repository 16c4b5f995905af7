import type { Locale } from '../i18n.ts';

/** What each audited action is called on the audit page; unknown actions show their code. */
const LABELS: Readonly<Record<string, Readonly<Record<Locale, string>>>> = {
  'login': { sv: 'Loggade in', en: 'Signed in' },
  'login.failed': { sv: 'Misslyckad inloggning', en: 'Failed sign-in' },
  'logout': { sv: 'Loggade ut', en: 'Signed out' },
  'org.signup': { sv: 'Skapade organisationen', en: 'Created the organisation' },
  'org.plan': { sv: 'Bytte abonnemang', en: 'Changed the plan' },
  'org.terminate': { sv: 'Sade upp abonnemanget', en: 'Terminated the subscription' },
  'org.terminate_cancel': { sv: 'Återkallade uppsägningen', en: 'Withdrew the termination' },
  'password.reset_requested': { sv: 'Begärde återställning av lösenord', en: 'Asked to reset the password' },
  'password.reset': { sv: 'Återställde lösenordet', en: 'Reset the password' },
  'user.password_changed': { sv: 'Bytte lösenord', en: 'Changed the password' },
  'user.sessions_revoked': { sv: 'Loggade ut sina andra inloggningar', en: 'Signed out their other sessions' },
  'user.two_factor_enabled': { sv: 'Slog på tvåfaktorsinloggning', en: 'Turned on two-factor sign-in' },
  'user.invite': { sv: 'Bjöd in en användare', en: 'Invited a user' },
  'invitation.revoke': { sv: 'Återkallade en inbjudan', en: 'Revoked an invitation' },
  'invitation.accept': { sv: 'Accepterade en inbjudan', en: 'Accepted an invitation' },
  'user.role': { sv: 'Ändrade en användares roll', en: 'Changed a user\'s role' },
  'user.assign': { sv: 'Ändrade en användares klientföretag', en: 'Changed a user\'s client companies' },
  'user.remove': { sv: 'Tog bort en användare', en: 'Removed a user' },
  'company.connect': { sv: 'Anslöt ett företag', en: 'Connected a company' },
  'company.connect.refused': { sv: 'Anslutning avbröts', en: 'Connection refused' },
  'backup.start': { sv: 'Startade en säkerhetskopiering', en: 'Started a backup' },
  'record.view': { sv: 'Visade en post', en: 'Viewed a record' },
  'file.download': { sv: 'Laddade ned en fil', en: 'Downloaded a file' },
  'export.create': { sv: 'Skapade en export', en: 'Created an export' },
  'export.download': { sv: 'Laddade ned en export', en: 'Downloaded an export' },
  'restore.plan': { sv: 'Planerade en återställning', en: 'Planned a restore' },
  'restore.apply': { sv: 'Genomförde en återställning', en: 'Applied a restore' },
  'company.deleted': { sv: 'Raderade företagets säkerhetskopior', en: 'Deleted the company\'s backups' },
  'certificate.view': { sv: 'Visade ett raderingsintyg', en: 'Viewed a deletion certificate' },
  'certificate.download': { sv: 'Laddade ned ett raderingsintyg', en: 'Downloaded a deletion certificate' },
  'restore.new_company.plan': { sv: 'Planerade en återställning till ett nytt företag', en: 'Planned a restore into a new company' },
  'restore.new_company.apply': { sv: 'Återställde till ett nytt företag', en: 'Restored into a new company' },
  'restore.request': { sv: 'Begärde assisterad återställning', en: 'Asked for an assisted restore' },
  'alert.acknowledge': { sv: 'Kvitterade ett larm', en: 'Acknowledged an alert' },
};

export function actionLabel(locale: Locale, action: string): string {
  return LABELS[action]?.[locale] ?? action;
}

/** The filter's choices: an action prefix and what it covers. */
export const ACTION_GROUPS: readonly { readonly prefix: string; readonly label: Readonly<Record<Locale, string>> }[] = [
  { prefix: 'login', label: { sv: 'Inloggningar', en: 'Sign-ins' } },
  { prefix: 'user.', label: { sv: 'Användare', en: 'Users' } },
  { prefix: 'invitation.', label: { sv: 'Inbjudningar', en: 'Invitations' } },
  { prefix: 'org.', label: { sv: 'Organisation och abonnemang', en: 'Organisation and subscription' } },
  { prefix: 'company.', label: { sv: 'Anslutningar', en: 'Connections' } },
  { prefix: 'backup.', label: { sv: 'Säkerhetskopiering', en: 'Backups' } },
  { prefix: 'record.', label: { sv: 'Visade poster', en: 'Records viewed' } },
  { prefix: 'file.', label: { sv: 'Filer', en: 'Files' } },
  { prefix: 'export.', label: { sv: 'Exporter', en: 'Exports' } },
  { prefix: 'restore.', label: { sv: 'Återställningar', en: 'Restores' } },
  { prefix: 'alert.', label: { sv: 'Larm', en: 'Alerts' } },
  { prefix: 'password.', label: { sv: 'Lösenord', en: 'Passwords' } },
];
