import type { Transaction } from 'kysely';
import type { Database } from './database.ts';
import { DatabaseError } from './errors.ts';
import type { Db } from './open-database.ts';
import { compareRecordKeys } from './record-keys.ts';
import { inTransaction, lockTenant } from './transaction.ts';

export interface SnapshotToIndex {
  /** The repository's id of the snapshot (lowercase hex). */
  readonly snapshotId: string;
  /** The tenant's snapshot sequence number, from the manifest; greater than every seq already indexed. */
  readonly seq: number;
  readonly createdAt: Date | string;
  readonly runId?: string | null | undefined;
  /** Where the manifest lives in the object store. */
  readonly manifestKey: string;
  readonly formatVersion: number;
  /** Every data set the snapshot has a tree for; `count` is the number of records in that tree. */
  readonly datasets: readonly { readonly dataset: string; readonly complete: boolean; readonly count: number }[];
}

/** One record of a snapshot's tree. */
export interface RecordEntry {
  readonly dataset: string;
  readonly key: string;
  readonly blobId: string;
}

export interface IndexedDataset {
  readonly dataset: string;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
  /** Records an incomplete data set did not reach: their versions stay current (carried forward). */
  readonly carried: number;
}

export interface IndexSnapshotResult {
  /** True when this snapshot was indexed before (a retry): nothing was read or written. */
  readonly alreadyIndexed: boolean;
  readonly datasets: readonly IndexedDataset[];
}

const DEFAULT_BATCH_SIZE = 500;

/**
 * Adds a snapshot to the index: its row, its data sets, and the record versions it opens and closes.
 *
 * `listing` is the snapshot's full tree: each data set's records together, sorted by key
 * (`compareRecordKeys`). It is merged, in one pass, with the versions current before this snapshot
 * (read in pages), and the writes go out in batches, so memory stays bounded however large the data
 * set. A record whose blob changed gets its old version closed at `seq - 1` and a new one opened at
 * `seq`; a new record gets a version opened; a record missing from a *complete* data set gets its
 * version closed at `seq - 1`. A record missing from an *incomplete* data set is not taken as deleted:
 * the backup simply did not reach it, so its version stays current. Data sets the snapshot does not
 * mention are left as they are.
 *
 * All of it happens in one transaction (the caller's, if `db` is one): a failure, including a listing
 * that is out of order or does not match the declared counts, leaves the index as it was. Indexing a
 * snapshot that is already indexed with the same seq is a no-op, so a retry after a crash is safe.
 */
export async function indexSnapshot(
  db: Db,
  tenantId: string,
  snapshot: SnapshotToIndex,
  listing: AsyncIterable<RecordEntry> | Iterable<RecordEntry>,
  options: { batchSize?: number } = {},
): Promise<IndexSnapshotResult> {
  validateSnapshot(snapshot);
  const { seq } = snapshot;
  return inTransaction(db, async (trx) => {
    await lockTenant(trx, tenantId);
    const existing = await trx
      .selectFrom('snapshots')
      .select(['snapshot_id', 'seq'])
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('snapshot_id', '=', snapshot.snapshotId), eb('seq', '=', seq)]))
      .execute();
    if (existing.length === 1 && existing[0]!.snapshot_id === snapshot.snapshotId && existing[0]!.seq === seq) {
      return { alreadyIndexed: true, datasets: [] };
    }
    if (existing.length > 0) {
      throw new DatabaseError(
        'DB_SNAPSHOT_CONFLICT',
        `Snapshot ${snapshot.snapshotId} (seq ${seq}) conflicts with indexed ${existing.map((e) => `${e.snapshot_id} (seq ${e.seq})`).join(', ')}`,
        { details: { tenantId, snapshotId: snapshot.snapshotId, seq } },
      );
    }
    const latest = await trx.selectFrom('snapshots').select((eb) => eb.fn.max('seq').as('seq')).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (latest?.seq !== undefined && latest.seq !== null && latest.seq >= seq) {
      throw new DatabaseError(
        'DB_INDEX_OUT_OF_ORDER',
        `Snapshot ${snapshot.snapshotId} has seq ${seq}, but the index of tenant ${tenantId} already reaches seq ${latest.seq}; ` +
          'snapshots are indexed in order (rebuild the index to insert an older one)',
        { details: { tenantId, seq, latestSeq: latest.seq } },
      );
    }

    const now = new Date().toISOString();
    await trx
      .insertInto('snapshots')
      .values({
        tenant_id: tenantId,
        seq,
        snapshot_id: snapshot.snapshotId,
        created_at: toIso(snapshot.createdAt),
        run_id: snapshot.runId ?? null,
        manifest_key: snapshot.manifestKey,
        format_version: snapshot.formatVersion,
        indexed_at: now,
      })
      .execute();
    if (snapshot.datasets.length > 0) {
      await trx
        .insertInto('snapshot_datasets')
        .values(snapshot.datasets.map((d) => ({ tenant_id: tenantId, seq, dataset: d.dataset, complete: d.complete ? 1 : 0, record_count: d.count })))
        .execute();
    }

    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const writer = new VersionWriter(trx, tenantId, seq, batchSize);
    const declared = new Map(snapshot.datasets.map((d) => [d.dataset, d]));
    const results: IndexedDataset[] = [];
    let merge: DatasetMerge | undefined;
    const finish = async (m: DatasetMerge) => {
      results.push(await m.finish());
      declared.delete(m.dataset);
    };
    for await (const chunk of chunksByDataset(listing, batchSize)) {
      const dataset = chunk[0]!.dataset;
      if (merge?.dataset !== dataset) {
        if (merge !== undefined) await finish(merge);
        const d = declared.get(dataset);
        if (d === undefined) {
          const seen = results.some((r) => r.dataset === dataset);
          throw invalidListing(
            seen ? `the records of data set ${dataset} are not all together` : `data set ${dataset} is not among the snapshot's data sets`,
            snapshot,
          );
        }
        merge = new DatasetMerge(trx, tenantId, seq, d, writer, batchSize, snapshot);
      }
      await merge.add(chunk);
    }
    if (merge !== undefined) await finish(merge);
    // Declared data sets without a single record: everything they held is gone (if complete).
    for (const d of [...declared.values()]) {
      await finish(new DatasetMerge(trx, tenantId, seq, d, writer, batchSize, snapshot));
    }
    await writer.flush();
    return { alreadyIndexed: false, datasets: results.sort((a, b) => compareRecordKeys(a.dataset, b.dataset)) };
  });
}

/**
 * Removes a snapshot from the index (after `forget`). Versions seen in no remaining snapshot go; when
 * the latest snapshot goes, the versions current in the one before it become current again, so the
 * next snapshot is compared with what the index then holds. Returns false if it was not indexed.
 */
export async function deleteSnapshotFromIndex(db: Db, tenantId: string, snapshotId: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    await lockTenant(trx, tenantId);
    const row = await trx.selectFrom('snapshots').select('seq').where('tenant_id', '=', tenantId).where('snapshot_id', '=', snapshotId).executeTakeFirst();
    if (row === undefined) return false;
    const s = row.seq;
    const neighbours = await trx
      .selectFrom('snapshots')
      .select((eb) => [
        eb.fn.max<number | null>(eb.case().when('seq', '<', s).then(eb.ref('seq')).end()).as('prev'),
        eb.fn.min<number | null>(eb.case().when('seq', '>', s).then(eb.ref('seq')).end()).as('next'),
      ])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    const prev = neighbours.prev ?? 0;
    const next = neighbours.next;

    await trx.deleteFrom('snapshot_datasets').where('tenant_id', '=', tenantId).where('seq', '=', s).execute();
    await trx.deleteFrom('snapshots').where('tenant_id', '=', tenantId).where('seq', '=', s).execute();
    // Every version contains at least one indexed seq; those whose only ones lay in (prev, next) go.
    await trx
      .deleteFrom('record_versions')
      .where('tenant_id', '=', tenantId)
      .where('first_seq', '>', prev)
      .where('first_seq', '<=', s)
      .$call((q) => (next === null ? q : q.where('last_seq', '<', next)))
      .execute();
    if (next === null && neighbours.prev !== null) {
      await trx
        .updateTable('record_versions')
        .set({ last_seq: null })
        .where('tenant_id', '=', tenantId)
        .where('last_seq', '>=', prev)
        .where('last_seq', '<', s)
        .execute();
    }
    return true;
  });
}

/** Empties a tenant's snapshot and record-version index, before rebuilding it from the repository. */
export async function clearTenantIndex(db: Db, tenantId: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    await lockTenant(trx, tenantId);
    await trx.deleteFrom('record_versions').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('snapshot_datasets').where('tenant_id', '=', tenantId).execute();
    await trx.deleteFrom('snapshots').where('tenant_id', '=', tenantId).execute();
  });
}

/** Merges one data set's sorted listing with its versions current before `seq`. */
class DatasetMerge {
  readonly dataset: string;
  readonly #declared: SnapshotToIndex['datasets'][number];
  readonly #current: CurrentVersions;
  readonly #writer: VersionWriter;
  readonly #snapshot: SnapshotToIndex;
  #lastKey: string | undefined;
  #added = 0;
  #changed = 0;
  #removed = 0;
  #unchanged = 0;
  #carried = 0;

  constructor(
    trx: Transaction<Database>,
    tenantId: string,
    seq: number,
    declared: SnapshotToIndex['datasets'][number],
    writer: VersionWriter,
    pageSize: number,
    snapshot: SnapshotToIndex,
  ) {
    this.dataset = declared.dataset;
    this.#declared = declared;
    this.#current = new CurrentVersions(trx, tenantId, declared.dataset, seq, pageSize);
    this.#writer = writer;
    this.#snapshot = snapshot;
  }

  /** Merges the next records of the data set. Awaits only to read a page or write a batch. */
  async add(entries: readonly RecordEntry[]): Promise<void> {
    for (const entry of entries) {
      if (typeof entry.key !== 'string' || entry.key === '' || typeof entry.blobId !== 'string' || entry.blobId === '') {
        throw invalidListing(`a record of data set ${this.dataset} has an empty key or blob id`, this.#snapshot);
      }
      if (this.#lastKey !== undefined && compareRecordKeys(this.#lastKey, entry.key) >= 0) {
        throw invalidListing(
          `data set ${this.dataset} is not sorted by key: ${JSON.stringify(entry.key)} follows ${JSON.stringify(this.#lastKey)}`,
          this.#snapshot,
        );
      }
      this.#lastKey = entry.key;
      for (;;) {
        const cur = this.#current.peek() ?? (await this.#current.load());
        if (cur === undefined || compareRecordKeys(cur.key, entry.key) > 0) {
          this.#added++;
          this.#writer.open(this.dataset, entry.key, entry.blobId);
          break;
        }
        this.#current.advance();
        if (cur.key === entry.key) {
          if (cur.blobId === entry.blobId) {
            this.#unchanged++;
          } else {
            this.#changed++;
            this.#writer.close(this.dataset, cur.key);
            this.#writer.open(this.dataset, entry.key, entry.blobId);
          }
          break;
        }
        this.#missing(cur.key);
        if (this.#writer.full) await this.#writer.flush();
      }
      if (this.#writer.full) await this.#writer.flush();
    }
  }

  /** Takes the versions the listing did not mention as removed (or carried), and checks the count. */
  async finish(): Promise<IndexedDataset> {
    for (let cur = this.#current.peek() ?? (await this.#current.load()); cur !== undefined; cur = this.#current.peek() ?? (await this.#current.load())) {
      this.#current.advance();
      this.#missing(cur.key);
      if (this.#writer.full) await this.#writer.flush();
    }
    const seen = this.#added + this.#changed + this.#unchanged;
    if (seen !== this.#declared.count) {
      throw invalidListing(`data set ${this.dataset} declares ${this.#declared.count} records but the listing has ${seen}`, this.#snapshot);
    }
    return {
      dataset: this.dataset,
      added: this.#added,
      changed: this.#changed,
      removed: this.#removed,
      unchanged: this.#unchanged,
      carried: this.#carried,
    };
  }

  #missing(key: string): void {
    if (this.#declared.complete) {
      this.#removed++;
      this.#writer.close(this.dataset, key);
    } else {
      this.#carried++;
    }
  }
}

/** The versions of one data set current before `seq`, in key order, read a page at a time. */
class CurrentVersions {
  readonly #trx: Transaction<Database>;
  readonly #tenantId: string;
  readonly #dataset: string;
  readonly #seq: number;
  readonly #pageSize: number;
  #page: { key: string; blobId: string }[] = [];
  #index = 0;
  #exhausted = false;

  constructor(trx: Transaction<Database>, tenantId: string, dataset: string, seq: number, pageSize: number) {
    this.#trx = trx;
    this.#tenantId = tenantId;
    this.#dataset = dataset;
    this.#seq = seq;
    this.#pageSize = pageSize;
  }

  /** The next version, or undefined when the page is used up (then `load`) or there are no more. */
  peek(): { key: string; blobId: string } | undefined {
    return this.#page[this.#index];
  }

  /** Reads the next page; returns its first version, or undefined when there are no more. */
  async load(): Promise<{ key: string; blobId: string } | undefined> {
    if (this.#index < this.#page.length) return this.#page[this.#index];
    if (this.#exhausted) return undefined;
    const after = this.#page.at(-1)?.key;
    const rows = await this.#trx
      .selectFrom('record_versions')
      .select(['record_key', 'blob_id'])
      .where('tenant_id', '=', this.#tenantId)
      .where('dataset', '=', this.#dataset)
      .where('last_seq', 'is', null)
      // Versions this snapshot already opened are not "before" it.
      .where('first_seq', '<', this.#seq)
      .$call((q) => (after === undefined ? q : q.where('record_key', '>', after)))
      .orderBy('record_key')
      .limit(this.#pageSize)
      .execute();
    this.#page = rows.map((r) => ({ key: r.record_key, blobId: r.blob_id }));
    this.#index = 0;
    this.#exhausted = rows.length < this.#pageSize;
    return this.#page[0];
  }

  advance(): void {
    this.#index++;
  }
}

/**
 * Buffers version writes and sends them in batches. Closes go before opens: a changed record's new
 * version may only be inserted once its old one is no longer current (a unique index says so).
 */
class VersionWriter {
  readonly #trx: Transaction<Database>;
  readonly #tenantId: string;
  readonly #seq: number;
  readonly #batchSize: number;
  #closes: { dataset: string; key: string }[] = [];
  #opens: { dataset: string; key: string; blobId: string }[] = [];

  constructor(trx: Transaction<Database>, tenantId: string, seq: number, batchSize: number) {
    this.#trx = trx;
    this.#tenantId = tenantId;
    this.#seq = seq;
    this.#batchSize = batchSize;
  }

  open(dataset: string, key: string, blobId: string): void {
    this.#opens.push({ dataset, key, blobId });
  }

  close(dataset: string, key: string): void {
    this.#closes.push({ dataset, key });
  }

  /** Time to `flush`: a batch is ready. */
  get full(): boolean {
    return this.#opens.length + this.#closes.length >= this.#batchSize;
  }

  async flush(): Promise<void> {
    const closes = this.#closes;
    const opens = this.#opens;
    this.#closes = [];
    this.#opens = [];
    for (const [dataset, group] of Map.groupBy(closes, (c) => c.dataset)) {
      await this.#trx
        .updateTable('record_versions')
        .set({ last_seq: this.#seq - 1 })
        .where('tenant_id', '=', this.#tenantId)
        .where('dataset', '=', dataset)
        .where('last_seq', 'is', null)
        .where(
          'record_key',
          'in',
          group.map((c) => c.key),
        )
        .execute();
    }
    if (opens.length > 0) {
      await this.#trx
        .insertInto('record_versions')
        .values(
          opens.map((o) => ({ tenant_id: this.#tenantId, dataset: o.dataset, record_key: o.key, first_seq: this.#seq, last_seq: null, blob_id: o.blobId })),
        )
        .execute();
    }
  }
}

/**
 * The listing in chunks of one data set each, at most `size` long: the merge then awaits per chunk,
 * not per record (a synchronous iterable is read without awaiting at all).
 */
async function* chunksByDataset(listing: AsyncIterable<RecordEntry> | Iterable<RecordEntry>, size: number): AsyncGenerator<RecordEntry[]> {
  let chunk: RecordEntry[] = [];
  const take = (entry: RecordEntry): RecordEntry[] | undefined => {
    let full: RecordEntry[] | undefined;
    if (chunk.length >= size || (chunk.length > 0 && chunk[0]!.dataset !== entry.dataset)) {
      full = chunk;
      chunk = [];
    }
    chunk.push(entry);
    return full;
  };
  if (Symbol.iterator in listing) {
    for (const entry of listing) {
      const full = take(entry);
      if (full !== undefined) yield full;
    }
  } else {
    for await (const entry of listing) {
      const full = take(entry);
      if (full !== undefined) yield full;
    }
  }
  if (chunk.length > 0) yield chunk;
}

function validateSnapshot(s: SnapshotToIndex): void {
  const problems: string[] = [];
  if (!/^[0-9a-f]+$/.test(s.snapshotId)) problems.push(`snapshotId must be lowercase hex, got ${JSON.stringify(s.snapshotId)}`);
  if (!Number.isSafeInteger(s.seq) || s.seq < 1) problems.push(`seq must be a positive integer, got ${s.seq}`);
  if (Number.isNaN(new Date(s.createdAt).getTime())) problems.push(`createdAt is not a time: ${String(s.createdAt)}`);
  if (s.manifestKey === '') problems.push('manifestKey is empty');
  if (!Number.isSafeInteger(s.formatVersion)) problems.push(`formatVersion must be an integer, got ${s.formatVersion}`);
  const names = new Set<string>();
  for (const d of s.datasets) {
    if (d.dataset === '') problems.push('a data set has an empty name');
    if (names.has(d.dataset)) problems.push(`data set ${d.dataset} is declared twice`);
    names.add(d.dataset);
    if (!Number.isSafeInteger(d.count) || d.count < 0) problems.push(`data set ${d.dataset} has an invalid count ${d.count}`);
  }
  if (problems.length > 0) {
    throw new DatabaseError('DB_INDEX_INVALID_SNAPSHOT', `Cannot index snapshot ${s.snapshotId}: ${problems.join('; ')}`, { details: { problems } });
  }
}

function invalidListing(problem: string, s: SnapshotToIndex): DatabaseError {
  return new DatabaseError('DB_INDEX_INVALID_LISTING', `Cannot index snapshot ${s.snapshotId}: ${problem}; nothing was indexed`, {
    details: { snapshotId: s.snapshotId },
  });
}

function toIso(t: Date | string): string {
  return new Date(t).toISOString();
}
