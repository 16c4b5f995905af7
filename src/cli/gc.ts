import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './command.ts';
import { parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, TENANT_OPTION, printJson, withApp } from './app-command.ts';
import { UsageError } from '../errors.ts';
import { listTenants } from '../db/index.ts';
import { collectGarbage, type GcReport } from '../repository/gc.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { resolveTenant } from '../tenants/list.ts';

const USAGE = `Usage: noxbackup gc [--tenant T | --all] [--grace-hours H] [--dry-run] [--json]

Removes repository objects no snapshot needs, under the repository's GC lock, in two phases a grace
period apart (objects are first condemned, and deleted by a later run), plus temporary files left by
interrupted writes and sorts.
  --tenant T        one tenant (default: the only tenant);  --all  every tenant
  --grace-hours H   the grace period; must exceed the longest backup run (default 24)
  --dry-run         report what would be condemned and deleted, change nothing
${COMMON_HELP}`;

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values } = parseCommandArgs('gc', args, { ...APP_OPTIONS, ...TENANT_OPTION, all: { type: 'boolean' }, 'grace-hours': { type: 'string' }, 'dry-run': { type: 'boolean' } });
    if (values.all === true && values.tenant !== undefined) throw new UsageError('gc: give --tenant or --all, not both');
    const graceHours = values['grace-hours'] === undefined ? 24 : Number(values['grace-hours']);
    if (!Number.isFinite(graceHours) || graceHours < 0) throw new UsageError(`gc: --grace-hours must be a number of hours ≥ 0, got ${JSON.stringify(values['grace-hours'])}`);
    const graceMs = graceHours * 3600_000;
    const dryRun = values['dry-run'] === true;
    return withApp(values['data-dir'], async (app) => {
      const tenants = values.all === true ? (await listTenants(app.db)).filter((t) => t.status !== 'deleted') : [await resolveTenant(app, values.tenant)];
      const reports: { tenantId: string; name: string; report: GcReport }[] = [];
      for (const t of tenants) {
        const repo = await app.repositoryFor(t.id);
        reports.push({ tenantId: t.id, name: t.name, report: await collectGarbage(repo, { graceMs, dryRun }) });
      }
      // Temp files belong to writes that may still be running: never younger than a day, whatever the grace.
      const tempAge = Math.max(graceMs, 24 * 3600_000);
      const tempFiles = dryRun ? 0 : app.store instanceof FsObjectStore ? await app.store.removeStaleTempFiles({ olderThanMs: tempAge }) : 0;
      const sortDirs = dryRun ? 0 : await removeStaleSortDirs(tempAge);
      if (values.json === true) {
        printJson({ dryRun, graceHours, tenants: reports, removedTempFiles: tempFiles, removedSortDirs: sortDirs });
        return 0;
      }
      for (const { name, tenantId, report: r } of reports) {
        console.log(`${name} (${tenantId}): ${r.snapshots} snapshots, ${r.packs} packs; ${dryRun ? 'would condemn' : 'condemned'} ${r.condemned.length}, ${dryRun ? 'would delete' : 'deleted'} ${r.deleted.length}, spared ${r.spared.length}.`);
      }
      if (!dryRun) console.log(`Removed ${tempFiles} stale temporary files and ${sortDirs} stale sort directories.`);
      return 0;
    });
  },
};

/** Spill directories of snapshot writers that died (the repository's entry sorter names them so). */
async function removeStaleSortDirs(olderThanMs: number): Promise<number> {
  const dir = tmpdir();
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('noxbackup-sort-')) continue;
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s !== undefined && Date.now() - s.mtimeMs > olderThanMs) {
      await rm(join(dir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
