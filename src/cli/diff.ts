import type { Command } from './command.ts';
import { intOption, parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, TENANT_OPTION, printJson, resolveSnapshot, shortId, withApp } from './app-command.ts';
import { diffJson, type FieldChange } from './json-diff.ts';
import { UsageError } from '../errors.ts';
import { ATTACHMENT_DATASETS } from '../backup/layout.ts';
import { diffSnapshots } from '../db/index.ts';
import { resolveTenant } from '../tenants/list.ts';

const USAGE = `Usage: noxbackup diff SNAP_A SNAP_B [DATASET] [--tenant T] [--max-fields N] [--json]

What changed from SNAP_A to SNAP_B (ids, unique prefixes, or "latest"): records added, removed and changed,
and for changed records which fields changed (old → new).
  --max-fields N   field diffs for at most N changed records (default 200; the rest are listed by key)
  --tenant T       our tenant id, the Fortnox tenant id, or a unique name prefix (default: the only tenant)
${COMMON_HELP}`;

const ATTACHMENTS = new Set<string>(ATTACHMENT_DATASETS);

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values, positionals } = parseCommandArgs('diff', args, { ...APP_OPTIONS, ...TENANT_OPTION, 'max-fields': { type: 'string' } }, true);
    if (positionals.length < 2 || positionals.length > 3) throw new UsageError('diff: expected SNAP_A SNAP_B [DATASET]. See `noxbackup diff --help`.');
    const [refA, refB, dataset] = positionals as [string, string, string | undefined];
    const maxFields = intOption('diff', 'max-fields', values['max-fields'], 200, 0, 1_000_000);
    return withApp(values['data-dir'], async (app) => {
      const tenant = await resolveTenant(app, values.tenant);
      const a = await resolveSnapshot(app, tenant, refA);
      const b = await resolveSnapshot(app, tenant, refB);
      const diff = await diffSnapshots(app.db, tenant.id, a.snapshotId, b.snapshotId, dataset);
      const repo = await app.repositoryFor(tenant.id);
      let budget = maxFields;
      const changed: { dataset: string; key: string; fromBlobId: string; toBlobId: string; fields?: FieldChange[] }[] = [];
      for (const c of diff.changed) {
        if (budget > 0 && !ATTACHMENTS.has(c.dataset)) {
          budget--;
          const [from, to] = await Promise.all([repo.readRecord(a.snapshotId, c.dataset, c.key), repo.readRecord(b.snapshotId, c.dataset, c.key)]);
          changed.push({ ...c, fields: diffJson(from, to) });
        } else changed.push(c);
      }
      if (values.json === true) {
        printJson({ tenant: { id: tenant.id, name: tenant.name }, from: diff.from, to: diff.to, dataset: dataset ?? null, added: diff.added, changed, removed: diff.removed });
        return 0;
      }
      console.log(`${tenant.name}: ${shortId(a.snapshotId)} (${a.createdAt}) → ${shortId(b.snapshotId)} (${b.createdAt})${dataset === undefined ? '' : `, ${dataset}`}`);
      console.log(`${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed\n`);
      for (const r of diff.added) console.log(`+ ${r.dataset}/${r.key}`);
      for (const r of diff.removed) console.log(`- ${r.dataset}/${r.key}`);
      for (const c of changed) {
        console.log(`~ ${c.dataset}/${c.key}`);
        for (const f of c.fields ?? []) {
          console.log(`    ${f.path}: ${'from' in f ? show(f.from) : '(none)'} → ${'to' in f ? show(f.to) : '(removed)'}`);
        }
      }
      return 0;
    });
  },
};

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}
