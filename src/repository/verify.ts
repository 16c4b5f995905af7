import { randomInt } from 'node:crypto';
import { ObjectNotFoundError } from '../storage/object-store.ts';
import { BlobIndex, decodeIndexFile, encodeIndexFiles } from './blob-index.ts';
import { NoxError } from '../errors.ts';
import { corruptPack } from './errors.ts';
import { listPackObjects } from './gc-marks.ts';
import type { SnapshotInfo } from './manifest.ts';
import { parsePack, readPackHeader, sha256Hex } from './pack.ts';
import { reachableBlobs } from './reachability.ts';
import type { Repository } from './repository.ts';

/** One thing wrong with the repository, named so an operator can find it. */
export interface Problem {
  /** A RepoErrorCode, or a storage code (STORAGE_…) when the store itself failed. */
  readonly code: string;
  readonly message: string;
  readonly object?: string;
  readonly blobId?: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  readonly snapshots: number;
  readonly blobs: number;
  readonly packs: number;
  readonly packsRead: number;
  readonly bytesRead: number;
}

/** A thrown error as a named problem (object and blob from the error's details, else the fallback). */
export function toProblem(err: unknown, fallback: { object?: string; blobId?: string } = {}): Problem {
  if (err instanceof NoxError) {
    const d = err.details ?? {};
    return {
      code: err.code,
      message: err.message,
      object: typeof d.object === 'string' ? d.object : fallback.object,
      blobId: typeof d.blobId === 'string' ? d.blobId : fallback.blobId,
    };
  }
  return { code: 'UNKNOWN', message: err instanceof Error ? err.message : String(err), ...fallback };
}

/**
 * Structural check (restic `check`, kopia `snapshot verify`): every manifest opens and matches its id,
 * every index file opens, every pack an index names exists, and every blob a snapshot references —
 * tree nodes, records, attachments and their chunks — is indexed in an existing pack. Tree nodes and
 * attachment descriptors are read (they must be, to find what they reference); record contents are not.
 */
export async function checkStructure(repo: Repository): Promise<CheckReport> {
  const problems: Problem[] = [];
  const vault = repo.vault;
  const snapshots: SnapshotInfo[] = [];
  for await (const info of vault.store.list(vault.layout.snapshotsPrefix)) {
    try {
      snapshots.push(await repo.readSnapshot(info.key.slice(vault.layout.snapshotsPrefix.length)));
    } catch (err) {
      problems.push(toProblem(err, { object: info.key }));
    }
  }
  const index = new BlobIndex();
  for await (const info of vault.store.list(vault.layout.indexPrefix)) {
    const name = info.key.slice(vault.layout.indexPrefix.length);
    try {
      for (const p of decodeIndexFile(vault, info.key, name, await vault.store.get(info.key))) index.add(p.pack, p.blobs);
    } catch (err) {
      problems.push(toProblem(err, { object: info.key }));
    }
  }
  const existing = await listPackObjects(vault);
  for (const pack of index.packs()) {
    if (!existing.has(pack)) problems.push({ code: 'REPO_MISSING_OBJECT', message: `Pack ${vault.layout.abs(pack)} is indexed but missing`, object: vault.layout.abs(pack) });
  }
  const reachable = await reachableBlobs(repo, snapshots, (err, blobId) => problems.push(toProblem(err, { blobId })));
  for (const [id, type] of reachable) {
    const locations = index.get(id);
    if (locations === undefined) {
      problems.push({ code: 'REPO_MISSING_BLOB', message: `Blob ${id} (${type}) is referenced but not indexed`, blobId: id });
    } else if (!locations.some((l) => existing.has(l.pack))) {
      const object = vault.layout.abs(locations[0]!.pack);
      problems.push({ code: 'REPO_MISSING_OBJECT', message: `Blob ${id} (${type}) is in ${object}, which is missing`, object, blobId: id });
    }
  }
  return { ok: problems.length === 0, problems: dedupe(problems), snapshots: snapshots.length, blobs: reachable.size, packs: existing.size, packsRead: 0, bytesRead: 0 };
}

/**
 * Reads one pack whole: its SHA-256 against its name, its trailer and header, and every blob decrypted
 * with its id checked. Problems are collected, never thrown, so one bad pack hides nothing else.
 */
export async function checkPack(repo: Repository, pack: string): Promise<{ problems: Problem[]; blobs: number; bytes: number }> {
  const vault = repo.vault;
  const object = vault.layout.abs(pack);
  const problems: Problem[] = [];
  let bytes: Buffer;
  try {
    bytes = await vault.get(object, 'reading a pack');
  } catch (err) {
    return { problems: [toProblem(err, { object })], blobs: 0, bytes: 0 };
  }
  let blobs = 0;
  const hashOk = sha256Hex(bytes) === pack.slice(pack.lastIndexOf('/') + 1);
  try {
    for (const e of parsePack(vault, object, bytes)) {
      blobs += 1;
      try {
        vault.openBlob(object, e.type, e.id, bytes.subarray(e.offset, e.offset + e.length));
      } catch (err) {
        problems.push(toProblem(err, { object, blobId: e.id }));
      }
    }
    if (!hashOk) problems.push(toProblem(corruptPack(object, 'content does not match its name (SHA-256)')));
  } catch (err) {
    problems.push(toProblem(err, { object }));
  }
  return { problems, blobs, bytes: bytes.length };
}

/**
 * Read-and-decrypt check (restic `check --read-data[-subset]`): reads whole packs, checks each pack's
 * SHA-256 against its name, its trailer and header, and decrypts every blob and checks its id.
 * `fraction` < 1 reads a random sample of packs (e.g. 0.025 after each backup; all of them monthly).
 */
export async function checkData(repo: Repository, options: { fraction?: number } = {}): Promise<CheckReport> {
  const problems: Problem[] = [];
  const vault = repo.vault;
  const packs = [...(await listPackObjects(vault)).keys()];
  const fraction = options.fraction ?? 1;
  const chosen = fraction >= 1 ? packs : packs.filter(() => randomInt(1_000_000) < fraction * 1_000_000);
  let bytesRead = 0;
  let blobs = 0;
  for (const pack of chosen) {
    const r = await checkPack(repo, pack);
    problems.push(...r.problems);
    blobs += r.blobs;
    bytesRead += r.bytes;
  }
  return { ok: problems.length === 0, problems, snapshots: 0, blobs, packs: packs.length, packsRead: chosen.length, bytesRead };
}

/**
 * Repair: rebuilds the index from the pack headers alone (the index is a cache; packs describe
 * themselves). Writes the new index file first, then removes the old ones. Unreadable packs are reported.
 */
export async function rebuildIndex(repo: Repository): Promise<{ packs: number; blobs: number; problems: Problem[] }> {
  const vault = repo.vault;
  const problems: Problem[] = [];
  const packs = [];
  let blobs = 0;
  for (const [pack, info] of await listPackObjects(vault)) {
    try {
      const entries = await readPackHeader(vault, vault.layout.abs(pack), info.size);
      packs.push({ pack, blobs: entries });
      blobs += entries.length;
    } catch (err) {
      if (err instanceof ObjectNotFoundError) continue;
      problems.push(toProblem(err, { object: vault.layout.abs(pack) }));
    }
  }
  const old: string[] = [];
  for await (const info of vault.store.list(vault.layout.indexPrefix)) old.push(info.key);
  for (const file of encodeIndexFiles(vault, packs)) await vault.store.put(vault.layout.indexKey(file.name), file.bytes);
  for (const key of old) await vault.store.delete(key);
  await repo.refreshIndex();
  return { packs: packs.length, blobs, problems };
}

/** One problem per (code, object, blob). */
export function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.code}|${p.object ?? ''}|${p.blobId ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
