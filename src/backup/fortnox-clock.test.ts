/**
 * `lastmodified` is stamped by Fortnox's clock. A backup that measured its change window on its own
 * clock would miss changes whenever the two disagree (time zones, drift, or here a simulator whose
 * clock is 400 days behind ours). Runs without a pinned `now`, as the CLI and the scheduler do.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases, type TestDatabase } from '../db/test-databases.test-support.ts';
import { startBackupFixture, type BackupFixture } from './backup.test-support.ts';
import { runBackup, type BackupDeps } from './run-backup.ts';

describe("the change window runs on Fortnox's clock", () => {
  let t: TestDatabase;
  let f: BackupFixture;
  let deps: BackupDeps;
  before(async () => {
    t = await testDatabases()[0]!.open();
    f = await startBackupFixture(t, { start: Date.now() - 400 * 86_400_000 });
    const { now: _pinned, ...unpinned } = f.deps;
    deps = unpinned;
  });
  after(async () => {
    await f.close();
    await t.cleanup();
  });

  it('finds a change only a detail shows, though our clock is 400 days ahead of Fortnox\'s', async () => {
    const full = await runBackup(deps, { refreshFraction: 0 });
    assert.equal(full.status, 'succeeded');
    const company = f.sim.simulator.companies.get(Number(f.fortnoxTenant))!;
    const [key, customer] = [...company.customers.entries()][0]!;
    // Edited in Fortnox: `Comments` is not among the list's fields, so only lastmodified can tell.
    customer.data.Comments = 'Ändrad i Fortnox';
    customer.modified = f.sim.simulator.clock.now();
    await f.control('POST', 'clock/advance', { minutes: 5 });
    const inc = await runBackup(deps, { refreshFraction: 0 });
    assert.equal(inc.status, 'succeeded');
    const stored = (await f.repo.readRecord(inc.snapshotId!, 'customers', key)) as { Comments: string | null };
    assert.equal(stored.Comments, 'Ändrad i Fortnox');
  });
});
