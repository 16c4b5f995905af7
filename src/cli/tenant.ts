import type { Command } from './command.ts';
import { intOption, parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, printJson, table, withApp } from './app-command.ts';
import { UsageError } from '../errors.ts';
import { addServiceAccountTenant, addSimulatorTenant, fortnoxApp, listTenants, startOAuthConnect, type ConnectedTenant } from '../tenants/index.ts';

const USAGE = `Usage:
  noxbackup tenant add --simulator URL [--tenant-id N]
  noxbackup tenant add --client-id ID --client-secret S --tenant-id N [--api-url URL] [--auth-url URL]
  noxbackup tenant add --oauth --client-id ID --client-secret S [--port P] [--service] [--api-url URL] [--auth-url URL]
  noxbackup tenant list [--json]

Connects a Fortnox company (a tenant) or lists the connected ones.
  --simulator URL      a Fortnox simulator (\`noxbackup simulator\`); --tenant-id picks a company (default: the first)
  --client-id/--client-secret  the Fortnox app's credentials (default $FORTNOX_CLIENT_ID / $FORTNOX_CLIENT_SECRET)
  --tenant-id N        the company's Fortnox tenant id (DatabaseNumber); with credentials: a service account
  --oauth              connect in the browser: prints a URL, waits on 127.0.0.1:PORT/callback for the answer
  --port P             the redirect port registered for the app (default 8765; 0 = any free port)
  --service            with --oauth: ask for a service-account consent (recommended)
  --api-url/--auth-url Fortnox's endpoints (default https://api.fortnox.se and https://apps.fortnox.se)
${COMMON_HELP}`;

const OPTIONS = {
  ...APP_OPTIONS,
  simulator: { type: 'string' },
  'tenant-id': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'api-url': { type: 'string' },
  'auth-url': { type: 'string' },
  oauth: { type: 'boolean' },
  service: { type: 'boolean' },
  port: { type: 'string' },
} as const;

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values, positionals } = parseCommandArgs('tenant', args, OPTIONS, true);
    const [sub, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`tenant: unexpected ${JSON.stringify(extra.join(' '))}. See \`noxbackup tenant --help\`.`);
    if (sub === 'list') return list(values['data-dir'], values.json === true);
    if (sub === 'add') return add(values);
    throw new UsageError(`tenant: expected \`add\` or \`list\`${sub === undefined ? '' : `, got ${JSON.stringify(sub)}`}. See \`noxbackup tenant --help\`.`);
  },
};

async function list(dataDir: string | undefined, json: boolean): Promise<number> {
  return withApp(dataDir, async (app) => {
    const tenants = await listTenants(app);
    if (json) {
      printJson(tenants);
      return 0;
    }
    if (tenants.length === 0) {
      console.log('No companies connected yet. Connect one with `noxbackup tenant add` (see --help).');
      return 0;
    }
    const rows = [['TENANT', 'NAME', 'ORG NR', 'FORTNOX', 'CONNECTION', 'LAST BACKUP']];
    for (const t of tenants) {
      const last = t.lastRun === null ? 'never' : `${t.lastRun.status} ${t.lastRun.finishedAt ?? '(running)'}`;
      const connection = t.connection === 'ok' ? `ok (${t.authMode === 'service_account' ? 'service account' : 'OAuth'})` : t.connection === 'reconnect_needed' ? 'RECONNECT NEEDED' : t.connection;
      rows.push([t.id, t.name, t.orgNumber ?? '', t.fortnoxTenantId ?? '', connection, last]);
    }
    console.log(table(rows));
    if (tenants.some((t) => t.connection === 'reconnect_needed')) {
      console.log('\nA company marked RECONNECT NEEDED has withdrawn the consent; connect it again with `noxbackup tenant add`.');
    }
    return 0;
  });
}

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

async function add(v: Values): Promise<number> {
  if (v.simulator !== undefined && v.oauth === true) throw new UsageError('tenant add: choose one of --simulator, --oauth or a service account. See `noxbackup tenant add --help`.');
  return withApp(v['data-dir'], async (app) => {
    let connected: ConnectedTenant;
    if (v.simulator !== undefined) {
      connected = await addSimulatorTenant(app, v.simulator, {
        ...(v['tenant-id'] === undefined ? {} : { fortnoxTenantId: v['tenant-id'] }),
        ...(v['client-secret'] === undefined ? {} : { clientSecret: v['client-secret'] }),
      });
    } else {
      const clientId = v['client-id'] ?? app.config.fortnox.clientId;
      const clientSecret = v['client-secret'] ?? app.config.fortnox.clientSecret;
      if (clientId === undefined || clientSecret === undefined) {
        throw new UsageError('tenant add: --client-id and --client-secret (or FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET) are needed, or --simulator URL. See `noxbackup tenant add --help`.');
      }
      const fortnox = fortnoxApp({ apiUrl: v['api-url'], authUrl: v['auth-url'], clientId, clientSecret });
      if (v.oauth === true) {
        const port = intOption('tenant add', 'port', v.port, 8765, 0, 65535);
        const flow = await startOAuthConnect(app, fortnox, { port, service: v.service === true });
        console.error(`Open this address in a browser where an administrator of the company is logged in to Fortnox:\n\n  ${flow.url}\n\nWaiting for Fortnox to redirect to ${flow.redirectUri} …`);
        connected = await flow.result;
      } else {
        if (v['tenant-id'] === undefined) throw new UsageError('tenant add: a service account needs --tenant-id N (the company\'s Fortnox tenant id); or use --oauth. See `noxbackup tenant add --help`.');
        connected = await addServiceAccountTenant(app, fortnox, v['tenant-id']);
      }
    }
    const t = connected.tenant;
    if (v.json === true) {
      printJson({ id: t.id, name: t.name, orgNumber: t.orgNumber, fortnoxTenantId: connected.fortnoxTenantId, mode: connected.mode, reconnected: connected.reconnected });
    } else {
      console.log(`${connected.reconnected ? 'Reconnected' : 'Connected'} ${t.name}${t.orgNumber === null ? '' : ` (${t.orgNumber})`}, Fortnox tenant ${connected.fortnoxTenantId}, as tenant ${t.id}.`);
      console.log(`Back it up now with \`noxbackup backup --tenant ${t.id}\`.`);
    }
    return 0;
  });
}
