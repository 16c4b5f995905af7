import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { compareKeys } from './canonical-json.ts';
import type { EntryKind, TreeEntry } from './tree.ts';

/** An entry as a writer collects it; `d` removes a key carried forward from the parent. */
export interface PendingEntry {
  readonly key: string;
  readonly id: string;
  readonly kind: EntryKind | 'd';
}

interface Sequenced extends PendingEntry {
  readonly seq: number;
}

const bySeq = (a: Sequenced, b: Sequenced): number => compareKeys(a.key, b.key) || a.seq - b.seq;

/**
 * Collects a data set's entries in any order and gives them back sorted, without holding more than
 * `threshold` in memory: a full buffer is sorted and spilled to a temporary file (a "run"), and the
 * runs are merged at the end. Only keys and blob ids are held, never record contents.
 * A key given more than once keeps its last value (a Fortnox list can show a record on two pages when
 * the list shifts while it is read).
 */
export class EntrySorter {
  readonly #threshold: number;
  readonly #spillDir: string;
  #buffer: Sequenced[] = [];
  #seq = 0;
  readonly #runs: string[] = [];
  #dir: string | undefined;

  constructor(options: { threshold: number; spillDir?: string }) {
    this.#threshold = options.threshold;
    this.#spillDir = options.spillDir ?? tmpdir();
  }

  get spilledRuns(): number {
    return this.#runs.length;
  }

  async add(entry: PendingEntry): Promise<void> {
    this.#buffer.push({ key: entry.key, id: entry.id, kind: entry.kind, seq: this.#seq++ });
    if (this.#buffer.length >= this.#threshold) await this.#spill();
  }

  async #spill(): Promise<void> {
    const sorted = this.#buffer.sort(bySeq);
    this.#buffer = [];
    this.#dir ??= await mkdtemp(join(this.#spillDir, 'noxbackup-sort-'));
    const file = join(this.#dir, `run-${this.#runs.length}.ndjson`);
    await writeFile(file, sorted.map((e) => JSON.stringify([e.key, e.id, e.kind, e.seq])).join('\n') + '\n', { mode: 0o600 });
    this.#runs.push(file);
  }

  /** All entries in key order, one per key (the last given). */
  async *sorted(): AsyncGenerator<PendingEntry> {
    const sources: AsyncIterator<Sequenced>[] = this.#runs.map((f) => readRun(f));
    const memory = this.#buffer.sort(bySeq);
    sources.push((async function* () {
      yield* memory;
    })());
    const heads: (Sequenced | undefined)[] = [];
    for (const s of sources) heads.push((await s.next()).value as Sequenced | undefined);
    let held: Sequenced | undefined;
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h !== undefined && (best < 0 || bySeq(h, heads[best]!) < 0)) best = i;
      }
      if (best < 0) break;
      const entry = heads[best]!;
      if (held !== undefined && held.key !== entry.key) yield { key: held.key, id: held.id, kind: held.kind };
      held = entry;
      heads[best] = (await sources[best]!.next()).value as Sequenced | undefined;
    }
    if (held !== undefined) yield { key: held.key, id: held.id, kind: held.kind };
  }

  async dispose(): Promise<void> {
    this.#buffer = [];
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}

async function* readRun(file: string): AsyncGenerator<Sequenced> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const [key, id, kind, seq] = JSON.parse(line) as [string, string, EntryKind | 'd', number];
    yield { key, id, kind, seq };
  }
}

/**
 * Applies sorted changes to a sorted base (the parent's tree): a change replaces the base entry of the
 * same key, `d` removes it (removing an absent key is a no-op).
 */
export async function* mergeChanges(base: AsyncIterable<TreeEntry>, changes: AsyncIterable<PendingEntry>): AsyncGenerator<TreeEntry> {
  const b = base[Symbol.asyncIterator]();
  const c = changes[Symbol.asyncIterator]();
  let bh = (await b.next()).value as TreeEntry | undefined;
  let ch = (await c.next()).value as PendingEntry | undefined;
  while (bh !== undefined || ch !== undefined) {
    const order = bh === undefined ? 1 : ch === undefined ? -1 : compareKeys(bh.key, ch.key);
    if (order < 0) {
      yield bh!;
      bh = (await b.next()).value as TreeEntry | undefined;
      continue;
    }
    if (order === 0) bh = (await b.next()).value as TreeEntry | undefined;
    if (ch!.kind !== 'd') yield { key: ch!.key, id: ch!.id, kind: ch!.kind };
    ch = (await c.next()).value as PendingEntry | undefined;
  }
}

/** Entries of a data set written from scratch: deletions make no sense there. */
export async function* withoutDeletes(changes: AsyncIterable<PendingEntry>): AsyncGenerator<TreeEntry> {
  for await (const e of changes) {
    if (e.kind === 'd') continue;
    yield { key: e.key, id: e.id, kind: e.kind };
  }
}
