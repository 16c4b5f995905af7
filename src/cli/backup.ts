import type { Command } from './command.ts';
import { parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, TENANT_OPTION, formatBytes, printJson, shortId, table, withApp } from './app-command.ts';
import { NoxError, UsageError } from '../errors.ts';
import { ATTACHMENT_DATASETS, RECORD_DATASETS, TERMS_DATASETS } from '../backup/layout.ts';
import type { BackupProgress, BackupResult } from '../backup/index.ts';
import { backupTenant, unfinishedRun } from '../jobs/backup-job.ts';
import { resolveTenant } from '../tenants/list.ts';

const USAGE = `Usage: noxbackup backup [--tenant T] [--datasets a,b] [--resume | --new] [--json]

Backs up a tenant's Fortnox data now: a new snapshot, incremental against the last one.
  --tenant T       our tenant id, the Fortnox tenant id, or a unique name prefix (default: the only tenant)
  --datasets a,b   only these data sets (snapshot data sets such as customers,vouchers, or the ten of the terms)
  --resume         continue the tenant's interrupted run without refetching what it stored
  --new            start a new run even though the last one is still marked running
${COMMON_HELP}
Exit code 0 when every data set is complete, 1 when the run is partial or failed (reasons printed).`;

const KNOWN = new Set<string>([...RECORD_DATASETS, ...ATTACHMENT_DATASETS, ...Object.keys(TERMS_DATASETS)]);

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values } = parseCommandArgs('backup', args, { ...APP_OPTIONS, ...TENANT_OPTION, datasets: { type: 'string' }, resume: { type: 'boolean' }, new: { type: 'boolean' } });
    if (values.resume === true && values.new === true) throw new UsageError('backup: give --resume or --new, not both');
    const datasets = values.datasets?.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const unknown = datasets?.filter((d) => !KNOWN.has(d)) ?? [];
    if (unknown.length > 0) throw new UsageError(`backup: unknown data set ${unknown.join(', ')}; known: ${[...KNOWN].sort().join(', ')}`);
    if (datasets !== undefined && datasets.length === 0) throw new UsageError('backup: --datasets names no data set');
    return withApp(values['data-dir'], async (app) => {
      const tenant = await resolveTenant(app, values.tenant);
      const unfinished = await unfinishedRun(app, tenant.id);
      if (values.resume === true && unfinished === undefined) throw new NoxError('BACKUP_NOTHING_TO_RESUME', `${tenant.name} has no interrupted backup run to resume`, { exitCode: 1 });
      if (unfinished !== undefined && values.resume !== true && values.new !== true) {
        throw new NoxError(
          'BACKUP_RUN_UNFINISHED',
          `Backup run ${unfinished.id} of ${tenant.name}, started ${unfinished.startedAt ?? unfinished.queuedAt}, is still marked running. ` +
            'If another process (e.g. the server) is backing up this company, wait for it. If the run was interrupted, continue it with --resume (nothing stored is fetched again), or start afresh with --new.',
          { exitCode: 1, details: { runId: unfinished.id } },
        );
      }
      const progress = values.json === true ? undefined : progressPrinter();
      const controller = new AbortController();
      const onSignal = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      let result: BackupResult;
      try {
        if (values.json !== true) console.error(`Backing up ${tenant.name} (${tenant.id}) …`);
        result = await backupTenant(app, tenant.id, {
          trigger: 'manual',
          signal: controller.signal,
          ...(values.resume === true && unfinished !== undefined ? { resumeRunId: unfinished.id } : {}),
          ...(datasets === undefined ? {} : { datasets }),
          ...(progress === undefined ? {} : { onProgress: progress.update }),
        });
      } finally {
        process.off('SIGINT', onSignal);
        progress?.done();
      }
      if (values.json === true) printJson({ tenant: { id: tenant.id, name: tenant.name }, ...result });
      else printSummary(result);
      return result.status === 'succeeded' ? 0 : 1;
    });
  },
};

/** A one-line bar redrawn on a terminal; plain lines (at most one per data set and phase) otherwise. */
function progressPrinter(): { update: (e: BackupProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = '';
  let drawn = false;
  return {
    update: (e) => {
      if (tty) {
        const width = 24;
        const fraction = e.total !== null && e.total > 0 ? Math.min(1, e.done / e.total) : 0;
        const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
        const eta = e.etaSeconds === null || !Number.isFinite(e.etaSeconds) ? '' : ` ~${formatDuration(e.etaSeconds)} left`;
        const line = `[${bar}] ${e.dataset} ${e.phase} ${e.done}/${e.total ?? '?'}  ${e.requests} requests  ${formatBytes(e.bytes)}${eta}`;
        process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 120) - 1).padEnd(last.length)}`);
        last = line;
        drawn = true;
      } else {
        const key = `${e.dataset} ${e.phase}`;
        if (key !== last) {
          console.error(`${e.dataset}: ${e.phase} (${e.done}/${e.total ?? '?'}, ${e.requests} requests so far)`);
          last = key;
        }
      }
    },
    done: () => {
      if (tty && drawn) process.stderr.write('\n');
    },
  };
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function printSummary(r: BackupResult): void {
  const rows = [['DATA SET', 'STATUS', 'RECORDS', 'ADDED', 'CHANGED', 'REMOVED', 'REQUESTS']];
  for (const d of r.datasets) {
    rows.push([d.dataset, d.status, String(d.records ?? ''), String(d.added ?? ''), String(d.changed ?? ''), String(d.removed ?? ''), String(d.requests ?? '')]);
  }
  console.log(table(rows));
  console.log(`\nRun ${r.runId}: ${r.status}. Snapshot ${r.snapshotId === null ? '(none)' : shortId(r.snapshotId)}. ${r.requests} requests, ${formatBytes(r.bytes)} written, ${formatDuration(r.seconds)}.`);
  for (const w of r.warnings) console.log(`warning: ${w}`);
  if (r.error !== undefined) console.log(`The run failed: ${r.error.code}: ${r.error.message}`);
  if (r.status !== 'succeeded') {
    for (const d of r.datasets.filter((x) => x.status === 'failed' || x.status === 'incomplete')) {
      console.log(`${d.dataset}: ${d.status}${d.error ? ` — ${d.error.code === undefined ? '' : `${d.error.code}: `}${d.error.message}` : ''}`);
    }
  }
}
