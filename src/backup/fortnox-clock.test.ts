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

  it("does not read a change again in the next run when Fortnox's clock moved on while the reader sat idle", async () => {
    // Two days pass on Fortnox's clock between runs (here a jump; for a kept reader, a suspended host),
    // while our monotonic clock moves seconds: the run must not take its start from the stale answer.
    const company = f.sim.simulator.companies.get(Number(f.fortnoxTenant))!;
    const [key, customer] = [...company.customers.entries()][1]!;
    await f.control('POST', 'clock/advance', { days: 2 });
    customer.data.Comments = 'Ändrad igen';
    customer.modified = f.sim.simulator.clock.now();
    // Longer ago than the overlap, so only a window measured from a stale start would name it next time.
    await f.control('POST', 'clock/advance', { hours: 4 });
    const atStart = f.sim.simulator.clock.now();
    const inc = await runBackup(deps, { refreshFraction: 0 });
    assert.equal(inc.status, 'succeeded');
    assert.equal(((await f.repo.readRecord(inc.snapshotId!, 'customers', key)) as { Comments: string | null }).Comments, 'Ändrad igen');
    const fortnoxStartedAt = Date.parse((await f.repo.readSnapshot(inc.snapshotId!)).run.fortnoxStartedAt as string);
    assert.ok(Math.abs(fortnoxStartedAt - atStart) < 60_000, `the run started at ${new Date(fortnoxStartedAt).toISOString()} on Fortnox's clock, which said ${new Date(atStart).toISOString()}`);
    await f.control('POST', 'clock/advance', { days: 2 });
    const next = await runBackup(deps, { refreshFraction: 0 });
    assert.equal(next.status, 'succeeded');
    assert.equal(next.datasets.find((d) => d.dataset === 'customers')?.fetched, 0, 'nothing changed since the previous run, so no customer is read again');
  });
});
