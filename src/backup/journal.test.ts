import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buffer as readAll } from 'node:stream/consumers';
import { openRepository } from '../repository/repository.ts';
import { testKeyring } from '../repository/test-support.ts';
import { MemoryObjectStore } from '../storage/memory-store.ts';

it('re-puts what an interrupted writer flushed, and refuses a blob no stored pack holds', async () => {
  const store = new MemoryObjectStore();
  const masterKeys = testKeyring();
  const repo = await openRepository({ store, tenantId: 't1', masterKeys, create: true });
  const first = await repo.beginSnapshot();
  const recordId = await first.putRecord('customers', '1', { CustomerNumber: '1', Name: 'Ab' });
  const attachment = await first.putAttachment('sie', '1/4', Buffer.from('#FLAGGA 0\r\n'));
  await first.flush();
  // The process dies here: no commit. A new process opens the repository from the store alone.
  const again = await openRepository({ store, tenantId: 't1', masterKeys });
  const second = await again.beginSnapshot();
  await second.putExistingEntry('customers', '1', 'r', recordId);
  await second.putExistingEntry('sie', '1/4', 'a', attachment.id);
  await assert.rejects(second.putExistingEntry('customers', '2', 'r', 'a'.repeat(64)), { code: 'REPO_MISSING_BLOB' });
  const snap = await second.commit();
  assert.deepEqual(await again.readRecord(snap.id, 'customers', '1'), { CustomerNumber: '1', Name: 'Ab' });
  assert.equal((await readAll(await again.readAttachment(snap.id, 'sie', '1/4'))).toString(), '#FLAGGA 0\r\n');
  assert.equal((await again.checkStructure()).ok, true);
});

it('puts an empty data set in the snapshot when asked to', async () => {
  const repo = await openRepository({ store: new MemoryObjectStore(), tenantId: 't1', masterKeys: testKeyring(), create: true });
  const w = await repo.beginSnapshot();
  w.includeDataSet('voucherfileconnections');
  const snap = await w.commit();
  assert.deepEqual(snap.datasets.voucherfileconnections && { count: snap.datasets.voucherfileconnections.count, complete: snap.datasets.voucherfileconnections.complete }, { count: 0, complete: true });
});
