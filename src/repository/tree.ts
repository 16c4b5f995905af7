import { createHmac, type KeyObject } from 'node:crypto';
import { canonicalJsonBytes, compareKeys } from './canonical-json.ts';
import { RepoError } from './errors.ts';

/** What a key of a data set points to: a record blob or an attachment descriptor blob. */
export type EntryKind = 'r' | 'a';

export interface TreeEntry {
  readonly key: string;
  readonly id: string;
  readonly kind: EntryKind;
}

/** A leaf holds entries; an inner node holds its children's first keys, ids and entry counts. */
export type TreeNode =
  | { t: 'l'; v: 1; e: [key: string, id: string, kind: EntryKind][] }
  | { t: 'n'; v: 1; c: [firstKey: string, id: string, count: number][] };

/**
 * Builds a data set's tree from entries in key order, as a content-defined B-tree (a "prolly tree"):
 * a node ends after a key whose keyed hash is 0 modulo the fanout, so node boundaries depend only on
 * the keys near them. Changing a record changes one leaf and the nodes above it; every other node keeps
 * its bytes and its blob id, and is deduplicated. Boundaries use the tenant's id key, so node sizes
 * reveal nothing about keys. A node also ends at 8 × fanout entries, to bound its size.
 */
export class TreeBuilder {
  readonly #fanout: number;
  readonly #idKey: KeyObject;
  readonly #putNode: (bytes: Buffer) => Promise<string>;
  readonly #levels: { pending: [string, string, number | EntryKind][]; emitted: number; count: number }[] = [];
  #last: string | undefined;
  #count = 0;

  constructor(options: { fanout: number; idKey: KeyObject; putNode: (bytes: Buffer) => Promise<string> }) {
    this.#fanout = options.fanout;
    this.#idKey = options.idKey;
    this.#putNode = options.putNode;
  }

  async add(entry: TreeEntry): Promise<void> {
    if (this.#last !== undefined && compareKeys(this.#last, entry.key) >= 0) {
      throw new RepoError('REPO_BAD_INPUT', `Tree entries out of order or duplicated at key ${JSON.stringify(entry.key)}`);
    }
    this.#last = entry.key;
    this.#count += 1;
    await this.#push(0, [entry.key, entry.id, entry.kind], 1);
  }

  async #push(level: number, row: [string, string, number | EntryKind], count: number): Promise<void> {
    const state = (this.#levels[level] ??= { pending: [], emitted: 0, count: 0 });
    state.pending.push(row);
    state.count += count;
    if (this.#isBoundary(level, row[0]) || state.pending.length >= this.#fanout * 8) await this.#flush(level);
  }

  async #flush(level: number): Promise<void> {
    const state = this.#levels[level];
    if (state === undefined || state.pending.length === 0) return;
    const rows = state.pending;
    const count = state.count;
    state.pending = [];
    state.count = 0;
    state.emitted += 1;
    const id = await this.#putNode(encodeNode(level, rows));
    await this.#push(level + 1, [rows[0]![0], id, count], count);
  }

  #isBoundary(level: number, key: string): boolean {
    const h = createHmac('sha256', this.#idKey).update(`split\0${level}\0${key}`).digest();
    return h.readUInt32BE(0) % this.#fanout === 0;
  }

  /** Writes what is pending and returns the root node's id and the number of entries. */
  async finish(): Promise<{ root: string; count: number }> {
    if (this.#count === 0) return { root: await this.#putNode(encodeNode(0, [])), count: 0 };
    for (let level = 0; ; level++) {
      const state = this.#levels[level]!;
      if (this.#levels[level + 1] === undefined) {
        // The top level: its pending rows are the root (a lone child is the root itself).
        if (level > 0 && state.pending.length === 1) return { root: state.pending[0]![1], count: this.#count };
        return { root: await this.#putNode(encodeNode(level, state.pending)), count: this.#count };
      }
      await this.#flush(level);
    }
  }
}

function encodeNode(level: number, rows: [string, string, number | EntryKind][]): Buffer {
  const node: TreeNode =
    level === 0
      ? { t: 'l', v: 1, e: rows.map(([k, id, kind]) => [k, id, kind as EntryKind]) }
      : { t: 'n', v: 1, c: rows.map(([k, id, count]) => [k, id, count as number]) };
  return canonicalJsonBytes(node);
}

export type LoadNode = (id: string) => Promise<TreeNode>;

export function parseNode(bytes: Buffer, object: string, id: string): TreeNode {
  const node = JSON.parse(bytes.toString('utf8')) as TreeNode;
  if (node.v !== 1 || (node.t !== 'l' && node.t !== 'n')) {
    throw new RepoError('REPO_UNSUPPORTED_FORMAT', `Tree node ${id} in ${object} has an unknown format`, { object, blobId: id });
  }
  return node;
}

/** Every entry of a tree in key order, loading one path of nodes at a time. */
export async function* iterateTree(root: string, load: LoadNode): AsyncGenerator<TreeEntry> {
  const node = await load(root);
  if (node.t === 'l') {
    for (const [key, id, kind] of node.e) yield { key, id, kind };
    return;
  }
  for (const [, child] of node.c) yield* iterateTree(child, load);
}

/** Every tree node id reachable from a root (the root included). */
export async function* treeNodeIds(root: string, load: LoadNode): AsyncGenerator<{ id: string; node: TreeNode }> {
  const node = await load(root);
  yield { id: root, node };
  if (node.t === 'n') for (const [, child] of node.c) yield* treeNodeIds(child, load);
}

export async function lookupTree(root: string, key: string, load: LoadNode): Promise<TreeEntry | undefined> {
  let node = await load(root);
  while (node.t === 'n') {
    // The last child whose first key is <= key.
    let lo = 0;
    let hi = node.c.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(node.c[mid]![0], key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    node = await load(node.c[found]![1]);
  }
  const hit = node.e.find(([k]) => k === key);
  return hit === undefined ? undefined : { key: hit[0], id: hit[1], kind: hit[2] };
}
