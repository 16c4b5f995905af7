import type { BlobType } from './crypto.ts';
import type { SnapshotInfo } from './manifest.ts';
import type { Repository } from './repository.ts';
import type { TreeNode } from './tree.ts';

/**
 * Every blob the given snapshots reference, with its type: tree nodes, records, attachment
 * descriptors and their chunks. Shared subtrees are walked once, so a thousand snapshots that reuse
 * trees cost little more than one. `onError` decides whether a blob that cannot be read stops the walk
 * (garbage collection) or is reported and skipped (verification).
 */
export async function reachableBlobs(
  repo: Repository,
  snapshots: readonly SnapshotInfo[],
  onError: (err: unknown, blobId: string, type: BlobType) => void = (err) => {
    throw err;
  },
): Promise<Map<string, BlobType>> {
  const seen = new Map<string, BlobType>();
  const visitTree = async (id: string): Promise<void> => {
    if (seen.has(id)) return;
    seen.set(id, 'tree');
    let node: TreeNode;
    try {
      node = await repo.loadNode(id);
    } catch (err) {
      onError(err, id, 'tree');
      return;
    }
    if (node.t === 'n') {
      for (const [, child] of node.c) await visitTree(child);
      return;
    }
    for (const [, blob, kind] of node.e) {
      if (seen.has(blob)) continue;
      if (kind === 'r') {
        seen.set(blob, 'record');
        continue;
      }
      seen.set(blob, 'attachment');
      try {
        for (const chunk of (await repo.readAttachmentDescriptor(blob)).chunks) seen.set(chunk, 'chunk');
      } catch (err) {
        onError(err, blob, 'attachment');
      }
    }
  };
  for (const snap of snapshots) for (const ds of Object.values(snap.datasets)) await visitTree(ds.tree);
  return seen;
}
