import type { SnapshotInfo } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import type { TreeNode } from '../repository/tree.ts';

/** One place a damaged blob is used: a record or attachment of a snapshot, or part of a data set's tree. */
export interface Affected {
  readonly snapshot: string;
  readonly time: string;
  readonly dataset: string;
  /** The record key; undefined when a tree node is damaged and everything below it is unreadable. */
  readonly key?: string;
  /** For a damaged tree node: the first key below it, when known. */
  readonly fromKey?: string;
  /** What the damaged blob is to this key: the record, the attachment descriptor, a chunk, a tree node. */
  readonly via: 'record' | 'attachment' | 'chunk' | 'tree';
  readonly blobId: string;
}

interface Hit {
  readonly key?: string;
  readonly fromKey?: string;
  readonly via: Affected['via'];
  readonly blobId: string;
}

/**
 * Maps damaged blobs to the snapshots, data sets and record keys that use them, by walking every
 * snapshot's trees. Subtrees are shared between snapshots (unchanged data keeps its nodes), so each node
 * is visited once and its findings reused: this costs about one walk of the distinct nodes, not one per
 * snapshot. Attachment descriptors are read only when a chunk is among the damaged blobs.
 */
export async function findAffected(repo: Repository, snapshots: readonly SnapshotInfo[], damaged: ReadonlySet<string>, limit = 1000): Promise<Map<string, Affected[]>> {
  const out = new Map<string, Affected[]>();
  if (damaged.size === 0) return out;
  const memo = new Map<string, Hit[]>();
  const descriptors = new Map<string, readonly string[] | null>();

  const chunksOf = async (id: string): Promise<readonly string[] | null> => {
    let c = descriptors.get(id);
    if (c === undefined) {
      try {
        c = (await repo.readAttachmentDescriptor(id)).chunks;
      } catch {
        c = null; // a damaged descriptor is found as itself
      }
      descriptors.set(id, c);
    }
    return c;
  };

  const visit = async (id: string, fromKey: string | undefined): Promise<Hit[]> => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const hits: Hit[] = [];
    let node: TreeNode | undefined;
    if (damaged.has(id)) hits.push({ fromKey, via: 'tree', blobId: id });
    else {
      try {
        node = await repo.loadNode(id);
      } catch {
        hits.push({ fromKey, via: 'tree', blobId: id });
      }
    }
    if (node?.t === 'n') {
      for (const [first, child] of node.c) hits.push(...(await visit(child, first)));
    } else if (node?.t === 'l') {
      for (const [key, blob, kind] of node.e) {
        if (damaged.has(blob)) hits.push({ key, via: kind === 'r' ? 'record' : 'attachment', blobId: blob });
        else if (kind === 'a') {
          for (const chunk of (await chunksOf(blob)) ?? []) if (damaged.has(chunk)) hits.push({ key, via: 'chunk', blobId: chunk });
        }
      }
    }
    memo.set(id, hits);
    return hits;
  };

  for (const snap of snapshots) {
    for (const [dataset, summary] of Object.entries(snap.datasets)) {
      for (const hit of await visit(summary.tree, undefined)) {
        const list = out.get(hit.blobId) ?? [];
        if (list.length < limit) list.push({ snapshot: snap.id, time: snap.time, dataset, ...hit });
        out.set(hit.blobId, list);
      }
    }
  }
  return out;
}
