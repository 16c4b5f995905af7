/**
 * `noxbackup demo [--data-dir DIR]` — the README's main job, on the embedded defaults: starts the Fortnox
 * simulator with a small company, connects it as a service account, takes a full backup, simulates a
 * day of business, takes an incremental backup, verifies what it can (repository structure, every
 * blob read and decrypted, the books of every financial year) and prints a summary: records per data
 * set, requests against their lower bounds, bytes stored, time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intOption, parseCommandArgs, type Command } from './command.ts';
import { UsageError } from '../errors.ts';
import { loadConfig } from '../config.ts';
import { openApp, type AppContext } from '../app.ts';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { companyContents } from '../simulator/contents.ts';
import { addSimulatorTenant } from '../tenants/index.ts';
import { runBackup, lowerBoundRequests, sweepRequests, type BackupResult, type BackupProgress } from '../backup/index.ts';
import { verify } from '../verify/verify.ts';
import { diffSnapshots } from '../db/index.ts';

const USAGE = `noxbackup demo [--data-dir DIR] [--size small|medium] [--seed 42] [--time-scale 20]

Starts a simulated Fortnox company, connects it, takes a full backup, simulates a day of business,
takes an incremental backup, verifies the repository and the books, and prints a summary.
--data-dir keeps the database and the repository there (browse them afterwards with
\`noxbackup snapshots --data-dir DIR\`); without it a temporary directory is used and removed.
--time-scale shortens Fortnox's 5-second rate-limit window on both sides (20 = 25 requests per 250 ms).`;

/** Data sets whose every stored entry costs a request of its own (details and downloads). */
const PER_ENTRY = new Set(['accounts', 'voucherseries', 'customers', 'suppliers', 'articles', 'projects', 'invoices', 'supplierinvoices', 'invoicepdfs', 'filecontents', 'sie']);

interface BusinessDay { summaries: { summary: { changed?: number; bankDetailChanges?: { supplierNumber: string; name: string }[] } }[] }

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs('demo', args, {
      'data-dir': { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' }, 'time-scale': { type: 'string' },
    });
    const size = values.size ?? 'small';
    if (size !== 'small' && size !== 'medium') throw new UsageError(`demo: --size must be small or medium, got ${JSON.stringify(size)}`);
    const seed = intOption('demo', 'seed', values.seed, 42, 0, 2 ** 31);
    const timeScale = intOption('demo', 'time-scale', values['time-scale'], 20, 1, 1000);
    const windowMs = 5000 / timeScale;
    const dataDir = values['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'noxbackup-demo-')));
    const keep = values['data-dir'] !== undefined;
    const started = performance.now();

    const sim = await startSimulator({ size, seed, timeScale });
    let app: AppContext | undefined;
    try {
      // The embedded defaults (SQLite, a repository folder, a key file) in the demo's data directory;
      // the rest of the environment (e.g. NOX_DATABASE_URL) still applies.
      app = await openApp(loadConfig(process.env, { dataDir }), { fortnox: { rateLimit: 25, rateWindowMs: windowMs }, warn: () => undefined });
      const company = sim.tenants[0];
      if (company === undefined) throw new Error('the simulator has no company');
      console.log(`Fortnox simulator ${sim.url}: ${company.name} (${company.orgNumber}); rate limit 25 requests per ${windowMs} ms`);
      console.log(`Data directory ${dataDir}${keep ? '' : ' (temporary)'}\n`);

      const { tenant } = await addSimulatorTenant(app, sim.url);
      console.log(`Connected ${tenant.name} as tenant ${tenant.id} (service account)`);
      const problems: string[] = [];
      const simCompany = sim.simulator.companies.get(company.tenantId);
      if (simCompany === undefined) throw new Error('simulated company missing');

      const full = await backup(app, tenant.id, 'Full backup');
      const fullBound = lowerBoundRequests(companyContents(simCompany));
      checkRun(full, problems);

      const day = await control<BusinessDay>(sim, 'business-days', { days: 1, tenantId: company.tenantId });
      const changed = day.summaries.reduce((n, d) => n + (d.summary.changed ?? 0), 0);
      const bankChanges = day.summaries.flatMap((d) => d.summary.bankDetailChanges ?? []);
      console.log(`\nSimulated a day of business: ${changed} records created, changed or deleted${bankChanges.length > 0 ? `; bank details changed for supplier ${bankChanges.map((b) => `${b.supplierNumber} ${b.name}`).join(', ')}` : ''}`);

      const incremental = await backup(app, tenant.id, 'Incremental backup');
      // The issue's bound: the sweeps no run can avoid plus one request per record that changed and
      // costs a request of its own (a detail, a download, a PDF, an SIE file).
      const changedEntries = incremental.datasets.filter((d) => PER_ENTRY.has(d.dataset)).reduce((n, d) => n + d.added + d.changed, 0);
      const incrementalBound = sweepRequests(companyContents(simCompany)) + changedEntries;
      checkRun(incremental, problems);

      const diff = full.snapshotId !== null && incremental.snapshotId !== null
        ? await diffSnapshots(app.db, tenant.id, full.snapshotId, incremental.snapshotId)
        : undefined;
      if (diff !== undefined) {
        console.log(`Between the two snapshots: ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`);
        for (const b of bankChanges) {
          if (!diff.changed.some((c) => c.dataset === 'suppliers' && c.key === b.supplierNumber)) problems.push(`the bank-details change of supplier ${b.supplierNumber} is not in the diff`);
        }
      }

      const report = await verify(() => app!.repositoryFor(tenant.id), app.db, tenant.id, { readData: 100, trigger: 'demo' });
      for (const f of report.findings.filter((x) => x.severity === 'error')) problems.push(`verify: ${f.code} ${f.message}`);
      const years = report.books.length;
      console.log(`\nVerified: structure of ${report.structure?.snapshots ?? 0} snapshots and ${report.structure?.packs ?? 0} packs, ` +
        `every blob read and decrypted, books of ${years} financial years (opening balance + transactions = closing balance); ${report.errors} errors, ${report.warnings} warnings`);

      const counters = await control<{ rateLimited: number; sideEffects: Record<string, { printed: string[]; emailed: string[]; eprinted: string[]; einvoiced: string[] }> }>(sim, 'counters');
      const effects = counters.sideEffects[String(company.tenantId)];
      if (effects !== undefined && effects.printed.length + effects.emailed.length + effects.eprinted.length + effects.einvoiced.length > 0) {
        problems.push(`the backups caused side effects in Fortnox: ${JSON.stringify(effects)}`);
      }
      let stored = 0;
      for await (const o of app.store.list('')) stored += o.size;

      printSummary(full, incremental, { fullBound, incrementalBound, rateLimited: counters.rateLimited, stored, seconds: (performance.now() - started) / 1000 });
      if (problems.length > 0) {
        console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
        return 1;
      }
      console.log('\nAll checks passed.' + (keep ? ` Browse with: npx noxbackup snapshots --data-dir ${dataDir}` : ''));
      return 0;
    } finally {
      await app?.close();
      await sim.close();
      if (!keep) await rm(dataDir, { recursive: true, force: true });
    }
  },
};

async function control<T>(sim: RunningSimulator, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sim.url}/__sim/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  if (!res.ok) throw new Error(`simulator control ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function backup(app: AppContext, tenantId: string, label: string): Promise<BackupResult> {
  const tty = process.stderr.isTTY;
  let last = '';
  const onProgress = (e: BackupProgress): void => {
    if (!tty) return;
    const line = `  ${e.dataset.padEnd(32)} ${String(e.done).padStart(6)}${e.total === null ? '' : `/${e.total}`}  ${e.requests} requests${e.etaSeconds === null ? '' : `, ~${Math.ceil(e.etaSeconds)} s left`}`;
    if (line !== last) process.stderr.write(`\r${line.padEnd(90)}`);
    last = line;
  };
  const result = await runBackup({ db: app.db, repository: await app.repositoryFor(tenantId), reader: await app.readerFor(tenantId), tenantId }, { trigger: 'demo', onProgress });
  if (tty) process.stderr.write(`\r${''.padEnd(90)}\r`);
  console.log(`${label}: ${result.status}, snapshot ${result.snapshotId?.slice(0, 12) ?? '—'}, ${result.requests} requests, ${(result.bytes / 1024).toFixed(0)} KiB read in ${result.seconds.toFixed(1)} s`);
  return result;
}

function checkRun(result: BackupResult, problems: string[]): void {
  if (result.status !== 'succeeded') problems.push(`backup ${result.runId} ${result.status}: ${result.datasets.filter((d) => d.error !== undefined).map((d) => `${d.dataset} ${d.error?.code}`).join(', ') || result.error?.message}`);
  for (const w of result.warnings) console.log(`  warning: ${w}`);
}

function printSummary(full: BackupResult, inc: BackupResult, m: { fullBound: number; incrementalBound: number; rateLimited: number; stored: number; seconds: number }): void {
  const byName = new Map(inc.datasets.map((d) => [d.dataset, d]));
  const w = Math.max(...full.datasets.map((d) => d.dataset.length), 8);
  console.log(`\n${'data set'.padEnd(w)}  ${'records'.padStart(8)}  ${'full req'.padStart(8)}  ${'incr req'.padStart(8)}  ${'+'.padStart(4)} ${'~'.padStart(4)} ${'-'.padStart(4)}`);
  for (const d of full.datasets) {
    const i = byName.get(d.dataset);
    console.log(`${d.dataset.padEnd(w)}  ${String(i?.records ?? d.records).padStart(8)}  ${String(d.requests).padStart(8)}  ${String(i?.requests ?? '').padStart(8)}  ${String(i?.added ?? '').padStart(4)} ${String(i?.changed ?? '').padStart(4)} ${String(i?.removed ?? '').padStart(4)}`);
  }
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
  console.log(`\nRequests: full ${full.requests} (lower bound ${m.fullBound}, ${ratio(full.requests, m.fullBound)}; target ≤ 1.05×), ` +
    `incremental ${inc.requests} (sweeps + changed records ${m.incrementalBound}, ${ratio(inc.requests, m.incrementalBound)}; target ≤ 1.2×; ${inc.refreshed} of them rolling-refresh reads); ${m.rateLimited} answered 429`);
  console.log(`Stored: ${(m.stored / 2 ** 20).toFixed(2)} MiB in the repository (encrypted, compressed, deduplicated); total time ${m.seconds.toFixed(1)} s`);
}
