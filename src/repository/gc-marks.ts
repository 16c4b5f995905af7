import { randomBytes } from 'node:crypto';
import { ObjectNotFoundError, type ObjectInfo } from '../storage/object-store.ts';
import type { Vault } from './vault.ts';

/**
 * A GC mark ("condemned list"): packs that garbage collection found unreferenced and older than the
 * grace period. They are deleted by a later collection, at least a grace period after the mark was
 * written, and only if still unreferenced then. Writers never deduplicate against a condemned pack and,
 * at commit, copy out any blob they need from one (see snapshot-writer.ts).
 */
export interface GcMark {
  readonly name: string;
  readonly key: string;
  /** The store's time of the mark (its modification time): when the condemnation began. */
  readonly modified: Date;
  readonly packs: readonly string[];
}

export async function loadMarks(vault: Vault): Promise<GcMark[]> {
  const marks: GcMark[] = [];
  const prefix = vault.layout.gcPrefix;
  for await (const info of vault.store.list(prefix)) {
    const name = info.key.slice(prefix.length);
    let sealed: Buffer;
    try {
      sealed = await vault.store.get(info.key);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) continue;
      throw err;
    }
    const body = vault.openObject<{ v: 1; packs: string[] }>(info.key, 'gc-mark', name, sealed);
    marks.push({ name, key: info.key, modified: info.modified, packs: body.packs });
  }
  return marks;
}

export async function writeMark(vault: Vault, packs: readonly string[]): Promise<string> {
  const name = randomBytes(16).toString('hex');
  await vault.store.put(vault.layout.gcMarkKey(name), vault.sealObject('gc-mark', name, { v: 1, packs }));
  return name;
}

export function condemnedPacks(marks: readonly GcMark[]): Set<string> {
  const out = new Set<string>();
  for (const m of marks) for (const p of m.packs) out.add(p);
  return out;
}

/** Every pack object (record/tree packs and attachment packs), keyed by its name relative to the tenant root. */
export async function listPackObjects(vault: Vault): Promise<Map<string, ObjectInfo>> {
  const out = new Map<string, ObjectInfo>();
  for (const prefix of [vault.layout.packsPrefix, vault.layout.attachmentsPrefix]) {
    for await (const info of vault.store.list(prefix)) out.set(vault.layout.rel(info.key), info);
  }
  return out;
}
