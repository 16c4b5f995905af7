import { NoxError } from '../errors.ts';
import { listPackObjects } from '../repository/gc-marks.ts';
import type { Repository } from '../repository/repository.ts';
import { checkPack, type Problem } from '../repository/verify.ts';

/**
 * How many runs a sampled read takes to cover everything: 10 % → 10 slots, 2.5 % → 40, 100 % → 1.
 * Each run reads the packs of one slot; consecutive runs take consecutive slots, so ten 10 % runs read
 * every pack once (restic's `--read-data-subset=n/t`).
 */
export function slotsFor(percent: number): number {
  if (!(percent > 0 && percent <= 100)) throw new NoxError('VERIFY_BAD_PERCENT', `--read-data must be a percentage above 0 and at most 100, got ${percent}`, { exitCode: 2 });
  return Math.max(1, Math.round(100 / percent));
}

/** The slot of a pack: its name is the SHA-256 of its bytes, so this spreads packs evenly and never moves one. */
export function packSlot(pack: string, slots: number): number {
  const name = pack.slice(pack.lastIndexOf('/') + 1);
  return Number.parseInt(name.slice(0, 8), 16) % slots;
}

export interface DataCheck {
  readonly percent: number;
  readonly slot: number;
  readonly slots: number;
  readonly packs: number;
  readonly packsRead: number;
  readonly blobsRead: number;
  readonly bytesRead: number;
  readonly problems: readonly Problem[];
}

/**
 * Read-and-decrypt check of the packs in one slot: each pack's SHA-256 against its name, its trailer and
 * header, and every blob decrypted and checked against its id. Every pack is tried; a problem is recorded
 * and the check goes on.
 */
export async function readAndDecrypt(repo: Repository, percent: number, slot: number): Promise<DataCheck> {
  const slots = slotsFor(percent);
  const vault = repo.vault;
  const problems: Problem[] = [];
  const packs = [...(await listPackObjects(vault)).keys()].sort();
  let packsRead = 0;
  let blobsRead = 0;
  let bytesRead = 0;
  for (const pack of packs) {
    if (slots > 1 && packSlot(pack, slots) !== slot % slots) continue;
    packsRead += 1;
    const r = await checkPack(repo, pack);
    problems.push(...r.problems);
    blobsRead += r.blobs;
    bytesRead += r.bytes;
  }
  return { percent, slot: slot % slots, slots, packs: packs.length, packsRead, blobsRead, bytesRead, problems };
}
