/**
 * A backup writer to be killed: run as a child process by crash.test.ts. It writes snapshot after
 * snapshot into an fs repository, each one's content a function of its number, and prints
 * `committed <n> <id>` after each commit, until it is killed.
 * Environment: NOX_TEST_REPO (directory), NOX_TEST_KEY (base64 master key).
 */
import { FsObjectStore } from '../storage/fs-store.ts';
import { openRepository } from './repository.ts';
import { expectedRecords } from './crash-model.ts';

const store = new FsObjectStore({ root: process.env.NOX_TEST_REPO!, fsync: false });
const masterKeys = { current: { id: 'k', key: Buffer.from(process.env.NOX_TEST_KEY!, 'base64') }, old: [] };
const repo = await openRepository({ store, tenantId: 'acme', masterKeys, create: true, packTargetBytes: 2048, indexEveryPacks: 2 });
let parent = await repo.latestSnapshot();
for (let n = parent === undefined ? 0 : Number(parent.run.n) + 1; ; n++) {
  const w = await repo.beginSnapshot({ parent: parent?.id, runMeta: { n } });
  for (const [key, record] of expectedRecords(n)) await w.putRecord('customers', key, record);
  await w.putAttachment('files', 'doc', Buffer.from(`document of run ${n % 3}`.repeat(200)));
  parent = await w.commit();
  process.stdout.write(`committed ${n} ${parent.id}\n`);
}
