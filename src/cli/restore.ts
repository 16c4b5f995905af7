import { createInterface } from 'node:readline/promises';
import { join } from 'node:path';
import type { AppContext } from '../app.ts';
import { UsageError } from '../errors.ts';
import type { Tenant } from '../db/index.ts';
import type { RestoreRequestStatus } from '../db/database.ts';
import { applyRestore } from '../restore/apply.ts';
import { restoreNewCompany } from '../restore/new-company.ts';
import { planRestore, type RecordRef, type RestorePlan } from '../restore/plan.ts';
import { formatReport, writeReportFiles, type RestoreReport } from '../restore/report.ts';
import { formatTimeLeft, handleRequest, listRequests, REQUEST_STATUSES, requestRestore, type RequestWithClock } from '../restore/requests.ts';
import { undoSnapshotByBackup } from '../restore/undo.ts';
import { resolveTenant } from '../tenants/list.ts';
import { APP_OPTIONS, COMMON_HELP, TENANT_OPTION, printJson, resolveSnapshot, shortId, table, withApp } from './app-command.ts';
import { parseCommandArgs, type Command } from './command.ts';

const USAGE = `Usage:
  noxbackup restore plan  --tenant T --snapshot S [--datasets a,b] [--keys dataset:key,…] [--json]
  noxbackup restore apply --tenant T --snapshot S [--datasets a,b] [--keys dataset:key,…] [--yes] [--json]
  noxbackup restore apply --tenant T --resume RUN [--yes]
  noxbackup restore new-company --from-tenant A --to-tenant B --snapshot S [--yes] [--resume RUN] [--json]
  noxbackup restore request create --tenant T --by WHO [--snapshot S] [--datasets a,b] [--keys …] --what TEXT
  noxbackup restore request list [--tenant T] [--all] [--json]
  noxbackup restore request update ID --tenant T --status open|in_progress|done|rejected --by WHO [--result TEXT] [--report REF]

plan         compares the snapshot's registers (accounts, costcenters, projects, customers, suppliers,
             articles) with Fortnox now and lists the creates and updates field by field; writes nothing
apply        takes a backup first (the undo point), then writes the plan in dependency order; resumable
             (--resume RUN) without writing anything twice; writes a report (JSON and text)
new-company  restores a snapshot of tenant A into the new, empty Fortnox company of tenant B:
             registers, vouchers in number order, invoices, supplier invoices, files; old → new number
             maps and an SIE 4I file for whatever the API refuses, in the report
request      assisted restore requests (the terms: restore within 48 hours of the request)

  --snapshot S     a snapshot id or a unique prefix (4+ hex digits), or "latest"
  --datasets a,b   register data sets to restore (default all six)
  --keys d:k,…     only these records, e.g. customers:1042,accounts:3/1930
  --yes            do not ask before writing to Fortnox
${COMMON_HELP}
Reports go to DATA_DIR/reports. Booked vouchers are never rewritten: see docs/restore.md.`;

const OPTIONS = {
  ...APP_OPTIONS,
  ...TENANT_OPTION,
  snapshot: { type: 'string' },
  datasets: { type: 'string' },
  keys: { type: 'string' },
  yes: { type: 'boolean' },
  resume: { type: 'string' },
  'from-tenant': { type: 'string' },
  'to-tenant': { type: 'string' },
  by: { type: 'string' },
  what: { type: 'string' },
  status: { type: 'string' },
  result: { type: 'string' },
  report: { type: 'string' },
  all: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values, positionals } = parseCommandArgs('restore', args, OPTIONS, true);
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'plan':
        return withApp(values['data-dir'], (app) => plan(app, values));
      case 'apply':
        return withApp(values['data-dir'], (app) => apply(app, values));
      case 'new-company':
        return withApp(values['data-dir'], (app) => newCompany(app, values));
      case 'request':
        return withApp(values['data-dir'], (app) => request(app, values, rest));
      default:
        throw new UsageError(`restore: unknown or missing subcommand${sub === undefined ? '' : ` ${JSON.stringify(sub)}`}.\n\n${USAGE}`);
    }
  },
};

const list = (v: string | undefined): string[] | undefined => v?.split(',').map((s) => s.trim()).filter((s) => s !== '');

function records(v: string | undefined): RecordRef[] | undefined {
  return list(v)?.map((r) => {
    const i = r.indexOf(':');
    if (i <= 0 || i === r.length - 1) throw new UsageError(`restore: --keys takes dataset:key pairs, e.g. customers:1042; got ${JSON.stringify(r)}`);
    return { dataset: r.slice(0, i), key: r.slice(i + 1) };
  });
}

async function makePlan(app: AppContext, tenant: Tenant, values: Values): Promise<RestorePlan> {
  if (values.snapshot === undefined) throw new UsageError('restore: --snapshot is required (an id prefix or "latest")');
  const snap = await resolveSnapshot(app, tenant, values.snapshot);
  if (values.json !== true) console.error(`Comparing snapshot ${shortId(snap.snapshotId)} with ${tenant.name} in Fortnox now …`);
  return planRestore({
    repository: await app.repositoryFor(tenant.id), reader: await app.readerFor(tenant.id), snapshotId: snap.snapshotId,
    ...(values.datasets === undefined ? {} : { datasets: list(values.datasets) }), ...(values.keys === undefined ? {} : { records: records(values.keys) }),
  });
}

async function plan(app: AppContext, values: Values): Promise<number> {
  const tenant = await resolveTenant(app, values.tenant);
  const p = await makePlan(app, tenant, values);
  if (values.json === true) printJson(p);
  else console.log(formatPlan(p));
  return 0;
}

/** The plan for people: counts, then each create and update with its fields (now → snapshot). */
export function formatPlan(p: RestorePlan): string {
  const count = (a: string) => p.items.filter((i) => i.action === a).length;
  const lines = [`Snapshot ${shortId(p.snapshotId)}: ${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged, ${count('blocked')} blocked.`];
  const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));
  for (const i of p.items) {
    if (i.action === 'unchanged') continue;
    lines.push('', `${i.action.toUpperCase()} ${i.dataset} ${i.key}${i.message === undefined ? '' : `: ${i.message}`}`);
    for (const c of i.changes) lines.push(`  ${c.field}: ${i.action === 'create' ? '' : `${show(c.now)} → `}${show(c.snapshot)}`);
  }
  return lines.join('\n');
}

async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes === true) return true;
  if (!process.stdin.isTTY) throw new UsageError('restore: refusing to write to Fortnox without confirmation; run in a terminal or pass --yes');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes|j|ja)$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

async function finish(app: AppContext, report: RestoreReport, json: boolean | undefined): Promise<number> {
  const files = await writeReportFiles(report, join(app.config.dataDir, 'reports'));
  if (json === true) printJson({ ...report, reportFiles: files });
  else console.log(`${formatReport(report)}\nReport: ${files.text} (JSON: ${files.json})`);
  return report.status === 'succeeded' ? 0 : 1;
}

async function apply(app: AppContext, values: Values): Promise<number> {
  const tenant = await resolveTenant(app, values.tenant);
  const reader = await app.readerFor(tenant.id);
  const repository = await app.repositoryFor(tenant.id);
  let p: RestorePlan | undefined;
  if (values.resume === undefined) {
    p = await makePlan(app, tenant, values);
    const writes = p.items.filter((i) => i.action === 'create' || i.action === 'update').length;
    if (writes === 0) {
      console.log('Fortnox already holds what the snapshot holds: nothing to restore.');
      return 0;
    }
    if (values.json !== true) console.log(formatPlan(p));
    if (!(await confirm(`Write ${writes} changes to ${tenant.name} in Fortnox (a backup is taken first)?`, values.yes))) return 1;
  } else if (!(await confirm(`Resume restore run ${values.resume} for ${tenant.name}?`, values.yes))) {
    return 1;
  }
  const report = await applyRestore({
    db: app.db, tenantId: tenant.id, reader, writer: await app.writerFor(tenant.id),
    ...(p === undefined ? { resumeRunId: values.resume } : { plan: p }),
    undoSnapshot: undoSnapshotByBackup({ db: app.db, repository, reader, tenantId: tenant.id }),
    startedBy: process.env.USER ?? 'cli',
    onItem: values.json === true ? undefined : (item, index, total) => {
      if (item.status !== 'unchanged') console.error(`[${index + 1}/${total}] ${item.status} ${item.dataset} ${item.key}${item.message === undefined ? '' : `: ${item.message}`}`);
    },
  });
  return finish(app, report, values.json);
}

async function newCompany(app: AppContext, values: Values): Promise<number> {
  if (values['from-tenant'] === undefined || values['to-tenant'] === undefined) throw new UsageError('restore new-company: --from-tenant and --to-tenant are required');
  const from = await resolveTenant(app, values['from-tenant']);
  const to = await resolveTenant(app, values['to-tenant']);
  if (from.id === to.id) throw new UsageError('restore new-company: the new company must be another tenant than the source');
  if (values.snapshot === undefined) throw new UsageError('restore new-company: --snapshot is required (an id prefix or "latest")');
  const snap = await resolveSnapshot(app, from, values.snapshot);
  if (!(await confirm(`Restore snapshot ${shortId(snap.snapshotId)} of ${from.name} into ${to.name} (must be an empty company)?`, values.yes))) return 1;
  const report = await restoreNewCompany({
    db: app.db, source: { tenantId: from.id, repository: await app.repositoryFor(from.id) }, snapshotId: snap.snapshotId,
    target: { tenantId: to.id, reader: await app.readerFor(to.id), writer: await app.writerFor(to.id) }, outDir: join(app.config.dataDir, 'reports'),
    startedBy: process.env.USER ?? 'cli', ...(values.resume === undefined ? {} : { resumeRunId: values.resume }),
    onItem: values.json === true ? undefined : (item) => {
      if (item.status === 'failed') console.error(`failed ${item.dataset} ${item.key}: ${item.message ?? ''}`);
    },
  });
  return finish(app, report, values.json);
}

async function request(app: AppContext, values: Values, rest: string[]): Promise<number> {
  const [action, id] = rest;
  if (action === 'create') {
    const tenant = await resolveTenant(app, values.tenant);
    let snapshotId: string | null = null;
    if (values.snapshot !== undefined) snapshotId = (await resolveSnapshot(app, tenant, values.snapshot)).snapshotId;
    const r = await requestRestore(app.db, tenant.id, {
      requestedBy: values.by ?? '', snapshotId, datasets: list(values.datasets) ?? [], records: list(values.keys) ?? [], description: values.what ?? '',
    });
    if (values.json === true) printJson(r);
    else console.log(`Request ${r.id} for ${tenant.name}: due ${r.deadlineAt} (48 hours).`);
    return 0;
  }
  if (action === 'list') {
    const tenant = values.tenant === undefined ? undefined : await resolveTenant(app, values.tenant);
    const rows = await listRequests(app.db, { ...(tenant === undefined ? {} : { tenantId: tenant.id }), all: values.all === true });
    if (values.json === true) printJson(rows);
    else console.log(rows.length === 0 ? 'No restore requests.' : formatRequests(rows));
    return rows.some((r) => r.overdue && r.timeLeftMs !== null) ? 1 : 0;
  }
  if (action === 'update') {
    if (id === undefined) throw new UsageError('restore request update: give the request id');
    const tenant = await resolveTenant(app, values.tenant);
    const status = values.status as RestoreRequestStatus | undefined;
    if (status === undefined || !REQUEST_STATUSES.includes(status)) throw new UsageError(`restore request update: --status must be one of ${REQUEST_STATUSES.join(', ')}`);
    const r = await handleRequest(app.db, tenant.id, id, {
      status, ...(values.by === undefined ? {} : { handledBy: values.by }), ...(values.result === undefined ? {} : { result: values.result }),
      ...(values.report === undefined ? {} : { report: values.report }),
    });
    if (values.json === true) printJson(r);
    else console.log(formatRequests([r]));
    return 0;
  }
  throw new UsageError(`restore request: use create, list or update.\n\n${USAGE}`);
}

function formatRequests(rows: readonly RequestWithClock[]): string {
  return table([
    ['ID', 'TENANT', 'STATUS', 'DEADLINE', 'TIME LEFT', 'BY', 'HANDLED BY', 'WHAT'],
    ...rows.map((r) => [
      r.id, r.tenantId, r.status, r.deadlineAt.slice(0, 16).replace('T', ' '), formatTimeLeft(r), r.requestedBy, r.handledBy ?? '',
      [r.snapshotId === null ? '' : `snapshot ${shortId(r.snapshotId)}`, r.datasets.join(','), r.records.join(','), r.description].filter((x) => x !== '').join('; '),
    ]),
  ]);
}
