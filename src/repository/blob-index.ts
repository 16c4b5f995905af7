import { randomBytes } from 'node:crypto';
import type { BlobType } from './crypto.ts';
import { corruptObject, RepoError } from './errors.ts';
import type { PackEntry } from './pack.ts';
import type { Vault } from './vault.ts';

/** Where a blob is: the pack (relative to the tenant root), offset and length of its sealed bytes. */
export interface BlobLocation {
  readonly pack: string;
  readonly type: BlobType;
  readonly offset: number;
  readonly length: number;
}

export interface IndexedPack {
  readonly pack: string;
  readonly blobs: readonly PackEntry[];
}

export const INDEX_VERSION = 1;

interface IndexFile {
  v: number;
  packs: { pack: string; blobs: [string, BlobType, number, number][] }[];
}

/**
 * The in-memory index: blob id → locations. A blob can be in more than one pack (a pack rescued from
 * garbage collection, or two writers racing); any location whose pack exists will do.
 * Index files are an accelerator: every entry can be rebuilt from the pack headers.
 */
export class BlobIndex {
  readonly #map = new Map<string, BlobLocation[]>();
  /** Index files loaded (names relative to `index/`). */
  readonly files = new Set<string>();

  add(pack: string, entries: readonly PackEntry[]): void {
    for (const e of entries) {
      const loc: BlobLocation = { pack, type: e.type, offset: e.offset, length: e.length };
      const list = this.#map.get(e.id);
      if (list === undefined) this.#map.set(e.id, [loc]);
      else if (!list.some((l) => l.pack === pack)) list.push(loc);
    }
  }

  get(id: string): readonly BlobLocation[] | undefined {
    return this.#map.get(id);
  }

  has(id: string): boolean {
    return this.#map.has(id);
  }

  get size(): number {
    return this.#map.size;
  }

  entries(): IterableIterator<[string, BlobLocation[]]> {
    return this.#map.entries();
  }

  /** Packs mentioned by the index. */
  packs(): Set<string> {
    const out = new Set<string>();
    for (const list of this.#map.values()) for (const l of list) out.add(l.pack);
    return out;
  }
}

/** Encodes index files of at most `perFile` blobs each; names are random (an index file is never rewritten). */
export function encodeIndexFiles(vault: Vault, packs: readonly IndexedPack[], perFile = 50_000): { name: string; bytes: Buffer }[] {
  const files: { name: string; bytes: Buffer }[] = [];
  let current: IndexFile = { v: INDEX_VERSION, packs: [] };
  let count = 0;
  const flush = (): void => {
    if (current.packs.length === 0) return;
    const name = randomBytes(16).toString('hex');
    files.push({ name, bytes: vault.sealObject('index', name, current) });
    current = { v: INDEX_VERSION, packs: [] };
    count = 0;
  };
  for (const p of packs) {
    current.packs.push({ pack: p.pack, blobs: p.blobs.map((b) => [b.id, b.type, b.offset, b.length]) });
    count += p.blobs.length;
    if (count >= perFile) flush();
  }
  flush();
  return files;
}

export function decodeIndexFile(vault: Vault, object: string, name: string, bytes: Buffer): IndexedPack[] {
  const file = vault.openObject<IndexFile>(object, 'index', name, bytes);
  if (file.v !== INDEX_VERSION) {
    throw new RepoError('REPO_UNSUPPORTED_FORMAT', `Index file ${object} has format ${file.v}; this Noxbackup reads ${INDEX_VERSION}`, { object });
  }
  if (!Array.isArray(file.packs)) throw corruptObject(object, 'index', 'no pack list');
  return file.packs.map((p) => ({ pack: p.pack, blobs: p.blobs.map(([id, type, offset, length]) => ({ id, type, offset, length })) }));
}
