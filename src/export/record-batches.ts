import type { Repository } from '../repository/repository.ts';
import type { TreeEntry } from '../repository/tree.ts';

/** Largest span of one pack fetched in one request; records far apart in a pack are fetched apart. */
const MAX_SPAN = 8 * 1024 * 1024;

/**
 * A data set's records in key order, read in batches: the entries of a batch are grouped by pack and each
 * pack's needed range is fetched with one request, instead of one request per record (on the filesystem
 * store that is one open/read/close per record, which made exports of many small records slow). Every
 * blob is still decrypted and checked against its id on its own. Memory: one batch and its pack spans.
 */
export async function* recordBatches(repo: Repository, snapshotId: string, dataset: string, batchSize = 1024): AsyncGenerator<{ key: string; bytes: Buffer }[]> {
  let batch: TreeEntry[] = [];
  let indexRefreshed = false;
  const flush = async (): Promise<{ key: string; bytes: Buffer }[]> => {
    if (!indexRefreshed) {
      await repo.refreshIndex();
      indexRefreshed = true;
    }
    const byPack = new Map<string, { entry: TreeEntry; offset: number; length: number }[]>();
    const out = new Map<string, Buffer>();
    for (const entry of batch) {
      const loc = repo.index.get(entry.id)?.[0];
      if (loc === undefined) continue; // readBlob below reports it precisely
      const list = byPack.get(loc.pack) ?? [];
      list.push({ entry, offset: loc.offset, length: loc.length });
      byPack.set(loc.pack, list);
    }
    for (const [pack, items] of byPack) {
      items.sort((a, b) => a.offset - b.offset);
      const object = repo.vault.layout.abs(pack);
      let i = 0;
      while (i < items.length) {
        const start = items[i]!.offset;
        let j = i;
        while (j + 1 < items.length && items[j + 1]!.offset + items[j + 1]!.length - start <= MAX_SPAN) j++;
        const end = items[j]!.offset + items[j]!.length;
        try {
          const span = await repo.vault.getRange(object, start, end - start, 'reading records for an export');
          for (const it of items.slice(i, j + 1)) {
            out.set(it.entry.id, repo.vault.openBlob(object, 'record', it.entry.id, span.subarray(it.offset - start, it.offset - start + it.length)));
          }
        } catch {
          // Fall back to one read per blob, which tries every copy and names what is wrong.
        }
        i = j + 1;
      }
    }
    const result = [];
    for (const entry of batch) result.push({ key: entry.key, bytes: out.get(entry.id) ?? (await repo.readBlob(entry.id, 'record')) });
    batch = [];
    return result;
  };
  for await (const entry of repo.listEntries(snapshotId, dataset)) {
    if (entry.kind !== 'r') continue;
    batch.push(entry);
    if (batch.length >= batchSize) yield await flush();
  }
  if (batch.length > 0) yield await flush();
}

/** The same, one record at a time. */
export async function* records(repo: Repository, snapshotId: string, dataset: string): AsyncGenerator<{ key: string; bytes: Buffer }> {
  for await (const batch of recordBatches(repo, snapshotId, dataset)) yield* batch;
}
