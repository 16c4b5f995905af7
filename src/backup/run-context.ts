import { createHash } from 'node:crypto';
import { buffer as readAll } from 'node:stream/consumers';
import type { Db } from '../db/open-database.ts';
import { journalRunItems, type JournalItem } from '../db/backup-run-journal.ts';
import type { FortnoxReader, JsonObject, ListOptions, DataSetName } from '../fortnox/index.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotWriter } from '../repository/snapshot-writer.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';
import { withoutUrl } from './change-detection.ts';
import type { SnapshotDataSet } from './layout.ts';

export interface BackupProgress {
  runId: string;
  dataset: string;
  done: number;
  total: number | null;
  requests: number;
  bytes: number;
  etaSeconds: number | null;
  phase: string;
}

export type DataSetStatus = 'complete' | 'incomplete' | 'failed' | 'reused';

export interface DataSetTally {
  dataset: string;
  status: DataSetStatus;
  records: number;
  fetched: number;
  requests: number;
  bytes: number;
  added: number;
  changed: number;
  removed: number;
  error?: { code: string; message: string };
  /** For progress: records planned in the current step and how many are done. */
  total: number | null;
  done: number;
  startedAt: Date | null;
}

const journalKey = (dataset: string, key: string): string => `${dataset}\0${key}`;

/**
 * The state one backup run shares between its steps: the snapshot writer, the parent snapshot, the
 * journal of what is already stored, per-data-set tallies and progress. Every store goes through here,
 * so journaling, counting and progress cannot be forgotten by a step.
 */
export class RunContext {
  readonly runId: string;
  readonly db: Db;
  readonly tenantId: string;
  readonly reader: FortnoxReader;
  readonly repo: Repository;
  readonly writer: SnapshotWriter;
  readonly parent: SnapshotInfo | undefined;
  readonly signal: AbortSignal | undefined;
  readonly warnings: string[] = [];
  readonly tallies = new Map<string, DataSetTally>();
  readonly #journal: Map<string, JournalItem>;
  #pending: JournalItem[] = [];
  #lastFlush = performance.now();
  readonly #journalEvery: number;
  readonly #onProgress: ((e: BackupProgress) => void) | undefined;
  readonly #startAttempts: number;
  readonly #started = performance.now();
  readonly #parentEntries = new Map<string, Map<string, string>>();
  readonly #begun = new Set<string>();
  readonly #pipelines = new Set<string>();
  readonly #concurrency: number;
  bytes = 0;
  /** Details read only because they were in this run's refresh slot. */
  refreshed = 0;

  constructor(init: {
    runId: string;
    db: Db;
    tenantId: string;
    reader: FortnoxReader;
    repo: Repository;
    writer: SnapshotWriter;
    parent: SnapshotInfo | undefined;
    journal: readonly JournalItem[];
    /** The reader's request count before the run's first request (default: now). */
    startAttempts?: number;
    journalEvery: number;
    concurrency: number;
    signal?: AbortSignal;
    onProgress?: (e: BackupProgress) => void;
  }) {
    this.runId = init.runId;
    this.db = init.db;
    this.tenantId = init.tenantId;
    this.reader = init.reader;
    this.repo = init.repo;
    this.writer = init.writer;
    this.parent = init.parent;
    this.signal = init.signal;
    this.#journal = new Map(init.journal.map((j) => [journalKey(j.dataset, j.key), j]));
    this.#journalEvery = init.journalEvery;
    this.#concurrency = Math.max(1, init.concurrency);
    this.#onProgress = init.onProgress;
    this.#startAttempts = init.startAttempts ?? init.reader.stats.attempts;
  }

  get requests(): number {
    return this.reader.stats.attempts - this.#startAttempts;
  }

  tally(dataset: string): DataSetTally {
    let t = this.tallies.get(dataset);
    if (t === undefined) {
      t = { dataset, status: 'complete', records: 0, fetched: 0, requests: 0, bytes: 0, added: 0, changed: 0, removed: 0, total: null, done: 0, startedAt: null };
      this.tallies.set(dataset, t);
    }
    return t;
  }

  /** The parent has this data set complete: its records can be carried forward and trusted. */
  parentHas(dataset: string): boolean {
    return this.parent?.datasets[dataset] !== undefined;
  }

  parentComplete(dataset: string): boolean {
    return this.parent?.datasets[dataset]?.complete === true;
  }

  /** Opens a data set in the new snapshot: from the parent's records when it has them. */
  begin(dataset: SnapshotDataSet): void {
    const t = this.tally(dataset);
    t.startedAt ??= new Date();
    if (this.#begun.has(dataset)) return;
    this.#begun.add(dataset);
    if (this.parentHas(dataset)) this.writer.carryForward(dataset);
    else this.writer.includeDataSet(dataset);
  }

  /** Keeps the parent's data set untouched (not selected in this run). */
  reuse(dataset: SnapshotDataSet): void {
    if (this.#begun.has(dataset) || !this.parentHas(dataset)) return;
    this.#begun.add(dataset);
    this.writer.reuseDataSet(dataset);
    this.tally(dataset).status = 'reused';
  }

  /** The parent's keys and blob ids of a data set (loaded once; trees only, no records). */
  async parentEntries(dataset: string): Promise<Map<string, string>> {
    let map = this.#parentEntries.get(dataset);
    if (map === undefined) {
      map = new Map();
      if (this.parent !== undefined && this.parentHas(dataset)) {
        for await (const e of this.repo.listEntries(this.parent.id, dataset)) map.set(e.key, e.id);
      }
      this.#parentEntries.set(dataset, map);
    }
    return map;
  }

  /** The parent's records of a data set, streamed (optionally only keys with a prefix). */
  async *parentRecords(dataset: string, prefix = ''): AsyncGenerator<{ key: string; record: JsonObject }> {
    if (this.parent === undefined || !this.parentHas(dataset)) return;
    // Walks the tree and reads only the records under the prefix: a per-year data set is scanned once
    // per year, and decrypting every other year's records each time would cost more than the rest.
    for await (const e of this.repo.listEntries(this.parent.id, dataset)) {
      if (e.kind !== 'r' || !e.key.startsWith(prefix)) continue;
      yield { key: e.key, record: JSON.parse((await this.repo.readBlob(e.id, 'record')).toString('utf8')) as JsonObject };
    }
  }

  /** Runs one request (or a few) and counts it against the data set. */
  async request<T>(dataset: string, f: () => Promise<T>): Promise<T> {
    this.signal?.throwIfAborted();
    // Inside a pipeline the pipeline counts: concurrent requests would otherwise be counted twice.
    if (this.#pipelines.has(dataset)) return f();
    const before = this.reader.stats.attempts;
    try {
      return await f();
    } finally {
      this.tally(dataset).requests += this.reader.stats.attempts - before;
    }
  }

  /** Every item of a list, counted against the data set; the list's keys are unique per `keyOf`. */
  async sweep(dataset: string, name: DataSetName, keyOf: (item: JsonObject) => string, options: ListOptions = {}): Promise<Map<string, JsonObject>> {
    const items = new Map<string, JsonObject>();
    await this.request(dataset, async () => {
      for await (const page of this.reader.pages(name, { ...options, signal: this.signal })) {
        for (const item of page.items) items.set(keyOf(item), item);
        const t = this.tally(dataset);
        t.total = page.totalResources;
        this.progress(dataset, 'list');
      }
    });
    return items;
  }

  /**
   * Fetches for `keys` with up to `concurrency` requests in flight, and stores the answers one at a
   * time in key order (the writer takes one call at a time). One request at a time would leave most of
   * the rate limit unused: each slot would wait out a whole round trip. Keys already journaled are not
   * fetched; `store` gets `undefined` for them.
   */
  async pipeline<T>(dataset: string, keys: readonly string[], fetch: (key: string) => Promise<T>, store: (key: string, value: T | undefined) => Promise<void>): Promise<void> {
    const before = this.reader.stats.attempts;
    this.#pipelines.add(dataset);
    const inflight = new Map<number, Promise<T | undefined>>();
    let next = 0;
    const start = (): void => {
      const i = next++;
      const key = keys[i]!;
      this.signal?.throwIfAborted();
      const p = this.journaled(dataset, key) !== undefined ? Promise.resolve(undefined) : fetch(key);
      p.catch(() => undefined); // awaited below in order; this only keeps an early failure from going unhandled
      inflight.set(i, p);
    };
    try {
      while (next < Math.min(keys.length, this.#concurrency)) start();
      for (let i = 0; i < keys.length; i++) {
        const value = await inflight.get(i)!;
        inflight.delete(i);
        if (next < keys.length) start();
        await store(keys[i]!, value);
      }
    } finally {
      this.#pipelines.delete(dataset);
      this.tally(dataset).requests += this.reader.stats.attempts - before;
    }
  }

  journaled(dataset: string, key: string): JournalItem | undefined {
    return this.#journal.get(journalKey(dataset, key));
  }

  /**
   * Stores a record: one an earlier attempt of this run already stored is re-put by blob id (no
   * request); otherwise `get` produces it (usually a detail request). Returns the record when it was
   * produced now, `undefined` when it came from the journal.
   */
  async storeRecord(dataset: SnapshotDataSet, key: string, get: () => Promise<JsonObject>): Promise<{ record: JsonObject | undefined; changed: boolean }> {
    const t = this.tally(dataset);
    const j = this.journaled(dataset, key);
    const parentId = (await this.parentEntries(dataset)).get(key);
    let id: string;
    let record: JsonObject | undefined;
    if (j !== undefined) {
      await this.writer.putExistingEntry(dataset, key, 'r', j.blobId);
      id = j.blobId;
    } else {
      record = withoutUrl(await this.request(dataset, get));
      const size = Buffer.byteLength(JSON.stringify(record));
      t.bytes += size;
      this.bytes += size;
      t.fetched++;
      id = await this.writer.putRecord(dataset, key, record);
      this.#pending.push({ dataset, key, kind: 'r', blobId: id });
    }
    const changed = parentId !== id;
    if (parentId === undefined) t.added++;
    else if (changed) t.changed++;
    t.done++;
    this.progress(dataset, 'details');
    await this.#maybeFlush();
    return { record, changed };
  }

  /** Like `storeRecord` for bytes; returns the bytes (read back from the repository when journaled). */
  async storeAttachment(dataset: SnapshotDataSet, key: string, get: () => Promise<Buffer>): Promise<{ bytes: Buffer; id: string; changed: boolean }> {
    const t = this.tally(dataset);
    const j = this.journaled(dataset, key);
    const parentId = (await this.parentEntries(dataset)).get(key);
    let bytes: Buffer;
    let id: string;
    if (j !== undefined) {
      await this.writer.putExistingEntry(dataset, key, 'a', j.blobId);
      id = j.blobId;
      bytes = await readAll(await this.repo.readAttachmentById(j.blobId));
    } else {
      bytes = await this.request(dataset, get);
      t.bytes += bytes.length;
      this.bytes += bytes.length;
      t.fetched++;
      id = (await this.writer.putAttachment(dataset, key, bytes)).id;
      this.#pending.push({ dataset, key, kind: 'a', blobId: id });
    }
    const changed = parentId !== id;
    if (parentId === undefined) t.added++;
    else if (changed) t.changed++;
    t.done++;
    this.progress(dataset, 'downloads');
    await this.#maybeFlush();
    return { bytes, id, changed };
  }

  /** Stores a record built without a request of its own (e.g. a list item, a voucher from SIE). */
  async storeValue(dataset: SnapshotDataSet, key: string, record: JsonObject): Promise<boolean> {
    const t = this.tally(dataset);
    const parentId = (await this.parentEntries(dataset)).get(key);
    const id = await this.writer.putRecord(dataset, key, withoutUrl(record));
    const changed = parentId !== id;
    if (parentId === undefined) t.added++;
    else if (changed) t.changed++;
    // Cheap to rebuild, but journaled all the same: a resumed run then needs not even the list.
    if (changed) this.#pending.push({ dataset, key, kind: 'r', blobId: id });
    t.done++;
    await this.#maybeFlush();
    return changed;
  }

  async remove(dataset: SnapshotDataSet, key: string): Promise<void> {
    await this.writer.deleteRecord(dataset, key);
    this.tally(dataset).removed++;
  }

  progress(dataset: string, phase: string): void {
    if (this.#onProgress === undefined) return;
    const t = this.tally(dataset);
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = seconds > 0 ? this.requests / seconds : 0;
    const left = t.total === null ? null : Math.max(0, t.total - t.done);
    this.#onProgress({
      runId: this.runId,
      dataset,
      done: t.done,
      total: t.total,
      requests: this.requests,
      bytes: this.bytes,
      etaSeconds: left === null || rate === 0 ? null : Math.round(left / rate),
      phase,
    });
  }

  async #maybeFlush(): Promise<void> {
    if (this.#pending.length >= this.#journalEvery || (this.#pending.length > 0 && performance.now() - this.#lastFlush > 10_000)) await this.flush();
  }

  /** Makes everything stored so far durable in the repository, then journals it. Never the other way round. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    await this.writer.flush();
    const items = this.#pending;
    this.#pending = [];
    await journalRunItems(this.db, this.tenantId, this.runId, items);
    this.#lastFlush = performance.now();
  }
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
