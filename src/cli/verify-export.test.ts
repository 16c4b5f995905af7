/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- the commands' JSON output is read field by field */
/**
 * verify and export end to end through `main()`: the simulator's small company is backed up by the real
 * backup run (`noxbackup backup`), then verified and exported; then a pack on disk gets a flipped bit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { ZipReader } from '../export/zip-reader.ts';
import type { ExportManifest } from '../export/export.ts';
import { cli } from './cli.test-support.ts';


async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out.sort();
}

describe('noxbackup verify and export', () => {
  let sim: RunningSimulator;
  let dataDir: string;
  let d: string[];
  let tenant: string;
  before(async () => {
    sim = await startSimulator({ seed: 11, size: 'small', companies: 1, rateLimit: 1000, rateWindowMs: 1000 });
    dataDir = await mkdtemp(join(tmpdir(), 'nox-cli-ve-'));
    d = ['--data-dir', dataDir];
    process.env.FORTNOX_RATE_LIMIT = '1000';
    process.env.FORTNOX_RATE_WINDOW_MS = '1000';
    const added = await cli('tenant', 'add', '--simulator', sim.url, '--json', ...d);
    assert.equal(added.code, 0, added.err);
    tenant = String(sim.tenants[0]!.tenantId);
    const backup = await cli('backup', '--tenant', tenant, '--json', ...d);
    assert.equal(backup.code, 0, backup.err + backup.out);
  });
  after(async () => {
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('verifies a fresh backup of the small company: every pack read, books balanced, vouchers equal to the SIE files', async () => {
    const r = await cli('verify', '--tenant', tenant, '--read-data', '--json', ...d);
    const report = JSON.parse(r.out);
    assert.equal(r.code, 0, JSON.stringify(report.findings, null, 2));
    assert.equal(report.ok, true);
    assert.equal(report.data.packsRead, report.data.packs);
    assert.ok(report.books.length >= 3);
    for (const y of report.books) {
      assert.ok(y.vouchersInSie > 0 || y.vouchersInSnapshot === 0, JSON.stringify(y));
      assert.equal(y.vouchersInSnapshot, y.vouchersInSie, `year ${y.financialYear}`);
      assert.equal(y.unbalancedVouchers + y.balanceMismatches + y.resultMismatches, 0);
    }
    const text = await cli('verify', '--tenant', tenant, ...d);
    assert.equal(text.code, 0);
    assert.match(text.out, /— OK: 0 errors/);
    assert.match(text.out, /year \d+ \d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d: vouchers: snapshot \d+, SIE \d+/);
  });

  it('exports the latest snapshot to a ZIP that opens, whose files match manifest.json', async () => {
    const out = join(dataDir, 'export.zip');
    const r = await cli('export', 'latest', '--out', out, '--tenant', tenant, '--json', ...d);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out);
    assert.ok(summary.mbPerSecond > 0);
    if (spawnSync('unzip', ['-v']).status === 0) execFileSync('unzip', ['-t', '-qq', out]);
    const zip = await ZipReader.open(out);
    try {
      const manifest = JSON.parse((await zip.read('manifest.json')).toString('utf8')) as ExportManifest;
      assert.equal(manifest.files.length + 1, zip.entries.length);
      for (const f of manifest.files) assert.equal(createHash('sha256').update(await zip.read(f.path)).digest('hex'), f.sha256, f.path);
      const names = zip.entries.map((e) => e.name);
      for (const p of ['README.txt', 'data/customers.json', 'csv/customers.csv', 'csv/vouchers_rader.csv']) assert.ok(names.includes(p), p);
      assert.ok(names.some((n) => /^sie\/\d{4}_\d{8}-\d{8}_typ4\.se$/.test(n)));
      assert.ok(names.some((n) => n.startsWith('fakturor/faktura_')));
      assert.ok(names.some((n) => n.startsWith('filer/')));
    } finally {
      await zip.close();
    }
    const subset = await cli('export', 'latest', '--out', join(dataDir, 'sub.zip'), '--datasets', 'customers,suppliers', '--tenant', tenant, '--json', ...d);
    assert.deepEqual(Object.keys(JSON.parse(subset.out).datasets).sort(), ['customers', 'suppliers']);
  });

  it('refuses bad usage with exit code 2', async () => {
    assert.equal((await cli('verify', '--tenant', tenant, '--read-data=0', ...d)).code, 2);
    assert.equal((await cli('verify', '--tenant', tenant, '--read-data=abc', ...d)).code, 2);
    assert.equal((await cli('export', 'latest', '--tenant', tenant, ...d)).code, 2);
    assert.equal((await cli('export', 'latest', '--out', join(dataDir, 'x.zip'), '--datasets', 'kunder', '--tenant', tenant, ...d)).code, 2);
  });

  it('rotates sampled reads between runs and lists a flipped bit in a pack with exit code 1, naming the pack and the records', async () => {
    const a = JSON.parse((await cli('verify', '--tenant', tenant, '--read-data=50', '--json', ...d)).out);
    const b = JSON.parse((await cli('verify', '--tenant', tenant, '--read-data=50', '--json', ...d)).out);
    assert.deepEqual([a.data.slot, b.data.slot].sort(), [0, 1]);
    assert.equal(a.data.packsRead + b.data.packsRead, a.data.packs);

    const packs = (await filesUnder(join(dataDir, 'repository'))).filter((p) => /\/packs\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(p));
    const victim = packs[0]!;
    const bytes = await readFile(victim);
    bytes[Math.floor(bytes.length / 3)]! ^= 0x01;
    await writeFile(victim, bytes);

    const r = await cli('verify', '--tenant', tenant, '--read-data', '--json', ...d);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.out);
    const finding = report.findings.find((f: { object?: string }) => f.object !== undefined && victim.endsWith(f.object));
    assert.ok(finding, JSON.stringify(report.findings, null, 2));
    assert.match(finding.code, /^REPO_CORRUPT_/);
    assert.ok(finding.affectedCount > 0 && finding.affects.every((a: { snapshot: string }) => a.snapshot.length === 64), JSON.stringify(finding));
    const human = await cli('verify', '--tenant', tenant, '--read-data', ...d);
    assert.equal(human.code, 1);
    assert.match(human.out, /PROBLEMS FOUND/);
    assert.match(human.out, new RegExp(finding.code));

    const runs = JSON.parse((await cli('verify', '--list', '--tenant', tenant, '--json', ...d)).out);
    assert.ok(runs.length >= 6);
    assert.equal(runs[0].ok, false);
    assert.equal(runs[0].trigger, 'cli');
    const listed = await cli('verify', '--list', '--tenant', tenant, ...d);
    assert.equal(listed.code, 0);
    assert.match(listed.out, /PROBLEMS/);
  });
});
