import type { Command } from './command.ts';
import { parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, TENANT_OPTION, printJson, shortId, table, withApp } from './app-command.ts';
import { NoxError, UsageError } from '../errors.ts';
import { recordHistory } from '../db/index.ts';
import { resolveTenant } from '../tenants/list.ts';

const USAGE = `Usage: noxbackup history DATASET KEY [--tenant T] [--json]

Every version of one record, oldest first, with the first and last snapshot holding it. A gap between
versions means the record was deleted and created again.
  e.g. noxbackup history customers 1001;  noxbackup history vouchers 3/A/17
  --tenant T   our tenant id, the Fortnox tenant id, or a unique name prefix (default: the only tenant)
${COMMON_HELP}`;

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values, positionals } = parseCommandArgs('history', args, { ...APP_OPTIONS, ...TENANT_OPTION }, true);
    if (positionals.length !== 2) throw new UsageError('history: expected DATASET KEY. See `noxbackup history --help`.');
    const [dataset, key] = positionals as [string, string];
    return withApp(values['data-dir'], async (app) => {
      const tenant = await resolveTenant(app, values.tenant);
      const versions = await recordHistory(app.db, tenant.id, dataset, key);
      if (versions.length === 0) {
        throw new NoxError('RECORD_UNKNOWN', `${tenant.name} has no record ${dataset}/${key} in any snapshot`, { exitCode: 1, details: { dataset, key } });
      }
      if (values.json === true) {
        printJson({ tenant: { id: tenant.id, name: tenant.name }, dataset, key, versions });
        return 0;
      }
      const rows = [['VERSION', 'BLOB', 'FROM SNAPSHOT', 'FROM', 'TO SNAPSHOT', 'TO']];
      versions.forEach((v, i) => {
        const gap = i > 0 && versions[i - 1]!.lastSeq !== null && v.firstSeq > versions[i - 1]!.lastSeq! + 1;
        if (gap) rows.push(['', '(deleted)', '', '', '', '']);
        rows.push([String(i + 1), shortId(v.blobId), shortId(v.firstSnapshot.snapshotId), v.firstSnapshot.createdAt, shortId(v.lastSnapshot.snapshotId), v.lastSeq === null ? 'current' : v.lastSnapshot.createdAt]);
      });
      const last = versions.at(-1)!;
      console.log(`${dataset}/${key} of ${tenant.name}\n`);
      console.log(table(rows));
      if (last.lastSeq !== null) console.log(`\nDeleted after snapshot ${shortId(last.lastSnapshot.snapshotId)}; its last version stays restorable.`);
      console.log(`\nShow a version with \`noxbackup show SNAPSHOT ${dataset} ${key}\`.`);
      return 0;
    });
  },
};
