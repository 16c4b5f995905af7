import { ObjectNotFoundError } from '../storage/object-store.ts';
import { decodeIndexFile, encodeIndexFiles, type IndexedPack } from './blob-index.ts';
import { RepoError } from './errors.ts';
import { condemnedPacks, listPackObjects, loadMarks, writeMark } from './gc-marks.ts';
import { acquireLock } from './lock.ts';
import { reachableBlobs } from './reachability.ts';
import type { Repository } from './repository.ts';

export interface GcOptions {
  /**
   * Nothing younger than this is condemned, and a condemned pack is deleted no sooner than this after it
   * was condemned. It must exceed the longest backup run (default 24 h, as rustic's 23 h keep-delete).
   */
  readonly graceMs?: number;
  /** The lock's time-to-live: a lock older than this (store clock) is stale (default 1 h). */
  readonly lockTtlMs?: number;
  readonly owner?: string;
  /** Report what would be condemned and deleted without changing anything. */
  readonly dryRun?: boolean;
  /** Merge the index files into one when there are more than this many (default 32). */
  readonly compactIndexAbove?: number;
  /** Tests only: the "current" time instead of the store's clock. */
  readonly now?: Date;
}

export interface GcReport {
  readonly snapshots: number;
  readonly reachableBlobs: number;
  readonly packs: number;
  /** Packs newly condemned by this run. */
  readonly condemned: readonly string[];
  /** Packs deleted by this run (condemned by an earlier run at least a grace period ago). */
  readonly deleted: readonly string[];
  /** Condemned packs found referenced again and spared. */
  readonly spared: readonly string[];
  readonly indexFilesRewritten: number;
}

const HOUR = 60 * 60 * 1000;

/**
 * Garbage collection in two phases under an exclusive lock (restic's lock + rustic's two-phase delete):
 *  1. delete: packs condemned by an earlier run at least `graceMs` ago and still unreferenced by every
 *     snapshot listed now are dropped from the index (new index files first, then the old ones go),
 *     then deleted;
 *  2. mark: packs unreferenced by every snapshot and older than `graceMs` are condemned (a GC mark).
 * All times come from the store's clock. A pack a running backup wrote is younger than the grace period;
 * a pack it deduplicated against and that gets condemned meanwhile is copied out at its commit
 * (see SnapshotWriter). Partly used packs are kept whole (no repacking).
 */
export async function collectGarbage(repo: Repository, options: GcOptions = {}): Promise<GcReport> {
  const graceMs = options.graceMs ?? repo.options.gcGraceMs;
  const vault = repo.vault;
  const lock = await acquireLock(vault.store, vault.layout.gcLockKey, { owner: options.owner, ttlMs: options.lockTtlMs ?? HOUR });
  try {
    const now = options.now ?? lock.acquiredAt;
    const marks = await loadMarks(vault);
    const condemned = condemnedPacks(marks);
    // Snapshots are listed after the marks and after "now": any snapshot committed by a writer that did
    // not see a mark is in this listing, so what it references is spared.
    const snapshots = await repo.listSnapshots();
    const index = await repo.refreshIndex();
    const existing = await listPackObjects(vault);
    const reachable = await reachableBlobs(repo, snapshots);

    const referenced = new Set<string>();
    for (const id of reachable.keys()) {
      const locations = index.get(id) ?? [];
      const live = locations.filter((l) => existing.has(l.pack) && !condemned.has(l.pack));
      const keep = live.length > 0 ? live : locations.filter((l) => existing.has(l.pack));
      if (keep.length === 0) {
        throw new RepoError(
          'REPO_MISSING_BLOB',
          `Garbage collection stopped: blob ${id} is referenced by a snapshot but no existing pack holds it. Run verify (and rebuild the index) first.`,
          { blobId: id },
        );
      }
      for (const l of keep) referenced.add(l.pack);
    }

    // Phase 1: delete what was condemned at least a grace period ago.
    const ripe = marks.filter((m) => now.getTime() - m.modified.getTime() >= graceMs);
    const deletable = new Set<string>();
    const spared: string[] = [];
    for (const m of ripe) {
      for (const p of m.packs) {
        if (referenced.has(p)) spared.push(p);
        else deletable.add(p);
      }
    }
    let indexFilesRewritten = 0;
    if (!options.dryRun && (deletable.size > 0 || ripe.length > 0)) {
      await lock.assertHeld();
      indexFilesRewritten = await rewriteIndex(repo, (pack) => !deletable.has(pack), options.compactIndexAbove ?? 32);
      for (const p of deletable) await vault.store.delete(vault.layout.abs(p));
      for (const m of ripe) await vault.store.delete(m.key);
    } else if (!options.dryRun) {
      indexFilesRewritten = await rewriteIndex(repo, () => true, options.compactIndexAbove ?? 32);
    }

    // Phase 2: condemn what is unreferenced and older than the grace period.
    const stillCondemned = new Set([...condemned].filter((p) => !deletable.has(p) && !spared.includes(p)));
    const fresh: string[] = [];
    for (const [pack, info] of existing) {
      if (referenced.has(pack) || stillCondemned.has(pack) || deletable.has(pack)) continue;
      if (now.getTime() - info.modified.getTime() >= graceMs) fresh.push(pack);
    }
    if (!options.dryRun && fresh.length > 0) {
      await lock.assertHeld();
      await writeMark(vault, fresh);
    }
    return {
      snapshots: snapshots.length,
      reachableBlobs: reachable.size,
      packs: existing.size,
      condemned: fresh,
      deleted: options.dryRun ? [] : [...deletable],
      spared,
      indexFilesRewritten,
    };
  } finally {
    repo.invalidateIndex();
    await lock.release();
  }
}

/**
 * Rewrites the index files that mention a pack `keep` rejects (and merges all files when there are
 * more than `compactAbove`): the new files are written first, the old ones deleted after, so a reader
 * always finds every live blob. Returns how many old files were replaced.
 */
async function rewriteIndex(repo: Repository, keep: (pack: string) => boolean, compactAbove: number): Promise<number> {
  const vault = repo.vault;
  const files: { name: string; packs: IndexedPack[] }[] = [];
  for await (const info of vault.store.list(vault.layout.indexPrefix)) {
    const name = info.key.slice(vault.layout.indexPrefix.length);
    try {
      files.push({ name, packs: decodeIndexFile(vault, info.key, name, await vault.store.get(info.key)) });
    } catch (err) {
      if (err instanceof ObjectNotFoundError) continue;
      throw err;
    }
  }
  const affected = files.length > compactAbove ? files : files.filter((f) => f.packs.some((p) => !keep(p.pack)));
  if (affected.length === 0) return 0;
  const merged = new Map<string, IndexedPack>();
  for (const f of affected) for (const p of f.packs) if (keep(p.pack)) merged.set(p.pack, p);
  for (const file of encodeIndexFiles(vault, [...merged.values()])) await vault.store.put(vault.layout.indexKey(file.name), file.bytes);
  for (const f of affected) await vault.store.delete(vault.layout.indexKey(f.name));
  return affected.length;
}
