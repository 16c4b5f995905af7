import type { Argon2Options } from '../accounts/passwords.ts';
import type { AppContext } from '../app.ts';
import type { FortnoxApp } from '../fortnox/db-token-store.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { Scheduler } from '../jobs/index.ts';

/** What the web layer is built on: the same services as the CLI, plus mail and the job queue. */
export interface WebContext {
  readonly app: AppContext;
  readonly mailer: Mailer;
  /** Where manual backups are queued (the server's backup service). */
  readonly queue: JobQueue;
  /** The nightly scheduler, for "next run" on the dashboards. */
  readonly scheduler: Scheduler | undefined;
  /** The address users reach us at, for links in e-mails and the OAuth redirect URI (no trailing slash). */
  readonly publicUrl: string;
  /** Secure cookies (HTTPS). Off only for plain-HTTP development on localhost. */
  readonly cookieSecure: boolean;
  /** Our app at Fortnox (or the simulator's in demo mode); undefined: connecting companies is not configured. */
  readonly fortnox: FortnoxApp | undefined;
  /** Demo mode: Fortnox is the built-in simulator. */
  readonly demo: boolean;
  readonly now: () => Date;
  /** argon2id cost (tests lower it); default OWASP's minimum. */
  readonly passwordCost?: Argon2Options;
}
