import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestApp, type TestApp } from '../app.test-support.ts';
import { createTenant, indexSnapshot, type Tenant } from '../db/index.ts';
import { resolveSnapshot } from './app-command.ts';

describe('resolveSnapshot', () => {
  let t: TestApp;
  let a: Tenant;
  let b: Tenant;
  before(async () => {
    t = await openTestApp();
    a = await createTenant(t.app.db, { name: 'A AB' });
    b = await createTenant(t.app.db, { name: 'B AB' });
    const snap = (snapshotId: string, seq: number) => ({ snapshotId, seq, createdAt: new Date(Date.UTC(2025, 0, seq)), manifestKey: `m/${snapshotId}`, formatVersion: 1, datasets: [] });
    await indexSnapshot(t.app.db, a.id, snap('abcd1111', 1), []);
    await indexSnapshot(t.app.db, a.id, snap('abcd2222', 2), []);
    await indexSnapshot(t.app.db, b.id, snap('beef3333', 1), []);
  });
  after(() => t.cleanup());

  it('takes a unique prefix of the tenant\'s own snapshot ids, or latest, like git', async () => {
    assert.equal((await resolveSnapshot(t.app, a, 'abcd1')).snapshotId, 'abcd1111');
    assert.equal((await resolveSnapshot(t.app, a, 'ABCD2222')).snapshotId, 'abcd2222');
    assert.equal((await resolveSnapshot(t.app, a, 'latest')).snapshotId, 'abcd2222');
  });

  it('refuses an ambiguous prefix, a malformed one, and another tenant\'s snapshot', async () => {
    await assert.rejects(resolveSnapshot(t.app, a, 'abcd'), { code: 'SNAPSHOT_AMBIGUOUS', exitCode: 2 });
    await assert.rejects(resolveSnapshot(t.app, a, 'abc'), { code: 'SNAPSHOT_BAD_REF' });
    await assert.rejects(resolveSnapshot(t.app, a, 'ab%d'), { code: 'SNAPSHOT_BAD_REF' });
    await assert.rejects(resolveSnapshot(t.app, a, 'beef3333'), { code: 'SNAPSHOT_UNKNOWN' });
    assert.equal((await resolveSnapshot(t.app, b, 'beef')).snapshotId, 'beef3333');
  });
});
