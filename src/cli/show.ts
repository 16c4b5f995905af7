import { createHash } from 'node:crypto';
import type { Command } from './command.ts';
import { intOption, parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, TENANT_OPTION, printJson, resolveSnapshot, shortId, table, withApp } from './app-command.ts';
import { NoxError, UsageError } from '../errors.ts';
import { ATTACHMENT_DATASETS } from '../backup/layout.ts';
import { listRecordsAt, MAX_PAGE_SIZE } from '../db/index.ts';
import { resolveTenant } from '../tenants/list.ts';

const USAGE = `Usage: noxbackup show SNAPSHOT [DATASET [KEY]] [--tenant T] [--limit N] [--after KEY] [--search TEXT] [--raw] [--json]

  SNAPSHOT              a snapshot id or a unique prefix of it (4+ hex digits), or "latest"
  show SNAPSHOT         the snapshot: per data set its record count and whether it is complete
  show SNAPSHOT DATASET one page of the data set's record keys (--limit, default 50; --after KEY for the next page;
                        --search TEXT keeps keys containing TEXT)
  show SNAPSHOT DATASET KEY   the record's JSON as Fortnox sent it; for files, PDFs and SIE files their size and
                        SHA-256 (--raw writes the bytes to stdout)
  --tenant T            our tenant id, the Fortnox tenant id, or a unique name prefix (default: the only tenant)
${COMMON_HELP}`;

const ATTACHMENTS = new Set<string>(ATTACHMENT_DATASETS);

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values, positionals } = parseCommandArgs(
      'show',
      args,
      { ...APP_OPTIONS, ...TENANT_OPTION, limit: { type: 'string' }, after: { type: 'string' }, search: { type: 'string' }, raw: { type: 'boolean' } },
      true,
    );
    if (positionals.length < 1 || positionals.length > 3) throw new UsageError('show: expected SNAPSHOT [DATASET [KEY]]. See `noxbackup show --help`.');
    const [ref, dataset, key] = positionals as [string, string | undefined, string | undefined];
    const limit = intOption('show', 'limit', values.limit, 50, 1, MAX_PAGE_SIZE);
    const json = values.json === true;
    return withApp(values['data-dir'], async (app) => {
      const tenant = await resolveTenant(app, values.tenant);
      const snap = await resolveSnapshot(app, tenant, ref);
      if (dataset === undefined) {
        if (json) printJson({ tenant: { id: tenant.id, name: tenant.name }, snapshot: snap });
        else {
          console.log(`Snapshot ${snap.snapshotId}\n  tenant  ${tenant.name} (${tenant.id})\n  seq     ${snap.seq}\n  created ${snap.createdAt}\n  run     ${snap.runId ?? '-'}\n`);
          console.log(table([['DATA SET', 'RECORDS', 'COMPLETE'], ...snap.datasets.map((d) => [d.dataset, String(d.count), d.complete ? 'yes' : 'NO (last known versions shown for the rest)'])]));
        }
        return 0;
      }
      const known = snap.datasets.find((d) => d.dataset === dataset);
      if (known === undefined) {
        throw new NoxError('DATASET_UNKNOWN', `Snapshot ${shortId(snap.snapshotId)} has no data set ${JSON.stringify(dataset)}; it has ${snap.datasets.map((d) => d.dataset).join(', ')}`, { exitCode: 2 });
      }
      if (key === undefined) {
        const page = await listRecordsAt(app.db, tenant.id, snap.snapshotId, dataset, { limit, after: values.after, search: values.search });
        if (json) printJson({ snapshot: snap.snapshotId, dataset, count: known.count, complete: known.complete, records: page.records, nextAfter: page.nextAfter ?? null });
        else {
          console.log(`${dataset} in snapshot ${shortId(snap.snapshotId)}: ${known.count} records${known.complete ? '' : ' (incomplete)'}\n`);
          console.log(table([['KEY', 'BLOB', 'SINCE SEQ'], ...page.records.map((r) => [r.key, shortId(r.blobId), String(r.sinceSeq)])]));
          if (page.nextAfter !== undefined) console.log(`\nMore: noxbackup show ${ref} ${dataset} --after ${JSON.stringify(page.nextAfter)}`);
        }
        return 0;
      }
      const repo = await app.repositoryFor(tenant.id);
      if (ATTACHMENTS.has(dataset)) {
        const stream = await repo.readAttachment(snap.snapshotId, dataset, key).catch((err: unknown) => notFound(err, dataset, key));
        if (values.raw === true) {
          for await (const chunk of stream) process.stdout.write(chunk as Buffer);
          return 0;
        }
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of stream) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        const info = { snapshot: snap.snapshotId, dataset, key, size, sha256: hash.digest('hex') };
        if (json) printJson(info);
        else console.log(`${dataset}/${key}: ${size} bytes, SHA-256 ${info.sha256}. Write the bytes with --raw > FILE.`);
        return 0;
      }
      const record = await repo.readRecord(snap.snapshotId, dataset, key).catch((err: unknown) => notFound(err, dataset, key));
      console.log(JSON.stringify(record, null, 2));
      return 0;
    });
  },
};

function notFound(err: unknown, dataset: string, key: string): never {
  if ((err as { code?: string }).code === 'REPO_RECORD_NOT_FOUND') {
    throw new NoxError('RECORD_UNKNOWN', `No record ${JSON.stringify(key)} in ${dataset} of this snapshot; list the keys with \`noxbackup show SNAPSHOT ${dataset}\``, { exitCode: 1, cause: err });
  }
  throw err;
}
