import type { Readable } from 'node:stream';
import { ObjectExistsError } from '../storage/object-store.ts';
import { encodeIndexFiles, type BlobLocation, type IndexedPack } from './blob-index.ts';
import { canonicalJsonBytes, canonicalJsonFromText, type JsonValue } from './canonical-json.ts';
import type { BlobType } from './crypto.ts';
import { EntrySorter, mergeChanges, withoutDeletes } from './entry-sorter.ts';
import { badInput, corruptPack, missingObject, RepoError } from './errors.ts';
import { condemnedPacks, listPackObjects, loadMarks } from './gc-marks.ts';
import { assertDataset } from './layout.ts';
import { encodeManifest, FORMAT_VERSION, type DataSetSummary, type SnapshotInfo, type SnapshotManifest } from './manifest.ts';
import { PackBuilder, sha256Hex, type PackEntry } from './pack.ts';
import type { AttachmentDescriptor, Repository } from './repository.ts';
import { iterateTree, TreeBuilder, type TreeEntry } from './tree.ts';

export interface BeginSnapshotOptions {
  /** The snapshot this one follows: needed for `reuseDataSet` and `carryForward`. */
  readonly parent?: string | null;
  /** What the backup run wants to remember (run id, API version, cursors …). */
  readonly runMeta?: { readonly [key: string]: JsonValue };
  /** The snapshot's time (default: now). */
  readonly time?: Date;
}

type Mode = 'new' | 'carry' | 'reuse';

interface DataSetState {
  mode: Mode;
  sorter: EntrySorter;
  complete: boolean;
  reason?: string;
}

/**
 * Writes one snapshot. Blobs go into packs as they come (records and trees in separate packs, each
 * attachment chunk in a pack of its own); keys and blob ids are sorted (spilling to disk when large);
 * `commit()` builds the trees, writes the last packs, the index, and finally the manifest — the
 * commit point. Until then nothing is visible; after a crash the written packs are garbage.
 * Calls must be awaited one at a time.
 */
export class SnapshotWriter {
  readonly #repo: Repository;
  readonly #parent: SnapshotInfo | undefined;
  readonly #options: BeginSnapshotOptions;
  readonly #datasets = new Map<string, DataSetState>();
  readonly #open = { data: new PackBuilder(), tree: new PackBuilder() };
  /** Blobs in the open packs. */
  readonly #pending = new Set<string>();
  /** Blobs this writer stored, by id. */
  readonly #written = new Map<string, BlobLocation>();
  /** Packs this writer stored, in order; `#indexed` of them are already in index files. */
  readonly #packs: IndexedPack[] = [];
  #indexed = 0;
  readonly #indexFiles: string[] = [];
  /** Blobs found already stored (deduplicated), grouped by the pack relied upon. */
  readonly #reused = new Map<string, Map<string, BlobType>>();
  #condemned = new Set<string>();
  /** Monotonic time since which the packs this writer relies on are known to exist uncondemned. */
  #trustedSince = 0;
  #closed = false;
  #busy = false;

  constructor(repo: Repository, parent: SnapshotInfo | undefined, options: BeginSnapshotOptions) {
    this.#repo = repo;
    this.#parent = parent;
    this.#options = options;
  }

  async start(): Promise<void> {
    const check = this.#repo.indexCheck;
    this.#trustedSince = check.at;
    this.#condemned = new Set([...check.condemned, ...condemnedPacks(await loadMarks(this.#repo.vault))]);
  }

  get parent(): SnapshotInfo | undefined {
    return this.#parent;
  }

  /** Stores a record (any JSON value) under `key` in `dataset`. */
  async putRecord(dataset: string, key: string, record: unknown): Promise<string> {
    return this.#guard(async () => this.#putEntry(dataset, key, 'r', await this.#putBlob('record', canonicalJsonBytes(record))));
  }

  /** Stores a record given as JSON text; numbers keep their exact spelling (see canonical-json.ts). */
  async putRecordJson(dataset: string, key: string, jsonText: string): Promise<string> {
    return this.#guard(async () =>
      this.#putEntry(dataset, key, 'r', await this.#putBlob('record', Buffer.from(canonicalJsonFromText(jsonText), 'utf8'))),
    );
  }

  /**
   * Stores a file (PDF, image, SIE file …) from a Buffer or stream, one chunk in memory at a time.
   * Chunks already stored are not written again; neither is the whole file.
   */
  async putAttachment(dataset: string, key: string, data: Buffer | Readable | AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    return this.#guard(async () => {
      this.#state(dataset, 'new');
      const chunkBytes = this.#repo.options.attachmentChunkBytes;
      const chunks: string[] = [];
      let size = 0;
      let buffered: Buffer[] = [];
      let bufferedBytes = 0;
      const emit = async (chunk: Buffer): Promise<void> => {
        chunks.push(await this.#putBlob('chunk', chunk));
      };
      const source: AsyncIterable<Uint8Array> = Buffer.isBuffer(data) ? [data] as unknown as AsyncIterable<Uint8Array> : data;
      for await (const piece of source) {
        buffered.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
        bufferedBytes += piece.byteLength;
        size += piece.byteLength;
        while (bufferedBytes >= chunkBytes) {
          const all = Buffer.concat(buffered);
          await emit(Buffer.from(all.subarray(0, chunkBytes)));
          buffered = [all.subarray(chunkBytes)];
          bufferedBytes = all.length - chunkBytes;
        }
      }
      if (bufferedBytes > 0 || chunks.length === 0) await emit(Buffer.concat(buffered));
      const descriptor: AttachmentDescriptor = { v: 1, size, chunks };
      const id = await this.#putBlob('attachment', canonicalJsonBytes(descriptor));
      await this.#putEntry(dataset, key, 'a', id);
      return { id, size };
    });
  }

  /**
   * Writes the open data pack and the index files for every pack so far. After it returns, every blob
   * this writer has returned an id for is in a stored, indexed pack: a resumable backup may journal
   * those ids and, after a crash, `putExistingEntry` them into a new snapshot without refetching.
   */
  async flush(): Promise<void> {
    return this.#guard(async () => {
      await this.#flush('data');
      await this.#writeIndex();
    });
  }

  /**
   * Puts an entry whose blob is already stored (a record or attachment descriptor written by an earlier,
   * interrupted writer and flushed). Refuses (`REPO_MISSING_BLOB`) a blob no live indexed pack holds, so
   * a journal can never make a snapshot point at nothing. For attachments the chunks are checked too.
   */
  async putExistingEntry(dataset: string, key: string, kind: 'r' | 'a', id: string): Promise<void> {
    return this.#guard(async () => {
      const expected: BlobType = kind === 'r' ? 'record' : 'attachment';
      this.#relyOn(id, expected);
      if (kind === 'a') {
        const descriptor = await this.#repo.readAttachmentDescriptor(id);
        for (const chunk of descriptor.chunks) this.#relyOn(chunk, 'chunk');
      }
      await this.#putEntry(dataset, key, kind, id);
    });
  }

  #relyOn(id: string, type: BlobType): void {
    if (this.#pending.has(id) || this.#written.has(id)) return;
    const live = this.#repo.index.get(id)?.find((l) => !this.#condemned.has(l.pack) && l.type === type);
    if (live === undefined) {
      throw new RepoError('REPO_MISSING_BLOB', `Blob ${id} (${type}) is not in any live indexed pack; it cannot be reused`, { blobId: id });
    }
    let set = this.#reused.get(live.pack);
    if (set === undefined) this.#reused.set(live.pack, (set = new Map<string, BlobType>()));
    set.set(id, type);
  }

  /** Removes a key carried forward from the parent (only after `carryForward`). */
  async deleteRecord(dataset: string, key: string): Promise<void> {
    return this.#guard(async () => {
      const state = this.#state(dataset, 'carry');
      if (state.mode !== 'carry') throw badInput(`deleteRecord needs carryForward(${JSON.stringify(dataset)}) first`);
      await state.sorter.add({ key, id: '', kind: 'd' });
    });
  }

  /**
   * Keeps the parent's data set as it is: the manifest points at the same tree, nothing is re-read.
   */
  reuseDataSet(dataset: string): void {
    this.#needParent(dataset);
    const state = this.#state(dataset, 'reuse');
    if (state.mode !== 'reuse') throw badInput(`Data set ${dataset} already has records in this snapshot; it cannot also be reused`);
  }

  /**
   * Starts the data set from the parent's records: `putRecord` adds or replaces, `deleteRecord`
   * removes, every other key stays as it was. Unchanged parts of the tree keep their blob ids.
   */
  carryForward(dataset: string): void {
    this.#needParent(dataset);
    const state = this.#state(dataset, 'carry');
    if (state.mode === 'reuse') throw badInput(`Data set ${dataset} is already reused as a whole`);
    state.mode = 'carry';
  }

  /** Puts the data set in the snapshot even when the run stores nothing in it: an empty list is a fact too. */
  includeDataSet(dataset: string): void {
    this.#state(dataset, 'new');
  }

  /** Records that the run did not get all of a data set (the snapshot still commits). */
  markIncomplete(dataset: string, reason: string): void {
    const state = this.#state(dataset, 'new');
    state.complete = false;
    state.reason = reason;
  }

  #needParent(dataset: string): void {
    if (this.#parent === undefined) throw badInput(`Data set ${dataset}: no parent snapshot to take it from`);
    if (this.#parent.datasets[dataset] === undefined) {
      throw new RepoError('REPO_DATASET_NOT_FOUND', `The parent snapshot ${this.#parent.id} has no data set ${dataset}`, { dataset });
    }
  }

  #state(dataset: string, mode: Mode): DataSetState {
    if (this.#closed) throw new RepoError('REPO_WRITER_CLOSED', 'This snapshot writer has already committed or aborted');
    assertDataset(dataset);
    let state = this.#datasets.get(dataset);
    if (state === undefined) {
      state = {
        mode,
        complete: true,
        sorter: new EntrySorter({ threshold: this.#repo.options.spillThreshold, spillDir: this.#repo.options.spillDir }),
      };
      this.#datasets.set(dataset, state);
    }
    return state;
  }

  async #putEntry(dataset: string, key: string, kind: 'r' | 'a', id: string): Promise<string> {
    if (typeof key !== 'string' || key === '') throw badInput(`Record keys are non-empty strings (data set ${dataset})`);
    const state = this.#state(dataset, 'new');
    if (state.mode === 'reuse') throw badInput(`Data set ${dataset} is reused from the parent; it cannot take new records`);
    await state.sorter.add({ key, id, kind });
    return id;
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new RepoError('REPO_WRITER_CLOSED', 'This snapshot writer has already committed or aborted');
    if (this.#busy) throw new RepoError('REPO_BAD_INPUT', 'Snapshot writer calls must be awaited one at a time');
    this.#busy = true;
    try {
      return await fn();
    } finally {
      this.#busy = false;
    }
  }

  // ---- blobs and packs --------------------------------------------------------------------------

  /** Stores a blob unless the repository (or this writer) already has it; returns its id. */
  async #putBlob(type: BlobType, raw: Buffer): Promise<string> {
    const vault = this.#repo.vault;
    const id = vault.blobId(type, raw);
    if (this.#pending.has(id) || this.#written.has(id)) return id;
    const live = this.#repo.index.get(id)?.find((l) => !this.#condemned.has(l.pack));
    if (live !== undefined) {
      let set = this.#reused.get(live.pack);
      if (set === undefined) this.#reused.set(live.pack, (set = new Map<string, BlobType>()));
      set.set(id, type);
      return id;
    }
    const sealed = vault.sealBlob(type, id, raw);
    if (type === 'chunk') {
      const pack = new PackBuilder();
      pack.add(id, type, sealed);
      await this.#writePack('attachments', pack);
      return id;
    }
    const builder = type === 'tree' ? this.#open.tree : this.#open.data;
    builder.add(id, type, sealed);
    this.#pending.add(id);
    if (builder.size >= this.#repo.options.packTargetBytes) await this.#flush(type === 'tree' ? 'tree' : 'data');
    return id;
  }

  async #flush(which: 'data' | 'tree'): Promise<void> {
    const builder = this.#open[which];
    if (builder.count === 0) return;
    this.#open[which] = new PackBuilder();
    await this.#writePack('packs', builder);
    for (const e of builder.entries) this.#pending.delete(e.id);
  }

  async #writePack(kind: 'packs' | 'attachments', builder: PackBuilder): Promise<void> {
    const vault = this.#repo.vault;
    const { bytes, sha, entries } = builder.finish(vault);
    const pack = vault.layout.packName(kind, sha);
    const object = vault.layout.abs(pack);
    await vault.store.put(object, bytes);
    if (this.#repo.options.verifyUploads && sha256Hex(await vault.get(object, 'verifying an upload')) !== sha) {
      throw corruptPack(object, 'the stored pack differs from what was written (upload verification)');
    }
    this.#packs.push({ pack, blobs: entries });
    for (const e of entries) this.#written.set(e.id, { pack, type: e.type, offset: e.offset, length: e.length });
    if (this.#packs.length - this.#indexed >= this.#repo.options.indexEveryPacks) await this.#writeIndex();
  }

  /** Writes index files for the packs not yet indexed. Packs always come first, then their index. */
  async #writeIndex(): Promise<void> {
    const packs = this.#packs.slice(this.#indexed);
    if (packs.length === 0) return;
    const vault = this.#repo.vault;
    for (const file of encodeIndexFiles(vault, packs)) {
      await vault.store.put(vault.layout.indexKey(file.name), file.bytes);
      this.#indexFiles.push(file.name);
    }
    this.#indexed = this.#packs.length;
  }

  // ---- commit -----------------------------------------------------------------------------------

  /**
   * Builds every data set's tree, writes the remaining packs, checks that nothing it relies on was
   * condemned or removed by a concurrent garbage collection (copying condemned blobs to a new pack),
   * writes the index, then the manifest. Returns the committed snapshot.
   */
  async commit(): Promise<SnapshotInfo> {
    return this.#guard(async () => {
      try {
        const datasets: Record<string, DataSetSummary> = {};
        for (const name of [...this.#datasets.keys()].sort()) datasets[name] = await this.#buildDataSet(name, this.#datasets.get(name)!);
        await this.#flush('data');
        await this.#flush('tree');
        await this.#secureReferences();
        await this.#writeIndex();
        const vault = this.#repo.vault;
        const manifest: SnapshotManifest = {
          format: 'noxbackup-snapshot',
          version: FORMAT_VERSION,
          tenant: vault.tenantId,
          time: (this.#options.time ?? new Date()).toISOString(),
          parent: this.#parent?.id ?? null,
          run: this.#options.runMeta ?? {},
          datasets,
        };
        const { id, bytes } = encodeManifest(vault, manifest);
        try {
          await vault.store.put(vault.layout.snapshotKey(id), bytes, { ifAbsent: true });
        } catch (err) {
          // The same manifest already committed (a retried commit whose first attempt succeeded).
          if (!(err instanceof ObjectExistsError)) throw err;
        }
        this.#repo.addToIndex(this.#indexFiles, this.#packs);
        return { id, ...manifest };
      } finally {
        await this.#close();
      }
    });
  }

  /** Gives up the snapshot; packs already written are garbage for the next collection. */
  async abort(): Promise<void> {
    if (!this.#closed) await this.#close();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#datasets.values()) await s.sorter.dispose();
  }

  async #buildDataSet(name: string, state: DataSetState): Promise<DataSetSummary> {
    const parentSummary = this.#parent?.datasets[name];
    const incomplete = (summary: DataSetSummary): DataSetSummary =>
      state.complete ? summary : { ...summary, complete: false, incompleteReason: state.reason ?? 'incomplete' };
    if (state.mode === 'reuse') {
      if (parentSummary === undefined) throw new RepoError('REPO_DATASET_NOT_FOUND', `The parent has no data set ${name}`, { dataset: name });
      return incomplete({ tree: parentSummary.tree, count: parentSummary.count, complete: parentSummary.complete, ...(parentSummary.incompleteReason === undefined ? {} : { incompleteReason: parentSummary.incompleteReason }) });
    }
    const repo = this.#repo;
    const builder = new TreeBuilder({
      fanout: repo.options.treeFanout,
      idKey: repo.vault.idKey,
      putNode: (bytes) => this.#putBlob('tree', bytes),
    });
    const entries: AsyncIterable<TreeEntry> =
      state.mode === 'carry' && parentSummary !== undefined
        ? mergeChanges(iterateTree(parentSummary.tree, (id) => repo.loadNode(id)), state.sorter.sorted())
        : withoutDeletes(state.sorter.sorted());
    for await (const e of entries) await builder.add(e);
    const { root, count } = await builder.finish();
    return incomplete({ tree: root, count, complete: true });
  }

  /**
   * The writer's half of the garbage-collection protocol. Packs it relies on must exist and not be
   * condemned: a blob in a condemned pack is copied to a new pack (its sealed bytes move unchanged:
   * the associated data binds tenant, type and id, not the pack). A pack already deleted means a
   * collection ran with a grace period shorter than this write: the commit fails, nothing is visible.
   * The parent must still exist if data sets are taken from it (its references keep their packs alive).
   */
  async #secureReferences(): Promise<void> {
    const vault = this.#repo.vault;
    const condemned = condemnedPacks(await loadMarks(vault));
    // A pack can only disappear a grace period after it was condemned. Every pack relied on was
    // uncondemned at #trustedSince (index check) or written later, so unless half a grace period has
    // passed since, nothing relied on can be gone and the (costly) listing of all packs is skipped.
    const listAll = performance.now() - this.#trustedSince >= this.#repo.options.gcGraceMs / 2;
    const existing = listAll ? await listPackObjects(vault) : undefined;
    const usable = (pack: string): boolean => (existing === undefined || existing.has(pack)) && !condemned.has(pack);
    const rescue = new PackBuilder();
    const rescueChunks: PackBuilder[] = [];
    const needs = new Map<string, Map<string, BlobType>>();
    for (const p of this.#packs) {
      if (!usable(p.pack)) needs.set(p.pack, new Map(p.blobs.map((b) => [b.id, b.type])));
    }
    for (const [pack, blobs] of this.#reused) if (!usable(pack)) needs.set(pack, new Map<string, BlobType>([...(needs.get(pack) ?? new Map<string, BlobType>()), ...blobs]));
    for (const [pack, blobs] of needs) {
      for (const [id, type] of blobs) {
        const elsewhere = [...(this.#repo.index.get(id) ?? []), ...(this.#written.has(id) ? [this.#written.get(id)!] : [])].some(
          (l) => l.pack !== pack && usable(l.pack),
        );
        if (elsewhere) continue;
        if (existing !== undefined && !existing.has(pack)) {
          throw missingObject(
            vault.layout.abs(pack),
            `blob ${id} was removed by a garbage collection while this snapshot was being written (its grace period is shorter than the write); the snapshot was not committed, run the backup again`,
          );
        }
        const loc = this.#written.get(id) ?? this.#repo.index.get(id)!.find((l) => l.pack === pack)!;
        const object = vault.layout.abs(pack);
        const sealed = await vault.getRange(object, loc.offset, loc.length, `rescuing blob ${id} from a condemned pack`);
        vault.openBlob(object, type, id, sealed);
        if (type === 'chunk') {
          const single = new PackBuilder();
          single.add(id, type, sealed);
          rescueChunks.push(single);
        } else rescue.add(id, type, sealed);
      }
    }
    if (rescue.count > 0) await this.#writePack('packs', rescue);
    for (const single of rescueChunks) await this.#writePack('attachments', single);
    const fromParent = [...this.#datasets.values()].some((s) => s.mode !== 'new');
    if (fromParent && this.#parent !== undefined && (await vault.store.head(vault.layout.snapshotKey(this.#parent.id))) === undefined) {
      throw new RepoError(
        'REPO_CONCURRENT_CHANGE',
        `The parent snapshot ${this.#parent.id} was forgotten while this snapshot was being written; run the backup again`,
        { parent: this.#parent.id },
      );
    }
  }
}

export type { PackEntry };
