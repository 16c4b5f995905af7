/**
 * `npm run bench` — the performance measurements of DESIGN.md §8 that exist so far (`-- --quick` for a
 * smaller run). Results go to bench/results/<time>.json and are printed as a table. Never run by the
 * tests: timing belongs here, not in assertions.
 *
 * Measured now:
 *  - simulator data generation: time and heap per company size;
 *  - the Fortnox client against the simulator (in a separate process, over HTTP) with the rate limit
 *    scaled up on both sides: achieved request rate vs the allowed rate, 429 count, client CPU per record;
 *  - SIE 4 parse throughput on the simulator's own export.
 * Backup, incremental, repository size and export measurements join with their features.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { generateCompany } from '../src/simulator/generate.ts';
import { DEFAULT_START } from '../src/simulator/clock.ts';
import type { SimulatorSize } from '../src/simulator/model.ts';
import { FortnoxClient, MemoryTokenStore, type DataSetName } from '../src/fortnox/index.ts';
import { parseSie, checkSie } from '../src/sie/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const size: SimulatorSize = quick ? 'small' : 'medium';
const TIME_SCALE = 20; // 25 requests per 250 ms = 100 requests/s on both sides
const results: Record<string, unknown> = { date: new Date().toISOString(), quick, node: process.version, size, timeScale: TIME_SCALE };
const table: [string, string, string][] = [];
const row = (what: string, value: string, target = ''): void => { table.push([what, value, target]); };

// --- 1. Generation ---------------------------------------------------------------------------
const sizes: SimulatorSize[] = quick ? ['small', 'medium'] : ['small', 'medium', 'large'];
const generation: Record<string, unknown> = {};
for (const s of sizes) {
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const company = generateCompany({ seed: 42, size: s, index: 0, tenantId: 1, now: DEFAULT_START });
  const ms = performance.now() - t0;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const counts = {
    customers: company.customers.size, suppliers: company.suppliers.size, articles: company.articles.size, vouchers: company.vouchers.size,
    invoices: company.invoices.size, supplierInvoices: company.supplierInvoices.size, files: company.files.size, financialYears: company.financialYears.length,
  };
  generation[s] = { ms: Math.round(ms), heapMb: Math.round(heapMb), counts };
  row(`generate ${s}`, `${(ms / 1000).toFixed(2)} s, ~${Math.round(heapMb)} MB heap`, '');
  if (s === size) row(`${s} company`, Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', '), '');
}
results.generation = generation;

// --- 2. Client saturation against the simulator in its own process ---------------------------
const child = spawn(process.execPath, [join(root, 'bin/noxbackup.mjs'), 'simulator', '--port', '0', '--size', size, '--time-scale', String(TIME_SCALE)], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (c: string) => { out += c; });
while (!/grant_type=client_credentials/.test(out)) await once(child.stdout, 'data');
const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
const tenantId = /tenant (\d+)/.exec(out)?.[1] ?? '';
try {
  const windowMs = 5000 / TIME_SCALE;
  const client = new FortnoxClient({ clientId: 'noxbackup-sim', clientSecret: 'sim-secret', apiUrl: url, authUrl: url, tokenStore: new MemoryTokenStore(), rateLimit: 25, rateWindowMs: windowMs });
  await client.tokens.connectServiceAccount(tenantId);
  const reader = client.reader(tenantId);

  // The work of a full register backup: list sweeps, then a detail per record, from 8 workers.
  const queue: [DataSetName, Record<string, unknown>][] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const name of ['customers', 'suppliers', 'articles', 'projects', 'invoices', 'supplierinvoices'] as const) {
    for await (const item of reader.items(name)) queue.push([name, item]);
  }
  const limitRecords = quick ? queue.length : Math.min(queue.length, 6000);
  const work = queue.slice(0, limitRecords);
  let next = 0;
  const workers = Array.from({ length: 8 }, async () => {
    while (next < work.length) {
      const [name, item] = work[next++] as [DataSetName, Record<string, unknown>];
      await reader.detail(name, item);
    }
  });
  await Promise.all(workers);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const requests = reader.stats.attempts;
  const allowed = 25 / (windowMs / 1000);
  const counters = await (await fetch(`${url}/__sim/counters`)).json() as { rateLimited: number };
  const rate = requests / seconds;
  // A sliding window permits a full window's burst at the start, then `allowed` per second:
  // the most a perfect client could have sent in this time.
  const permitted = 25 * (1 + seconds / (windowMs / 1000));
  const utilisation = requests / permitted;
  results.client = { requests, seconds, achievedPerSecond: rate, allowedPerSecond: allowed, permitted, utilisation, http429: counters.rateLimited, records: work.length, cpuMsPerRecord: (cpu.user + cpu.system) / 1000 / work.length };
  row('client request rate', `${rate.toFixed(1)}/s (${allowed}/s allowed); ${requests} of ${Math.floor(permitted)} permitted = ${(utilisation * 100).toFixed(1)} %`, '≥ 90 %');
  row('429 responses', String(counters.rateLimited), '0');
  row('client CPU per record', `${((cpu.user + cpu.system) / 1000 / work.length).toFixed(3)} ms`, 'reported');

  // --- 3. SIE 4 parse throughput on the simulator's export -----------------------------------
  let bytes = 0;
  let parseMs = 0;
  let vouchers = 0;
  for await (const year of reader.items('financialyears')) {
    const file = await reader.sie(4, Number(year.Id));
    const p0 = performance.now();
    const parsed = parseSie(file.body);
    checkSie(parsed.document);
    parseMs += performance.now() - p0;
    bytes += file.body.length;
    vouchers += parsed.counts.vouchers;
  }
  const mbPerS = bytes / 2 ** 20 / (parseMs / 1000);
  results.sie = { bytes, vouchers, parseMs, mbPerSecond: mbPerS };
  row('SIE 4 parse + check', `${(bytes / 2 ** 20).toFixed(1)} MB, ${vouchers} vouchers, ${mbPerS.toFixed(1)} MB/s`, 'reported');
} finally {
  child.kill('SIGINT');
  await once(child, 'exit');
}

results.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
row('peak RSS (bench process)', `${String(results.peakRssMb)} MB`, 'reported');

const w = Math.max(...table.map(([a]) => a.length));
const v = Math.max(...table.map(([, b]) => b.length));
console.log(`\nNoxbackup bench (${quick ? 'quick, small' : 'medium'} company; rate limit ×${TIME_SCALE})\n`);
for (const [a, b, c] of table) console.log(`${a.padEnd(w)}  ${b.padEnd(v)}  ${c}`);
await mkdir(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `${results.date as string}.json`.replace(/:/g, '-'));
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${file}`);
