import { Readable } from 'node:stream';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.ts';
import { BlobIndex, decodeIndexFile, type BlobLocation } from './blob-index.ts';
import type { JsonValue } from './canonical-json.ts';
import { BLOB_ID, type BlobType } from './crypto.ts';
import { corruptObject, isRepoError, RepoError } from './errors.ts';
import { condemnedPacks, loadMarks } from './gc-marks.ts';
import { assertDataset, Layout } from './layout.ts';
import { decodeManifest, type SnapshotInfo } from './manifest.ts';
import type { MasterKeyring } from './master-keys.ts';
import { collectGarbage, type GcOptions, type GcReport } from './gc.ts';
import { SnapshotWriter, type BeginSnapshotOptions } from './snapshot-writer.ts';
import { checkData, checkStructure, rebuildIndex, type CheckReport, type Problem } from './verify.ts';
import { initTenantKeys, loadTenantKeys } from './tenant-keys.ts';
import { iterateTree, lookupTree, parseNode, type TreeEntry, type TreeNode } from './tree.ts';
import { Vault } from './vault.ts';

export interface RepositoryOptions {
  readonly store: ObjectStore;
  readonly tenantId: string;
  readonly masterKeys: MasterKeyring;
  /** Create the tenant's keys if it has none. Without it, a tenant without keys is REPO_NO_KEYS. */
  readonly create?: boolean;
  /** Target size of a pack of records and trees (default 4 MiB). */
  readonly packTargetBytes?: number;
  /** Attachments are cut into fixed-size chunks of this size (default 1 MiB). */
  readonly attachmentChunkBytes?: number;
  /** Average entries per tree node (default 64). */
  readonly treeFanout?: number;
  /** Entries per data set held in memory before a sorted run is spilled to disk (default 50,000). */
  readonly spillThreshold?: number;
  /** Where spilled runs go (default: the OS temp directory). */
  readonly spillDir?: string;
  /** During a long write, an index file is written after this many packs (default 16). */
  readonly indexEveryPacks?: number;
  /** Read every pack back after writing it and compare its hash (default true; restic's extra verify). */
  readonly verifyUploads?: boolean;
  /**
   * The garbage collector's grace period (default 24 h), which must exceed the longest backup run.
   * Writers use it to decide when their view of the index is too old to trust (see SnapshotWriter).
   */
  readonly gcGraceMs?: number;
}

export type ResolvedOptions = Required<Omit<RepositoryOptions, 'store' | 'tenantId' | 'masterKeys' | 'create' | 'spillDir'>> & {
  readonly spillDir: string | undefined;
};

/**
 * Opens a tenant's repository with nothing but the object store and the master keys: everything else
 * (snapshots, trees, index, packs) is found in the store. See docs/repository.md for the format.
 */
export async function openRepository(options: RepositoryOptions): Promise<Repository> {
  const layout = new Layout(options.tenantId);
  const keys =
    options.create === true
      ? await initTenantKeys(options.store, options.tenantId, options.masterKeys)
      : await loadTenantKeys(options.store, options.tenantId, options.masterKeys);
  return new Repository(new Vault(options.store, layout, keys), {
    packTargetBytes: options.packTargetBytes ?? 4 * 1024 * 1024,
    attachmentChunkBytes: options.attachmentChunkBytes ?? 1024 * 1024,
    treeFanout: options.treeFanout ?? 64,
    spillThreshold: options.spillThreshold ?? 50_000,
    spillDir: options.spillDir,
    indexEveryPacks: options.indexEveryPacks ?? 16,
    verifyUploads: options.verifyUploads ?? true,
    gcGraceMs: options.gcGraceMs ?? 24 * 60 * 60 * 1000,
  });
}

/** The descriptor blob of an attachment: its size and chunk ids, in order. */
export interface AttachmentDescriptor {
  readonly v: 1;
  readonly size: number;
  readonly chunks: readonly string[];
}

export class Repository {
  readonly vault: Vault;
  readonly options: ResolvedOptions;
  #index = new BlobIndex();
  /** Monotonic time of the last index refresh, and the packs condemned then (never deduplicated against). */
  #indexCheckedAt = Number.NEGATIVE_INFINITY;
  #condemnedAtCheck = new Set<string>();
  readonly #nodeCache = new Map<string, TreeNode>();
  /** Recently read records (content-addressed, so a cached copy is exactly what is stored). */
  readonly #recordCache = new Map<string, Buffer>();
  #recordCacheBytes = 0;

  constructor(vault: Vault, options: ResolvedOptions) {
    this.vault = vault;
    this.options = options;
  }

  get tenantId(): string {
    return this.vault.tenantId;
  }

  get store(): ObjectStore {
    return this.vault.store;
  }

  // ---- index ------------------------------------------------------------------------------------

  /**
   * Brings the in-memory index up to date with the index files in the store: loads new files; if a file
   * was removed (by garbage collection), reloads everything.
   */
  async refreshIndex(): Promise<BlobIndex> {
    const checkedAt = performance.now();
    // Marks first: a pack not condemned now cannot be deleted for at least a grace period.
    const condemned = condemnedPacks(await loadMarks(this.vault));
    const names = new Set<string>();
    for await (const info of this.store.list(this.vault.layout.indexPrefix)) names.add(info.key.slice(this.vault.layout.indexPrefix.length));
    let index = this.#index;
    if ([...index.files].some((f) => !names.has(f))) index = new BlobIndex();
    for (const name of names) {
      if (index.files.has(name)) continue;
      const key = this.vault.layout.indexKey(name);
      let bytes: Buffer;
      try {
        bytes = await this.store.get(key);
      } catch (err) {
        if (err instanceof ObjectNotFoundError) continue; // removed by a GC since the listing
        throw err;
      }
      for (const p of decodeIndexFile(this.vault, key, name, bytes)) index.add(p.pack, p.blobs);
      index.files.add(name);
    }
    this.#index = index;
    this.#indexCheckedAt = checkedAt;
    this.#condemnedAtCheck = condemned;
    return index;
  }

  get index(): BlobIndex {
    return this.#index;
  }

  /** When the index was last checked against the store (monotonic ms), and what was condemned then. */
  get indexCheck(): { readonly at: number; readonly condemned: ReadonlySet<string> } {
    return { at: this.#indexCheckedAt, condemned: this.#condemnedAtCheck };
  }

  /** Forces a full reload before the next write (after this process deleted packs). */
  invalidateIndex(): void {
    this.#index = new BlobIndex();
    this.#indexCheckedAt = Number.NEGATIVE_INFINITY;
  }

  // ---- blobs ------------------------------------------------------------------------------------

  async #locate(id: string): Promise<readonly BlobLocation[]> {
    if (!BLOB_ID.test(id)) throw corruptObject(id, 'reference', 'not a blob id');
    let locations = this.#index.get(id);
    if (locations === undefined) locations = (await this.refreshIndex()).get(id);
    if (locations === undefined || locations.length === 0) {
      throw new RepoError('REPO_MISSING_BLOB', `Blob ${id} is referenced but no index file lists it (run verify; the index can be rebuilt from the packs)`, {
        blobId: id,
      });
    }
    return locations;
  }

  /** Reads, decrypts and checks one blob; tries every pack that holds it before giving up. */
  async readBlob(id: string, type: BlobType): Promise<Buffer> {
    if (type !== 'record') return this.#readBlob(id, type);
    const cached = this.#recordCache.get(id);
    if (cached !== undefined) return Buffer.from(cached);
    const raw = await this.#readBlob(id, type);
    if (raw.length <= 64 * 1024) {
      this.#recordCache.set(id, raw);
      this.#recordCacheBytes += raw.length;
      for (const [oldId, old] of this.#recordCache) {
        if (this.#recordCacheBytes <= 16 * 1024 * 1024) break;
        this.#recordCache.delete(oldId);
        this.#recordCacheBytes -= old.length;
      }
    }
    return Buffer.from(raw);
  }

  async #readBlob(id: string, type: BlobType): Promise<Buffer> {
    const locations = await this.#locate(id);
    let firstError: unknown;
    for (const loc of locations) {
      const object = this.vault.layout.abs(loc.pack);
      try {
        const sealed = await this.vault.getRange(object, loc.offset, loc.length, `blob ${id}`);
        return this.vault.openBlob(object, type, id, sealed);
      } catch (err) {
        firstError ??= err;
        if (!isRepoError(err)) throw err;
      }
    }
    throw firstError;
  }

  async loadNode(id: string): Promise<TreeNode> {
    const cached = this.#nodeCache.get(id);
    if (cached !== undefined) return cached;
    const node = parseNode(await this.readBlob(id, 'tree'), 'tree', id);
    if (this.#nodeCache.size >= 2048) this.#nodeCache.delete(this.#nodeCache.keys().next().value!);
    this.#nodeCache.set(id, node);
    return node;
  }

  readonly #load = (id: string): Promise<TreeNode> => this.loadNode(id);

  // ---- snapshots --------------------------------------------------------------------------------

  /** Every committed snapshot, oldest first. Reads only the manifests. */
  async listSnapshots(): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    const prefix = this.vault.layout.snapshotsPrefix;
    for await (const info of this.store.list(prefix)) {
      const id = info.key.slice(prefix.length);
      try {
        out.push(await this.readSnapshot(id));
      } catch (err) {
        if (isRepoError(err, 'REPO_SNAPSHOT_NOT_FOUND')) continue; // forgotten since the listing
        throw err;
      }
    }
    return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  }

  async latestSnapshot(): Promise<SnapshotInfo | undefined> {
    return (await this.listSnapshots()).at(-1);
  }

  async readSnapshot(id: string): Promise<SnapshotInfo> {
    if (!BLOB_ID.test(id)) throw new RepoError('REPO_SNAPSHOT_NOT_FOUND', `No snapshot ${JSON.stringify(id)}`, { snapshotId: id });
    const key = this.vault.layout.snapshotKey(id);
    let sealed: Buffer;
    try {
      sealed = await this.store.get(key);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new RepoError('REPO_SNAPSHOT_NOT_FOUND', `No snapshot ${id} in tenant ${this.tenantId}`, { snapshotId: id });
      throw err;
    }
    return decodeManifest(this.vault, key, id, sealed);
  }

  async #root(snapshotId: string, dataset: string): Promise<string> {
    assertDataset(dataset);
    const snap = await this.readSnapshot(snapshotId);
    const ds = snap.datasets[dataset];
    if (ds === undefined) throw new RepoError('REPO_DATASET_NOT_FOUND', `Snapshot ${snapshotId} has no data set ${dataset}`, { snapshotId, dataset });
    return ds.tree;
  }

  /** The keys of a data set in a snapshot, in key order, with their blob ids (streaming). */
  async *listEntries(snapshotId: string, dataset: string): AsyncGenerator<TreeEntry> {
    yield* iterateTree(await this.#root(snapshotId, dataset), this.#load);
  }

  /** Every record of a data set in key order (streaming; attachments are skipped, see listEntries). */
  async *listRecords(snapshotId: string, dataset: string): AsyncGenerator<{ key: string; record: JsonValue }> {
    for await (const e of this.listEntries(snapshotId, dataset)) {
      if (e.kind !== 'r') continue;
      yield { key: e.key, record: JSON.parse((await this.readBlob(e.id, 'record')).toString('utf8')) as JsonValue };
    }
  }

  /** Every record of a data set as its stored canonical bytes, in key order (streaming; for export and checks). */
  async *listRecordBytes(snapshotId: string, dataset: string): AsyncGenerator<{ key: string; bytes: Buffer }> {
    for await (const e of this.listEntries(snapshotId, dataset)) {
      if (e.kind === 'r') yield { key: e.key, bytes: await this.readBlob(e.id, 'record') };
    }
  }

  async #entry(snapshotId: string, dataset: string, key: string): Promise<TreeEntry> {
    const entry = await lookupTree(await this.#root(snapshotId, dataset), key, this.#load);
    if (entry === undefined) {
      throw new RepoError('REPO_RECORD_NOT_FOUND', `No key ${JSON.stringify(key)} in data set ${dataset} of snapshot ${snapshotId}`, {
        snapshotId,
        dataset,
        key,
      });
    }
    return entry;
  }

  /** The canonical JSON bytes of a record, exactly as stored. */
  async readRecordBytes(snapshotId: string, dataset: string, key: string): Promise<Buffer> {
    const entry = await this.#entry(snapshotId, dataset, key);
    if (entry.kind !== 'r') throw new RepoError('REPO_BAD_INPUT', `Key ${JSON.stringify(key)} of ${dataset} is an attachment; use readAttachment`);
    return this.readBlob(entry.id, 'record');
  }

  async readRecord(snapshotId: string, dataset: string, key: string): Promise<JsonValue> {
    return JSON.parse((await this.readRecordBytes(snapshotId, dataset, key)).toString('utf8')) as JsonValue;
  }

  async readAttachmentDescriptor(id: string): Promise<AttachmentDescriptor> {
    return JSON.parse((await this.readBlob(id, 'attachment')).toString('utf8')) as AttachmentDescriptor;
  }

  /** An attachment's bytes as a stream, one chunk in memory at a time. */
  async readAttachment(snapshotId: string, dataset: string, key: string): Promise<Readable> {
    const entry = await this.#entry(snapshotId, dataset, key);
    if (entry.kind !== 'a') throw new RepoError('REPO_BAD_INPUT', `Key ${JSON.stringify(key)} of ${dataset} is a record; use readRecord`);
    return this.readAttachmentById(entry.id);
  }

  async readAttachmentById(id: string): Promise<Readable> {
    const descriptor = await this.readAttachmentDescriptor(id);
    const read = (chunk: string): Promise<Buffer> => this.readBlob(chunk, 'chunk');
    return Readable.from(
      (async function* () {
        for (const chunk of descriptor.chunks) yield await read(chunk);
      })(),
    );
  }

  // ---- writing ----------------------------------------------------------------------------------

  /** Starts a snapshot; nothing is visible until `commit()` writes its manifest. */
  async beginSnapshot(options: BeginSnapshotOptions = {}): Promise<SnapshotWriter> {
    const parent = options.parent === undefined || options.parent === null ? undefined : await this.readSnapshot(options.parent);
    // An index checked less than half a grace period ago is trusted; see SnapshotWriter for why.
    if (performance.now() - this.#indexCheckedAt >= this.options.gcGraceMs / 2) await this.refreshIndex();
    const writer = new SnapshotWriter(this, parent, options);
    await writer.start();
    return writer;
  }

  /**
   * Removes a snapshot's manifest. Its data stays until garbage collection finds it unreferenced and
   * the grace period has passed twice (mark, then delete).
   */
  async forgetSnapshot(id: string): Promise<void> {
    await this.readSnapshot(id);
    await this.store.delete(this.vault.layout.snapshotKey(id));
  }

  /** Garbage collection under the repository's lock; see gc.ts. */
  collectGarbage(options?: GcOptions): Promise<GcReport> {
    return collectGarbage(this, options);
  }

  /** Structural check; see verify.ts. */
  checkStructure(): Promise<CheckReport> {
    return checkStructure(this);
  }

  /** Read-and-decrypt check of all packs or a random fraction of them; see verify.ts. */
  checkData(options?: { fraction?: number }): Promise<CheckReport> {
    return checkData(this, options);
  }

  /** Rebuilds the index from the pack headers. */
  rebuildIndex(): Promise<{ packs: number; blobs: number; problems: Problem[] }> {
    return rebuildIndex(this);
  }

  /** Called by a writer after it committed, so later writers in this process deduplicate against it. */
  addToIndex(files: readonly string[], packs: readonly { pack: string; blobs: readonly { id: string; type: BlobType; offset: number; length: number }[] }[]): void {
    for (const p of packs) this.#index.add(p.pack, p.blobs);
    for (const f of files) this.#index.files.add(f);
  }
}
