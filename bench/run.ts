/**
 * `npm run bench` — DESIGN.md §8's measurements (`-- --quick`: the small company and 5 days instead of
 * the medium company and 30). Results go to bench/results/<time>.json and are printed as a table.
 * Never run by the tests: timing belongs here, not in assertions.
 *
 * The simulator runs in its own process with Fortnox's rate limit scaled up by TIME_SCALE; the client's
 * limiter is scaled the same. In this process: the embedded defaults (SQLite, a repository folder)
 * in a temporary data directory, the real backup run, export and verification.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { generateCompany } from '../src/simulator/generate.ts';
import { DEFAULT_START } from '../src/simulator/clock.ts';
import type { SimulatorSize } from '../src/simulator/model.ts';
import { loadConfig } from '../src/config.ts';
import { openApp } from '../src/app.ts';
import { addSimulatorTenant } from '../src/tenants/index.ts';
import { runBackup, lowerBoundRequests, sweepRequests, RECORD_DATASETS, ATTACHMENT_DATASETS, type BackupResult, type CompanyContents } from '../src/backup/index.ts';
import { measureExport } from '../src/export/export.ts';
import { parseSie, checkSie } from '../src/sie/index.ts';
import type { Repository } from '../src/repository/repository.ts';
import { benchWeb } from './web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const size: SimulatorSize = quick ? 'small' : 'medium';
const DAYS = quick ? 5 : 30;
// Fortnox's 5 s window divided by 10: the client holds each slot until its answer plus one window
// (src/fortnox/rate-limiter.ts), so round-trip time costs RTT/window of the budget; at 500 ms that is a
// few per cent, as against about 1 % at Fortnox's real 5 s.
const TIME_SCALE = 10;
const WINDOW_MS = 5000 / TIME_SCALE;
const PER_ENTRY = new Set(['accounts', 'voucherseries', 'customers', 'suppliers', 'articles', 'projects', 'invoices', 'supplierinvoices', 'invoicepdfs', 'filecontents', 'sie']);

const results: Record<string, unknown> = { date: new Date().toISOString(), quick, node: process.version, size, days: DAYS, timeScale: TIME_SCALE, rateLimit: `25 per ${WINDOW_MS} ms` };
const table: [string, string, string][] = [];
const row = (what: string, value: string, target = ''): void => {
  table.push([what, value, target]);
  console.log(`  ${what}: ${value}${target === '' ? '' : `   [target ${target}]`}`);
};
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

// --- Simulator in its own process -------------------------------------------------------------
const child = spawn(process.execPath, [join(root, 'bin/noxbackup.mjs'), 'simulator', '--port', '0', '--size', size, '--time-scale', String(TIME_SCALE)], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (c: string) => { out += c; });
while (!/grant_type=client_credentials/.test(out)) await once(child.stdout, 'data');
const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
const control = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${url}/__sim/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return (await res.json()) as T;
};
const contents = async (): Promise<CompanyContents> => Object.values(await control<Record<string, CompanyContents>>('contents'))[0] as CompanyContents;

const dataDir = await mkdtemp(join(tmpdir(), 'nox-bench-'));
const dumpDir = join(dataDir, 'dump');
const resticRepo = join(dataDir, 'restic');
const restic = spawnSync('restic', ['version']).status === 0;
const app = await openApp(loadConfig({ ...process.env, NOX_DATABASE_URL: '' }, { dataDir }), { fortnox: { rateLimit: 25, rateWindowMs: WINDOW_MS }, warn: () => undefined });
try {
  const { tenant } = await addSimulatorTenant(app, url);
  const repo = await app.repositoryFor(tenant.id);
  const reader = await app.readerFor(tenant.id);
  const repoBytes = async (): Promise<number> => {
    let n = 0;
    for await (const o of app.store.list('')) n += o.size;
    return n;
  };

  // Peak memory of this process (the backup side), sampled.
  let peakRss = 0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 100);
  const backup = async (): Promise<{ result: BackupResult; cpuMs: number }> => {
    const cpu0 = process.cpuUsage();
    const result = await runBackup({ db: app.db, repository: repo, reader, tenantId: tenant.id }, { trigger: 'schedule' });
    const cpu = process.cpuUsage(cpu0);
    if (result.status !== 'succeeded') throw new Error(`backup ${result.status}: ${JSON.stringify(result.datasets.filter((d) => d.error))}`);
    return { result, cpuMs: (cpu.user + cpu.system) / 1000 };
  };

  // --- Full backup -----------------------------------------------------------------------------
  console.log(`Full backup of the ${size} company…`);
  const before = await contents();
  const { result: full, cpuMs } = await backup();
  const bound = lowerBoundRequests(before);
  const counters = await control<{ rateLimited: number }>('counters');
  const permitted = 25 * (1 + full.seconds / (WINDOW_MS / 1000));
  const records = full.datasets.reduce((n, d) => n + d.records, 0);
  const bytesFull = await repoBytes();
  results.full = { requests: full.requests, lowerBound: bound, ratio: full.requests / bound, seconds: full.seconds, permitted, utilisation: full.requests / permitted, http429: counters.rateLimited, records, cpuMsPerRecord: cpuMs / records, repositoryBytes: bytesFull, bytesRead: full.bytes };
  row('full backup requests', `${full.requests} vs lower bound ${bound} = ${(full.requests / bound).toFixed(3)}×`, '≤ 1.05×');
  row('achieved request rate (full)', `${(full.requests / full.seconds).toFixed(1)}/s; ${((full.requests / permitted) * 100).toFixed(1)} % of what the window permits`, '≥ 90 %');
  row('429 responses (full)', String(counters.rateLimited), '0');
  row('CPU per record (backup side)', `${(cpuMs / records).toFixed(3)} ms over ${records} records`, 'reported');
  row('repository after full backup', `${mib(bytesFull)} (read ${mib(full.bytes)} from Fortnox)`, 'reported');

  // --- Daily incrementals and restic side by side -----------------------------------------------
  const dump = async (snapshotId: string): Promise<void> => {
    await rm(dumpDir, { recursive: true, force: true });
    await mkdir(dumpDir, { recursive: true });
    for (const ds of RECORD_DATASETS) {
      const parts: string[] = [];
      for await (const r of repo.listRecordBytes(snapshotId, ds)) parts.push(r.bytes.toString('utf8'));
      await writeFile(join(dumpDir, `${ds}.json`), `[${parts.join(',\n')}]\n`);
    }
    for (const ds of ATTACHMENT_DATASETS) {
      await mkdir(join(dumpDir, ds), { recursive: true });
      for await (const e of repo.listEntries(snapshotId, ds)) {
        await pipeline(await repo.readAttachment(snapshotId, ds, e.key), createWriteStream(join(dumpDir, ds, e.key.replaceAll('/', '_'))));
      }
    }
  };
  let resticSeconds = 0;
  const resticBackup = async (snapshotId: string): Promise<void> => {
    if (!restic) return;
    await dump(snapshotId);
    const t0 = performance.now();
    execFileSync('restic', ['-r', resticRepo, 'backup', '--quiet', '.'], { cwd: dumpDir, env: { ...process.env, RESTIC_PASSWORD: 'bench' }, stdio: 'ignore' });
    resticSeconds += (performance.now() - t0) / 1000;
  };
  if (restic) {
    const init = spawnSync('restic', ['-r', resticRepo, 'init'], { env: { ...process.env, RESTIC_PASSWORD: 'bench' } });
    if (init.status !== 0) throw new Error(`restic init: ${init.stderr.toString()}`);
    await resticBackup(full.snapshotId ?? '');
  }

  console.log(`${DAYS} simulated days with an incremental backup each…`);
  const days: Record<string, number>[] = [];
  for (let d = 1; d <= DAYS; d++) {
    await control('business-days', { days: 1 });
    // The nightly run comes after the day's activity (the simulator stamps a day's changes over its
    // first 9 hours; a run in the middle of them would see some twice, as the backup tests note).
    await control('clock/advance', { hours: 12 });
    const c429 = (await control<{ rateLimited: number }>('counters')).rateLimited;
    const { result } = await backup();
    const changed = result.datasets.filter((x) => PER_ENTRY.has(x.dataset)).reduce((n, x) => n + x.added + x.changed, 0);
    const sweeps = sweepRequests(await contents());
    const http429 = (await control<{ rateLimited: number }>('counters')).rateLimited - c429;
    days.push({ day: d, requests: result.requests, sweeps, changed, ratio: result.requests / (sweeps + changed), refreshed: result.refreshed, seconds: result.seconds, http429 });
    await resticBackup(result.snapshotId ?? '');
  }
  clearInterval(sampler);
  const worst = days.reduce((a, b) => ((a.ratio ?? 0) > (b.ratio ?? 0) ? a : b));
  const mean = days.reduce((n, d) => n + (d.ratio ?? 0), 0) / days.length;
  const bytesAfter = await repoBytes();
  results.incremental = { days, meanRatio: mean, worstRatio: worst.ratio, repositoryBytesAfterDays: bytesAfter };
  row('incremental requests / (sweeps + changed)', `mean ${mean.toFixed(3)}×, worst ${(worst.ratio ?? 0).toFixed(3)}× (day ${worst.day}: ${worst.requests} requests, ${worst.sweeps} sweeps + ${worst.changed} changed, ${worst.refreshed} refresh reads)`, '≤ 1.2×');
  row(`repository after full + ${DAYS} days`, mib(bytesAfter), 'smaller than restic');
  if (restic) {
    const stats = JSON.parse(execFileSync('restic', ['-r', resticRepo, '--json', 'stats', '--mode', 'raw-data'], { env: { ...process.env, RESTIC_PASSWORD: 'bench' } }).toString()) as { total_size: number };
    results.restic = { repositoryBytes: stats.total_size, seconds: resticSeconds, daysKept: DAYS + 1 };
    row(`restic, ${DAYS + 1} daily JSON dumps`, `${mib(stats.total_size)} in ${resticSeconds.toFixed(1)} s of restic backup time (ours: ${(bytesAfter / stats.total_size * 100).toFixed(0)} % of restic's size)`, 'ours smaller');
  } else {
    row('restic comparison', 'restic not installed (apt-get install restic)', '');
  }
  row('peak RSS (backup side)', mib(peakRss), 'flat as the company grows');
  results.peakRssBytes = peakRss;

  // --- Export and SIE ------------------------------------------------------------------------------
  const last = (await repo.latestSnapshot())?.id ?? '';
  const exp = await measureExport(repo, last);
  results.export = exp;
  row('export snapshot to ZIP', `${exp.files} files, ${(exp.bytesIn / 1e6).toFixed(1)} MB → ${(exp.bytesOut / 1e6).toFixed(1)} MB ZIP in ${exp.seconds.toFixed(1)} s = ${exp.mbPerSecond.toFixed(1)} MB/s; heap growth ${mib(exp.heapGrowthBytes)}`, 'reported');

  const sieStats = await sieThroughput(repo, last);
  results.sie = sieStats;
  row('SIE 4 parse + check', `${(sieStats.bytes / 1e6).toFixed(1)} MB at ${sieStats.mbPerSecond.toFixed(1)} MB/s`, 'reported');

  // --- The web application over HTTP, on the company just backed up (bench/web.ts) ----------------------
  console.log('The web application…');
  results.web = await benchWeb(app, tenant.id, row);
} finally {
  await app.close();
  child.kill('SIGINT');
  await once(child, 'exit');
  await rm(dataDir, { recursive: true, force: true });
}

// --- Generation (last, so its memory does not count as the backup's) ------------------------------------------------------------------------------
console.log('Generating companies…');
const generation: Record<string, unknown> = {};
for (const s of quick ? (['small', 'medium'] as const) : (['small', 'medium', 'large'] as const)) {
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const company = generateCompany({ seed: 42, size: s, index: 0, tenantId: 1, now: DEFAULT_START });
  const ms = performance.now() - t0;
  generation[s] = { ms: Math.round(ms), heapMb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20), vouchers: company.vouchers.size, invoices: company.invoices.size, files: company.files.size };
  row(`generate ${s} company`, `${(ms / 1000).toFixed(2)} s`);
}
results.generation = generation;


async function sieThroughput(repo: Repository, snapshotId: string): Promise<{ bytes: number; mbPerSecond: number }> {
  let bytes = 0;
  let ms = 0;
  for await (const e of repo.listEntries(snapshotId, 'sie')) {
    if (!e.key.endsWith('/4')) continue;
    const chunks: Buffer[] = [];
    for await (const c of await repo.readAttachment(snapshotId, 'sie', e.key)) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    const t0 = performance.now();
    checkSie(parseSie(buf).document);
    ms += performance.now() - t0;
    bytes += buf.length;
  }
  return { bytes, mbPerSecond: bytes / 1e6 / (ms / 1000) };
}

const w = Math.max(...table.map(([a]) => a.length));
const v = Math.max(...table.map(([, b]) => b.length));
console.log(`\nNoxbackup bench — ${size} company, ${DAYS} days, rate limit ×${TIME_SCALE} (25 per ${WINDOW_MS} ms)\n`);
for (const [a, b, c] of table) console.log(`${a.padEnd(w)}  ${b.padEnd(v)}  ${c}`);
await mkdir(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `${(results.date as string).replace(/:/g, '-')}${quick ? '-quick' : ''}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${file}`);
