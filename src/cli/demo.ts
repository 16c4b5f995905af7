/**
 * `noxbackup demo` — the README's main job. Starts the Fortnox simulator with a small company in this
 * process, connects it as a service account through the real Fortnox client (OAuth, rate limiter,
 * retries, paging), reads every data set with details, files, invoice PDFs and the SIE 1–4 files of
 * every financial year, checks the books with the SIE library against the API's vouchers, and prints
 * a summary. Backup into the repository joins this walk with the backup-run work.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCommandArgs, intOption, type Command } from './command.ts';
import { startSimulator } from '../simulator/server.ts';
import { FortnoxClient, MemoryTokenStore, CATALOGUE, toText, type DataSetName, type FortnoxReader } from '../fortnox/index.ts';
import { parseSie, checkSie } from '../sie/index.ts';

const USAGE = `noxbackup demo [--size small|medium] [--seed 42] [--time-scale 20]

Starts a simulated Fortnox company, connects it through the Fortnox client and reads all of it:
every data set with details, attached files, invoice PDFs (via /preview, never /print) and the SIE
files of every financial year, then checks the books. --time-scale shortens Fortnox's 5-second
rate-limit window on both sides (20 = 25 requests per 250 ms) so the demo takes seconds, not minutes.`;

const REGISTERS: readonly DataSetName[] = ['customers', 'suppliers', 'articles', 'projects', 'costcenters', 'invoices', 'supplierinvoices', 'supplierinvoicefileconnections', 'voucherfileconnections'];

interface Tally { records: number; requests: number; bytes: number }

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs('demo', args, {
      size: { type: 'string' }, seed: { type: 'string' }, 'time-scale': { type: 'string' }, 'data-dir': { type: 'string' },
    });
    const size = values.size ?? 'small';
    if (size !== 'small' && size !== 'medium') throw new Error(`demo: --size must be small or medium, got ${size}`);
    const seed = intOption('demo', 'seed', values.seed, 42, 0, 2 ** 31);
    const timeScale = intOption('demo', 'time-scale', values['time-scale'], 20, 1, 1000);
    const windowMs = Math.round(5000 / timeScale);
    const started = performance.now();
    const sim = await startSimulator({ size, seed, timeScale });
    try {
      const tenant = sim.tenants[0];
      if (tenant === undefined) throw new Error('the simulator has no company');
      console.log(`Simulator ${sim.url}: ${tenant.name} (${tenant.orgNumber}), tenant ${tenant.tenantId}; rate limit 25 per ${windowMs} ms`);
      const client = new FortnoxClient({
        clientId: sim.clientId, clientSecret: sim.clientSecret, apiUrl: sim.apiUrl, authUrl: sim.authUrl,
        tokenStore: new MemoryTokenStore(), rateLimit: 25, rateWindowMs: windowMs,
      });
      const tenantId = String(tenant.tenantId);
      await client.tokens.connectServiceAccount(tenantId);
      const reader = client.reader(tenantId);
      const tallies = new Map<string, Tally>();
      const problems = await walk(reader, tallies);

      const counters = await (await fetch(`${sim.url}/__sim/counters`)).json() as { total: number; rateLimited: number; sideEffects: Record<string, { printed: string[]; emailed: string[]; eprinted: string[]; einvoiced: string[]; writes: number }> };
      const effects = counters.sideEffects[tenantId];
      if (effects !== undefined && effects.printed.length + effects.emailed.length + effects.eprinted.length + effects.einvoiced.length + effects.writes > 0) {
        problems.push(`the walk caused side effects in Fortnox: ${JSON.stringify(effects)}`);
      }
      const seconds = (performance.now() - started) / 1000;
      printSummary(tallies, reader, counters, seconds, windowMs);
      if (problems.length > 0) {
        console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
        return 1;
      }
      console.log('\nAll checks passed: every record read, books balance, no side effects, no 429.');
      return 0;
    } finally {
      await sim.close();
    }
  },
};

async function walk(reader: FortnoxReader, tallies: Map<string, Tally>): Promise<string[]> {
  const problems: string[] = [];
  const tally = (name: string): Tally => {
    let t = tallies.get(name);
    if (t === undefined) tallies.set(name, (t = { records: 0, requests: 0, bytes: 0 }));
    return t;
  };
  const measure = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const before = reader.stats.attempts;
    const result = await f();
    tally(name).requests += reader.stats.attempts - before;
    return result;
  };

  await measure('companyinformation', async () => {
    await reader.companyInformation();
    tally('companyinformation').records++;
  });
  for (const name of REGISTERS) {
    await measure(name, async () => {
      for await (const item of reader.items(name)) {
        const record = CATALOGUE[name].listItemsComplete ? item : await reader.detail(name, item);
        tally(name).records++;
        if (name === 'invoices') {
          const number = toText(record.DocumentNumber) ?? '';
          const pdf = await reader.invoicePreview(number);
          if (pdf.body.subarray(0, 5).toString('latin1') !== '%PDF-') problems.push(`invoice ${number}: preview is not a PDF`);
          tally('invoice PDFs').records++;
          tally('invoice PDFs').bytes += pdf.body.length;
        }
        if (name === 'supplierinvoicefileconnections' || name === 'voucherfileconnections') {
          const file = await reader.archiveFile(toText(record.FileId) ?? '');
          tally('files').records++;
          tally('files').bytes += file.body.length;
        }
      }
    });
  }

  const years = await measure('financialyears', async () => {
    const list = [];
    for await (const y of reader.items('financialyears')) list.push(y);
    tally('financialyears').records += list.length;
    return list;
  });
  for (const year of years) {
    const id = Number(year.Id);
    let apiVouchers = 0;
    await measure('accounts', async () => {
      // List items already carry balances, SRU and VAT codes; details add little for a walk.
      for await (const _ of reader.items('accounts', { financialYear: id })) tally('accounts').records++;
    });
    await measure('voucherseries', async () => {
      for await (const _ of reader.items('voucherseries', { financialYear: id })) tally('voucherseries').records++;
    });
    await measure('vouchers', async () => {
      for await (const _ of reader.items('vouchers', { financialYear: id })) apiVouchers++;
      tally('vouchers').records += apiVouchers;
    });
    for (const type of [1, 2, 3, 4] as const) {
      const file = await measure('SIE files', () => reader.sie(type, id));
      tally('SIE files').records++;
      tally('SIE files').bytes += file.body.length;
      if (type !== 4) continue;
      const parsed = parseSie(file.body);
      const checks = checkSie(parsed.document);
      const label = `financial year ${id} (${toText(year.FromDate) ?? '?'}–${toText(year.ToDate) ?? '?'})`;
      if (parsed.counts.vouchers !== apiVouchers) problems.push(`${label}: SIE 4 has ${parsed.counts.vouchers} vouchers, the API lists ${apiVouchers}`);
      if (checks.unbalancedVouchers.length > 0) problems.push(`${label}: ${checks.unbalancedVouchers.length} unbalanced vouchers in SIE 4`);
      if (checks.balanceMismatches.length > 0) problems.push(`${label}: IB + transactions ≠ UB on ${checks.balanceMismatches.length} accounts`);
      if (checks.resultMismatches.length > 0) problems.push(`${label}: RES ≠ transactions on ${checks.resultMismatches.length} accounts`);
      if (parsed.checksum.status === 'invalid') problems.push(`${label}: SIE 4 #KSUMMA is invalid`);
    }
    await sleep(0);
  }
  return problems;
}

function printSummary(tallies: Map<string, Tally>, reader: FortnoxReader, counters: { total: number; rateLimited: number }, seconds: number, windowMs: number): void {
  const rows = [...tallies.entries()];
  const pad = Math.max(...rows.map(([n]) => n.length), 10);
  console.log(`\n${'data set'.padEnd(pad)}  ${'records'.padStart(8)}  ${'requests'.padStart(8)}  ${'bytes'.padStart(10)}`);
  for (const [name, t] of rows) {
    console.log(`${name.padEnd(pad)}  ${String(t.records).padStart(8)}  ${String(t.requests || '').padStart(8)}  ${String(t.bytes || '').padStart(10)}`);
  }
  const stats = reader.stats;
  const allowed = (25 / windowMs) * 1000;
  console.log(`\n${stats.attempts} API requests in ${seconds.toFixed(1)} s (${(stats.attempts / seconds).toFixed(1)}/s; allowed ${allowed.toFixed(0)}/s), ` +
    `${counters.rateLimited} answered 429, ${counters.total} requests seen by the simulator.`);
}
