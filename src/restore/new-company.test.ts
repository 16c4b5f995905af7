/**
 * What the API refuses goes into an SIE 4I file: here the new company lacks one voucher series, so
 * that series' vouchers cannot be written through the API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBackup } from '../backup/index.ts';
import { parseSie } from '../sie/index.ts';
import { restoreNewCompany } from './new-company.ts';
import { formatReport, type RestoreReport } from './report.ts';
import { startRestoreEnv, type RestoreTestEnv, type TenantHandle } from './test-env.test-support.ts';

describe('restoring into a new company that refuses some vouchers', () => {
  let env: RestoreTestEnv;
  let a: TenantHandle;
  let b: TenantHandle;
  let series: string;
  let report: RestoreReport;
  let sourceVouchers: string[];

  before(async () => {
    env = await startRestoreEnv({ companies: 1, emptyCompanies: 1 });
    [a, b] = env.tenants as [TenantHandle, TenantHandle];
    const snapshotId = (await runBackup({ db: env.db, repository: a.repository, reader: a.reader, tenantId: a.tenantId })).snapshotId!;
    sourceVouchers = [];
    for await (const { key } of a.repository.listEntries(snapshotId, 'vouchers')) sourceVouchers.push(key);
    series = sourceVouchers[0]!.split('/')[1]!;
    // The simulator's API cannot remove a voucher series; its state can.
    for (const perYear of env.sim.simulator.companies.get(Number(b.tenantId))!.voucherSeries.values()) perYear.delete(series);
    report = await restoreNewCompany({
      db: env.db, source: { tenantId: a.tenantId, repository: a.repository }, snapshotId,
      target: { tenantId: b.tenantId, reader: b.reader, writer: b.writer }, outDir: join(env.dir, 'reports'),
    });
  });
  after(() => env.close());

  it('reports the refused vouchers with Fortnox\'s message and restores the rest', () => {
    assert.equal(report.status, 'partial', formatReport(report));
    const failed = report.items.filter((i) => i.dataset === 'vouchers' && i.status === 'failed');
    const inSeries = sourceVouchers.filter((k) => k.split('/')[1] === series);
    assert.deepEqual(failed.map((i) => i.key).sort(), [...inSeries].sort());
    assert.ok(failed.every((i) => (i.message ?? '') !== ''));
    assert.equal(Object.keys(report.numberMaps.vouchers ?? {}).length, sourceVouchers.length - inSeries.length);
  });

  it('puts every refused voucher into SIE 4I files, one per financial year, named in the report', async () => {
    assert.ok(report.sieFiles.length > 0);
    let vouchers = 0;
    for (const f of report.sieFiles) {
      const parsed = parseSie(await readFile(f.path));
      assert.equal(parsed.sieType, '4I');
      assert.equal(parsed.document.vouchers.length, f.vouchers);
      assert.ok(parsed.document.vouchers.every((v) => v.series === series && v.rows.reduce((s, r) => s + r.amount, 0n) === 0n));
      vouchers += f.vouchers;
    }
    assert.equal(vouchers, sourceVouchers.filter((k) => k.split('/')[1] === series).length);
    assert.match(formatReport(report), /SIE 4I file for import/);
  });
});
