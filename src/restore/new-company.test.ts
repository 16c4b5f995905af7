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
import { createRestoreRun, journalRestoreItem } from '../db/restore-runs.ts';
import type { JsonObject } from '../fortnox/index.ts';
import { itemId } from './apply.ts';
import { str } from './fields.ts';
import { nonEmptyDatasets, restoreNewCompany } from './new-company.ts';
import { voucherBody } from './writable.ts';
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

describe('resuming a new-company restore that crashed just after a voucher reached Fortnox', () => {
  let env: RestoreTestEnv;
  after(() => env.close());

  it('finds the voucher at the number it expected and does not send it again', async () => {
    env = await startRestoreEnv({ companies: 1, emptyCompanies: 1 });
    const [a, b] = env.tenants as [TenantHandle, TenantHandle];
    const snapshotId = (await runBackup({ db: env.db, repository: a.repository, reader: a.reader, tenantId: a.tenantId })).snapshotId!;
    const years = new Map<string, string>();
    for await (const y of a.reader.items('financialyears')) years.set(str(y.Id), str(y.FromDate));
    const keys: string[] = [];
    for await (const { key } of a.repository.listEntries(snapshotId, 'vouchers')) keys.push(key);
    const [year, series, number] = keys
      .map((k) => k.split('/') as [string, string, string])
      .sort((x, y) => years.get(x[0])!.localeCompare(years.get(y[0])!) || x[1].localeCompare(y[1]) || Number(x[2]) - Number(y[2]))[0]!;
    const sourceKey = `${year}/${series}/${number}`;
    let targetYear = '';
    for await (const y of b.reader.items('financialyears')) if (str(y.FromDate) === years.get(year)) targetYear = str(y.Id);
    const next = Number((await b.reader.detail('voucherseries', { Year: targetYear, Code: series })).NextVoucherNumber);

    // What the crashed process did: journalled the voucher as being written at the next number, sent it, died.
    const runId = 'crashed-new-company';
    await createRestoreRun(env.db, { tenantId: b.tenantId, id: runId, kind: 'new_company', snapshotId, sourceTenantId: a.tenantId, planJson: '{}', startedBy: null, startedAt: new Date().toISOString() });
    await journalRestoreItem(env.db, b.tenantId, runId, itemId('vouchers', sourceKey, 'create'), { status: 'writing', expectedKey: `${targetYear}/${series}/${next}` });
    const record = await a.repository.readRecord(snapshotId, 'vouchers', sourceKey);
    await b.writer.create('vouchers', voucherBody(record as JsonObject), { financialYear: Number(targetYear) });
    await env.control('POST', 'counters/reset');

    const report = await restoreNewCompany({
      db: env.db, source: { tenantId: a.tenantId, repository: a.repository }, snapshotId,
      target: { tenantId: b.tenantId, reader: b.reader, writer: b.writer }, outDir: join(env.dir, 'reports'), resumeRunId: runId,
    });
    assert.equal(report.status, 'succeeded', formatReport(report));
    const item = report.items.find((i) => i.dataset === 'vouchers' && i.key === sourceKey)!;
    assert.deepEqual([item.status, item.newKey], ['created', `${targetYear}/${series}/${next}`]);
    assert.match(item.message ?? '', /found in Fortnox/);
    assert.equal((await env.counters()).requests['POST /3/vouchers'], keys.length - 1);
    assert.equal(env.sim.simulator.companies.get(Number(b.tenantId))!.vouchers.size, keys.length);
  });
});

describe('a company to restore into that already has vouchers', () => {
  let env: RestoreTestEnv;
  after(() => env.close());

  it('is not empty: its vouchers are found in whichever financial year they are, and the restore refuses it', async () => {
    env = await startRestoreEnv({ companies: 1, emptyCompanies: 1 });
    const [a, b] = env.tenants as [TenantHandle, TenantHandle];
    assert.deepEqual(await nonEmptyDatasets(b.reader), [], 'the new company starts empty');
    const snapshotId = (await runBackup({ db: env.db, repository: a.repository, reader: a.reader, tenantId: a.tenantId })).snapshotId!;
    const years = new Map<string, string>();
    for await (const y of a.reader.items('financialyears')) years.set(str(y.Id), str(y.FromDate));
    let sourceKey = '';
    for await (const { key } of a.repository.listEntries(snapshotId, 'vouchers')) {
      sourceKey = key;
      break;
    }
    let targetYear = '';
    for await (const y of b.reader.items('financialyears')) if (str(y.FromDate) === years.get(sourceKey.split('/')[0]!)) targetYear = str(y.Id);
    const record = await a.repository.readRecord(snapshotId, 'vouchers', sourceKey);
    await b.writer.create('vouchers', voucherBody(record as JsonObject), { financialYear: Number(targetYear) });
    assert.deepEqual(await nonEmptyDatasets(b.reader), ['vouchers']);
    await assert.rejects(
      restoreNewCompany({ db: env.db, source: { tenantId: a.tenantId, repository: a.repository }, snapshotId, target: { tenantId: b.tenantId, reader: b.reader, writer: b.writer }, outDir: join(env.dir, 'reports') }),
      (err: { code?: string; message?: string }) => err.code === 'RESTORE_TARGET_NOT_EMPTY' && /vouchers/.test(err.message ?? ''),
    );
  });
});
