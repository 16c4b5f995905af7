/**
 * The round trip against the simulator over HTTP: back up company A, restore it into the empty company
 * B, back up B (both with the backup engine), and compare field by field everything the API lets a restore write (compare.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compareRoundTrip } from './compare.ts';
import { restoreNewCompany } from './new-company.ts';
import { formatReport, type RestoreReport } from './report.ts';
import { runBackup } from '../backup/index.ts';
import { startRestoreEnv, type RestoreTestEnv, type TenantHandle } from './test-env.test-support.ts';
import { RestoreError } from './errors.ts';

describe('restoring into a new, empty company', () => {
  let env: RestoreTestEnv;
  let a: TenantHandle;
  let b: TenantHandle;
  let sourceSnapshot: string;
  let report: RestoreReport;
  const backUp = async (t: TenantHandle): Promise<string> => {
    const result = await runBackup({ db: env.db, repository: t.repository, reader: t.reader, tenantId: t.tenantId });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.warnings));
    return result.snapshotId!;
  };

  before(async () => {
    env = await startRestoreEnv({ companies: 1, emptyCompanies: 1 });
    [a, b] = env.tenants as [TenantHandle, TenantHandle];
    sourceSnapshot = await backUp(a);
    report = await restoreNewCompany({
      db: env.db, source: { tenantId: a.tenantId, repository: a.repository }, snapshotId: sourceSnapshot,
      target: { tenantId: b.tenantId, reader: b.reader, writer: b.writer }, outDir: join(env.dir, 'reports'),
    });
  });
  after(() => env.close());

  it('restores everything the API takes without a failure', () => {
    assert.equal(report.status, 'succeeded', formatReport(report));
    const statuses = new Set(report.items.map((i) => `${i.dataset}:${i.status}`));
    for (const expected of ['customers:created', 'suppliers:created', 'articles:created', 'projects:created', 'costcenters:created', 'vouchers:created', 'invoices:created', 'supplierinvoices:created', 'files:uploaded']) {
      assert.ok(statuses.has(expected), `${expected} in ${[...statuses].join(', ')}`);
    }
    assert.deepEqual(report.sieFiles, []);
  });

  it('writes vouchers in number order per series and year, and maps every old number to its new one', async () => {
    let count = 0;
    for await (const _ of a.repository.listEntries(sourceSnapshot, 'vouchers')) count++;
    assert.equal(Object.keys(report.numberMaps.vouchers ?? {}).length, count);
    const order = report.items.filter((i) => i.dataset === 'vouchers').map((i) => i.newKey!.split('/'));
    for (let i = 1; i < order.length; i++) {
      const [y0, s0, n0] = order[i - 1]!;
      const [y1, s1, n1] = order[i]!;
      if (y0 === y1 && s0 === s1) assert.equal(Number(n1), Number(n0) + 1, `${order[i - 1]!.join('/')} then ${order[i]!.join('/')}`);
    }
  });

  it('reproduces every writable field: a backup of the new company equals the original', async () => {
    const targetSnapshot = await backUp(b);
    const diffs = await compareRoundTrip({ repository: a.repository, snapshotId: sourceSnapshot }, { repository: b.repository, snapshotId: targetSnapshot }, report);
    assert.deepEqual(diffs.slice(0, 20), []);
  });

  it('names the record and field when the new company differs from the original', async () => {
    const [customer] = [...env.sim.simulator.companies.get(Number(b.tenantId))!.customers.keys()];
    await b.writer.update('customers', customer!, { City: 'Någon annanstans' });
    const targetSnapshot = await backUp(b);
    const diffs = await compareRoundTrip({ repository: a.repository, snapshotId: sourceSnapshot }, { repository: b.repository, snapshotId: targetSnapshot }, report);
    assert.deepEqual(diffs.map((d) => [d.dataset, d.key, d.field, d.target]), [['customers', customer, 'City', 'Någon annanstans']]);
  });

  it('writes nothing when run again on the same run', async () => {
    await env.control('POST', 'counters/reset');
    const again = await restoreNewCompany({
      db: env.db, source: { tenantId: a.tenantId, repository: a.repository }, snapshotId: sourceSnapshot,
      target: { tenantId: b.tenantId, reader: b.reader, writer: b.writer }, outDir: join(env.dir, 'reports'), resumeRunId: report.runId,
    });
    assert.equal(again.status, 'succeeded', formatReport(again));
    const posts = Object.entries((await env.counters()).requests).filter(([k]) => k.startsWith('POST') || k.startsWith('PUT'));
    assert.deepEqual(posts, []);
    assert.deepEqual(again.numberMaps, report.numberMaps);
  });

  it('refuses a company that is not empty', async () => {
    await assert.rejects(
      restoreNewCompany({
        db: env.db, source: { tenantId: a.tenantId, repository: a.repository }, snapshotId: sourceSnapshot,
        target: { tenantId: b.tenantId, reader: b.reader, writer: b.writer }, outDir: join(env.dir, 'reports'),
      }),
      (e: unknown) => e instanceof RestoreError && e.code === 'RESTORE_TARGET_NOT_EMPTY',
    );
  });
});
