import type { Command } from './command.ts';
import { intOption, parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, TENANT_OPTION, printJson, shortId, table, withApp } from './app-command.ts';
import { listSnapshots } from '../db/index.ts';
import { resolveTenant } from '../tenants/list.ts';

const USAGE = `Usage: noxbackup snapshots [--tenant T] [--limit N] [--json]

Lists a tenant's snapshots, newest first, with how many records each holds and which data sets are incomplete.
  --tenant T   our tenant id, the Fortnox tenant id, or a unique name prefix (default: the only tenant)
  --limit N    at most N snapshots (default 50)
${COMMON_HELP}`;

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values } = parseCommandArgs('snapshots', args, { ...APP_OPTIONS, ...TENANT_OPTION, limit: { type: 'string' } });
    const limit = intOption('snapshots', 'limit', values.limit, 50, 1, 10_000);
    return withApp(values['data-dir'], async (app) => {
      const tenant = await resolveTenant(app, values.tenant);
      const snapshots = await listSnapshots(app.db, tenant.id, { limit });
      if (values.json === true) {
        printJson({ tenant: { id: tenant.id, name: tenant.name }, snapshots });
        return 0;
      }
      if (snapshots.length === 0) {
        console.log(`${tenant.name} has no snapshots yet; run \`noxbackup backup --tenant ${tenant.id}\`.`);
        return 0;
      }
      const rows = [['SNAPSHOT', 'SEQ', 'CREATED', 'RECORDS', 'INCOMPLETE']];
      for (const s of snapshots) {
        const records = s.datasets.reduce((n, d) => n + d.count, 0);
        const incomplete = s.datasets.filter((d) => !d.complete).map((d) => d.dataset);
        rows.push([shortId(s.snapshotId), String(s.seq), s.createdAt, String(records), incomplete.join(',') || '-']);
      }
      console.log(`${tenant.name} (${tenant.id})\n`);
      console.log(table(rows));
      return 0;
    });
  },
};
