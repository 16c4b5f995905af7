import { join } from 'node:path';
import { deepFreeze } from '../deep-freeze.ts';
import type { Mailer } from './mailer.ts';
import { OutboxMailer } from './outbox-mailer.ts';
import { SmtpMailer } from './smtp-mailer.ts';

export interface SmtpMailConfig {
  readonly kind: 'smtp';
  /** May hold credentials: never log it. */
  readonly url: string;
  readonly from: string;
}

export interface OutboxMailConfig {
  readonly kind: 'outbox';
  /** Where `.eml` files are written: `<dataDir>/outbox`. */
  readonly dir: string;
  readonly from: string;
}

export type MailConfig = SmtpMailConfig | OutboxMailConfig;

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_MAIL_FROM = 'Noxbackup <noreply@noxbackup.se>';

// `addr@domain` or `Display Name <addr@domain>`; no line breaks, which could inject headers.
const FROM = /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/;

/**
 * Reads the mail settings, adding every problem to `problems` for src/config.ts to report with its own:
 * `NOX_SMTP_URL` (optional; without it mail goes to `<dataDir>/outbox` as `.eml` files) and
 * `NOX_MAIL_FROM` (default `Noxbackup <noreply@noxbackup.se>`).
 */
export function readMailConfig(env: Env, dataDir: string, problems: string[]): MailConfig {
  const value = (name: string): string | undefined => (env[name] === undefined || env[name].trim() === '' ? undefined : env[name].trim());
  const from = value('NOX_MAIL_FROM') ?? DEFAULT_MAIL_FROM;
  if (!FROM.test(from)) {
    problems.push(`NOX_MAIL_FROM: expected an address such as "Noxbackup <noreply@example.se>" or "noreply@example.se", got ${JSON.stringify(from)}`);
  }
  const url = value('NOX_SMTP_URL');
  if (url === undefined) return deepFreeze({ kind: 'outbox', dir: join(dataDir, 'outbox'), from });
  // The URL may carry a password, so messages describe it without repeating it.
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    problems.push('NOX_SMTP_URL: expected a URL such as smtps://user:password@smtp.example.se:465 or smtp://smtp.example.se:587, got something that is not a URL');
  }
  if (parsed !== undefined) {
    if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
      problems.push(`NOX_SMTP_URL: expected the scheme smtp:// or smtps://, got ${parsed.protocol}//`);
    } else if (parsed.hostname === '') {
      problems.push('NOX_SMTP_URL: the URL names no host');
    }
  }
  return deepFreeze({ kind: 'smtp', url, from });
}

/** The mailer the configuration names; `log` receives the outbox's one line per message. */
export function createMailer(config: MailConfig, log: (line: string) => void): Mailer {
  if (config.kind === 'smtp') return new SmtpMailer({ url: config.url, from: config.from });
  return new OutboxMailer({ dir: config.dir, from: config.from, log });
}
