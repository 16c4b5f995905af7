import type { FastifyInstance } from 'fastify';
import { openApp, type AppContext, type AppOptions } from '../app.ts';
import type { Config } from '../config.ts';
import { fortnoxApp } from '../tenants/index.ts';
import { startBackupService, type BackupService } from '../jobs/index.ts';
import { startAlertNotifier, type AlertNotifier } from '../alerts/notify.ts';
import { startDeletionJob, type DeletionScheduler } from '../lifecycle/deletion-job.ts';
import { createMailer } from '../mail/mail-config.ts';
import type { Mailer } from '../mail/mailer.ts';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import type { FortnoxApp } from '../fortnox/db-token-store.ts';
import type { Argon2Options } from '../accounts/passwords.ts';
import type { WebContext } from './context.ts';
import { buildServer } from './server.ts';

export interface WebServer {
  readonly url: string;
  readonly app: AppContext;
  readonly server: FastifyInstance;
  readonly backups: BackupService;
  readonly context: WebContext;
  /** The built-in Fortnox simulator in demo mode. */
  readonly simulator: RunningSimulator | undefined;
  /** Mails new alerts every minute; undefined when started with `notify: false`. */
  readonly notifier: AlertNotifier | undefined;
  /** Deletes, every hour, the companies whose deletion is due; undefined when started with `schedule: false`. */
  readonly deletions: DeletionScheduler | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Demo mode: Fortnox is a built-in simulator with two companies and an empty one to restore into. */
  readonly demo?: boolean;
  /** Demo mode: shortens the simulator's (and our limiter's) 5-second rate window by this factor. */
  readonly timeScale?: number;
  /** Run the nightly scheduler and the hourly deletion job (default true; tests queue backups and run deletions by hand). */
  readonly schedule?: boolean;
  /** Mail new alerts to the members who should hear of them (default true; tests run `notifyAlerts` themselves). */
  readonly notify?: boolean;
  readonly log?: (line: string) => void;
  readonly mailer?: Mailer;
  readonly appOptions?: AppOptions;
  readonly passwordCost?: Argon2Options;
  readonly now?: () => Date;
  readonly logger?: boolean;
}

/**
 * `noxbackup serve` (and `npm start`): the web app, the backup queue and the nightly scheduler in one
 * process on the embedded defaults, or against PostgreSQL and S3 when configured.
 */
export async function startWebServer(config: Config, options: StartOptions = {}): Promise<WebServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  let simulator: RunningSimulator | undefined;
  let fortnox: FortnoxApp | undefined;
  let appOptions: AppOptions = options.appOptions ?? {};
  if (options.demo === true) {
    const timeScale = options.timeScale ?? 20;
    simulator = await startSimulator({ size: 'small', companies: 2, emptyCompanies: 1, timeScale });
    fortnox = fortnoxApp({ apiUrl: simulator.apiUrl, authUrl: simulator.authUrl, clientId: simulator.clientId, clientSecret: simulator.clientSecret });
    appOptions = { ...appOptions, fortnox: { rateLimit: 25, rateWindowMs: 5000 / timeScale, ...appOptions.fortnox } };
    log(`Fortnox simulator at ${simulator.url}: ${simulator.tenants.map((t) => `${t.name} (${t.tenantId})`).join(', ')}`);
  } else if (config.fortnox.clientId !== undefined && config.fortnox.clientSecret !== undefined) {
    fortnox = fortnoxApp({ apiUrl: config.fortnox.apiUrl, authUrl: config.fortnox.authUrl, clientId: config.fortnox.clientId, clientSecret: config.fortnox.clientSecret });
  } else {
    log('FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET are not set: companies cannot be connected (start with --demo to use the simulator).');
  }
  const app = await openApp(config, appOptions);
  let backups: BackupService | undefined;
  try {
    backups = await startBackupService(app, { ...(options.schedule === false ? { tickMs: 0 } : {}), ...(options.now === undefined ? {} : { now: options.now }) });
    // With port 0 (tests) the address is known only after listening: the context reads it then.
    let publicUrl = config.web.publicUrl;
    const context: WebContext = {
      app,
      mailer: options.mailer ?? createMailer(config.mail, log),
      queue: backups.queue,
      scheduler: backups.scheduler,
      get publicUrl() {
        return publicUrl;
      },
      cookieSecure: config.web.cookieSecure,
      fortnox,
      demo: options.demo === true,
      now: options.now ?? (() => new Date()),
      ...(options.passwordCost === undefined ? {} : { passwordCost: options.passwordCost }),
    };
    const server = await buildServer(context, { logger: options.logger ?? false });
    const address = await server.listen({ host: config.web.host, port: config.web.port });
    if (config.web.port === 0 && config.web.publicUrlSet !== true) publicUrl = address.replace('0.0.0.0', '127.0.0.1');
    const url = config.web.port === 0 ? address.replace('0.0.0.0', '127.0.0.1') : publicUrl;
    const running = backups;
    const notifier = options.notify === false ? undefined : startAlertNotifier({ db: app.db, mailer: context.mailer, get publicUrl() { return context.publicUrl; }, now: context.now, log });
    // A company with a backup (or a restore's undo backup) in the queue waits for the next hour.
    const deletions = options.schedule === false ? undefined : startDeletionJob(app, { mailer: context.mailer, publicUrl: () => context.publicUrl, now: context.now, log, busy: async (tenantId) => (await running.queue.pending(tenantId)).length > 0 });
    return {
      url,
      app,
      server,
      backups: running,
      context,
      simulator,
      notifier,
      deletions,
      close: async () => {
        await server.close();
        await notifier?.stop();
        await deletions?.stop();
        await running.stop();
        await app.close();
        await simulator?.close();
      },
    };
  } catch (err) {
    await backups?.stop();
    await app.close();
    await simulator?.close();
    throw err;
  }
}
