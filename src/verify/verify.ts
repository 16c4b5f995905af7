import { randomUUID } from 'node:crypto';
import { keyFileKey } from '../repository/layout.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';
import type { MasterKeyring } from '../repository/master-keys.ts';
import { openRepository, type Repository } from '../repository/repository.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { listSnapshots as listIndexedSnapshots, type Db } from '../db/index.ts';
import { lastReadSlot, saveVerificationRun } from '../db/verification-runs.ts';
import { findAffected, type Affected } from './affected.ts';
import { checkBooks, type BooksCheck } from './books.ts';
import { readAndDecrypt, slotsFor, type DataCheck } from './read-data.ts';
import { dedupe, toProblem, type Problem } from '../repository/verify.ts';

export type Severity = 'error' | 'warning';

/** One finding, named so an operator can act on it: which object, and which snapshots and records it hits. */
export interface Finding {
  readonly severity: Severity;
  /** REPO_… for the repository's own codes, BOOKS_… and SNAPSHOT_… for the checks here. */
  readonly code: string;
  readonly message: string;
  /** The damaged object (pack, manifest, index file, key file), when there is one. */
  readonly object?: string;
  readonly blobId?: string;
  /** Where the finding is about one snapshot (bookkeeping checks, an unreadable manifest). */
  readonly snapshot?: string;
  readonly dataset?: string;
  readonly key?: string;
  readonly financialYear?: string;
  /** Records, attachments and tree parts that use the damaged blob (at most 1000 listed). */
  readonly affects?: readonly Affected[];
  readonly affectedCount?: number;
}

export interface VerificationReport {
  readonly id: string;
  readonly tenantId: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** No errors (warnings allowed). */
  readonly ok: boolean;
  readonly errors: number;
  readonly warnings: number;
  readonly structure: { readonly snapshots: number; readonly blobs: number; readonly packs: number } | null;
  readonly data: Omit<DataCheck, 'problems'> | null;
  /** The snapshot whose books and counts were checked. */
  readonly snapshot: { readonly id: string; readonly time: string } | null;
  readonly books: readonly BooksCheck[];
  readonly findings: readonly Finding[];
}

export interface VerifyOptions {
  /** Check the books and counts of this snapshot (default: the newest). */
  readonly snapshot?: string;
  /** Read and decrypt this percentage of the packs (100 = everything); none when undefined or 0. */
  readonly readData?: number;
  /** Which slot to read (default: the one after the last stored run's, else 0). */
  readonly slot?: number;
  /** Recorded with the results: `cli`, `schedule` … */
  readonly trigger?: string;
  /** Store the report in the database (default true when a database is given). */
  readonly save?: boolean;
}

/** A repository, or how to open one (so a wrong master key becomes a finding, not a crash). */
export type RepositorySource = Repository | (() => Promise<Repository>);

/**
 * Verifies a tenant's backups (DESIGN.md §3): the structure of the whole repository, a read-and-decrypt
 * pass over all packs or a rotating slot of them, and the bookkeeping of one snapshot (SIE 4 per financial
 * year: IB + transactions = UB, RES = transactions, balanced vouchers; vouchers in the snapshot = #VER in
 * the SIE file = what the backup counted in Fortnox). Every problem is reported and the checks go on; a
 * damaged blob is traced to the snapshots, data sets and record keys that use it. Never throws for what
 * it finds; it throws only for bad input (an unknown `--snapshot`, a bad percentage) or a dead database.
 */
export async function verify(source: RepositorySource, db: Db | undefined, tenantId: string, options: VerifyOptions = {}): Promise<VerificationReport> {
  const startedAt = new Date();
  const findings: Finding[] = [];
  const slots = options.readData === undefined || options.readData === 0 ? undefined : slotsFor(options.readData);
  let slot = options.slot;
  if (slots !== undefined && slot === undefined) {
    const last = db === undefined ? undefined : await lastReadSlot(db, tenantId, slots);
    slot = last === undefined ? 0 : (last + 1) % slots;
  }

  let repo: Repository | undefined;
  try {
    repo = typeof source === 'function' ? await source() : source;
  } catch (err) {
    const p = toProblem(err, { object: keyFileKey(tenantId) });
    const indexed = db === undefined ? [] : await listIndexedSnapshots(db, tenantId, { limit: 1000 }).catch(() => []);
    findings.push({
      severity: 'error',
      ...problemFields(p),
      message: `${p.message} Nothing of tenant ${tenantId} can be read${indexed.length > 0 ? `: all ${indexed.length} snapshots in the index are affected` : ''}.`,
      affects: indexed.map((s) => ({ snapshot: s.snapshotId, time: s.createdAt, dataset: '*', via: 'tree' as const, blobId: '' })),
      affectedCount: indexed.length,
    });
  }

  let structure: VerificationReport['structure'] = null;
  let data: DataCheck | null = null;
  let checked: SnapshotInfo | undefined;
  const books: BooksCheck[] = [];
  if (repo !== undefined) {
    if (repo.tenantId !== tenantId) throw new Error(`verify: the repository is tenant ${repo.tenantId}'s, not ${tenantId}'s`);
    const problems: Problem[] = [];
    try {
      const s = await repo.checkStructure();
      structure = { snapshots: s.snapshots, blobs: s.blobs, packs: s.packs };
      problems.push(...s.problems);
    } catch (err) {
      problems.push(toProblem(err));
    }
    if (slots !== undefined) {
      try {
        data = await readAndDecrypt(repo, options.readData!, slot!);
        problems.push(...data.problems);
      } catch (err) {
        problems.push(toProblem(err));
      }
    }
    const snapshots = await readableSnapshots(repo, findings);
    findings.push(...(await traceProblems(repo, snapshots, dedupe(problems))));

    checked = options.snapshot === undefined ? snapshots.at(-1) : snapshots.find((s) => s.id === options.snapshot || s.id.startsWith(options.snapshot!));
    if (options.snapshot !== undefined && checked === undefined) {
      findings.push({ severity: 'error', code: 'REPO_SNAPSHOT_NOT_FOUND', message: `Snapshot ${options.snapshot} is not among the readable snapshots of tenant ${tenantId}`, snapshot: options.snapshot });
    }
    if (checked !== undefined) {
      const result = await checkBooks(repo, checked);
      books.push(...result.years);
      findings.push(...result.findings);
    }
  }

  const errors = findings.filter((f) => f.severity === 'error').length;
  const report: VerificationReport = {
    id: randomUUID(),
    tenantId,
    trigger: options.trigger ?? 'cli',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ok: errors === 0,
    errors,
    warnings: findings.length - errors,
    structure,
    data: data === null ? null : { percent: data.percent, slot: data.slot, slots: data.slots, packs: data.packs, packsRead: data.packsRead, blobsRead: data.blobsRead, bytesRead: data.bytesRead },
    snapshot: checked === undefined ? null : { id: checked.id, time: checked.time },
    books,
    findings,
  };
  if (db !== undefined && options.save !== false) {
    await saveVerificationRun(db, {
      tenantId,
      id: report.id,
      trigger: report.trigger,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      snapshotId: report.snapshot?.id ?? null,
      ok: report.ok,
      errors: report.errors,
      warnings: report.warnings,
      readPercent: report.data?.percent ?? null,
      readSlot: report.data?.slot ?? null,
      readSlots: report.data?.slots ?? null,
      packsRead: report.data?.packsRead ?? 0,
      bytesRead: report.data?.bytesRead ?? 0,
      report,
    });
  }
  return report;
}

/** What the server's scheduler runs after every nightly backup: structure, a 10 % read slot, the newest snapshot's books. */
export const SAMPLED_READ_PERCENT = 10;

/** The part of the app context verification needs (src/app.ts `AppContext` has it). */
export interface VerificationApp {
  readonly db: Db;
  readonly store: ObjectStore;
  readonly keyring: MasterKeyring;
}

/**
 * Opens a tenant's repository for reading only. Unlike `AppContext.repositoryFor`, it never creates
 * keys: a tenant whose key file is gone must be reported (REPO_NO_KEYS), not given new keys.
 */
export function repositoryForVerification(app: VerificationApp, tenantId: string): () => Promise<Repository> {
  return () => openRepository({ store: app.store, tenantId, masterKeys: app.keyring });
}

/**
 * The nightly check (for the job runner): verifies the tenant with a rotating 10 % read-and-decrypt
 * sample (ten nights read everything) and the newest snapshot's books, and stores the result. Returns the
 * report; `report.ok` false means an alert is due.
 */
export function runSampledVerification(app: VerificationApp, tenantId: string, options: { percent?: number } = {}): Promise<VerificationReport> {
  return verify(repositoryForVerification(app, tenantId), app.db, tenantId, { readData: options.percent ?? SAMPLED_READ_PERCENT, trigger: 'schedule' });
}

/** Every snapshot whose manifest opens, oldest first; the others are reported by the structure check. */
async function readableSnapshots(repo: Repository, findings: Finding[]): Promise<SnapshotInfo[]> {
  const out: SnapshotInfo[] = [];
  const prefix = repo.vault.layout.snapshotsPrefix;
  try {
    for await (const info of repo.store.list(prefix)) {
      try {
        out.push(await repo.readSnapshot(info.key.slice(prefix.length)));
      } catch {
        // named by checkStructure
      }
    }
  } catch (err) {
    findings.push({ severity: 'error', ...problemFields(toProblem(err)) });
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
}

/**
 * Turns repository problems into findings that say what they hit. Problems of one pack become one finding
 * (a missing pack is otherwise reported once per blob in it): its damaged blobs are the ones that failed
 * on their own, or, when the pack could not be read blob by blob, every blob the index places only there.
 * Those blobs are traced to the snapshots, data sets and keys using them. A manifest problem names its
 * snapshot.
 */
async function traceProblems(repo: Repository, snapshots: readonly SnapshotInfo[], problems: readonly Problem[]): Promise<Finding[]> {
  const layout = repo.vault.layout;
  const groups: { problems: Problem[]; object?: string; blobs: string[] }[] = [];
  const byPack = new Map<string, { problems: Problem[]; object?: string; blobs: string[] }>();
  for (const p of problems) {
    if (p.object !== undefined && isPack(layout, p.object)) {
      let g = byPack.get(p.object);
      if (g === undefined) {
        g = { problems: [], object: p.object, blobs: [] };
        byPack.set(p.object, g);
        groups.push(g);
      }
      g.problems.push(p);
      if (p.blobId !== undefined) g.blobs.push(p.blobId);
    } else groups.push({ problems: [p], object: p.object, blobs: p.blobId === undefined ? [] : [p.blobId] });
  }
  let packBlobs: Map<string, string[]> | undefined;
  const blobsInPack = async (object: string): Promise<string[]> => {
    if (packBlobs === undefined) {
      packBlobs = new Map();
      try {
        const index = await repo.refreshIndex();
        for (const [id, locations] of index.entries()) {
          // A blob with a copy in another pack is not lost; count it only where it has no other home.
          if (locations.length !== 1) continue;
          const abs = layout.abs(locations[0]!.pack);
          const list = packBlobs.get(abs) ?? [];
          list.push(id);
          packBlobs.set(abs, list);
        }
      } catch {
        // an unreadable index is its own finding
      }
    }
    return packBlobs.get(object) ?? [];
  };
  for (const g of groups) if (g.object !== undefined && isPack(layout, g.object) && g.blobs.length === 0) g.blobs = await blobsInPack(g.object);
  const damaged = new Set<string>();
  for (const g of groups) for (const id of g.blobs) damaged.add(id);
  const affected = await findAffected(repo, snapshots, damaged);

  return groups.map((g): Finding => {
    const first = [...g.problems].sort((a, b) => rank(a.code) - rank(b.code))[0]!;
    const messages = [...new Set(g.problems.map((p) => p.message))];
    const joined = messages.length === 1 ? messages[0]! : `${messages.slice(0, 3).map(sentence).join(' ')}${messages.length > 3 ? ` (And ${messages.length - 3} more problems in this object.)` : ''}`;
    const message = sentence(joined);
    const base: Finding = { severity: 'error', ...problemFields({ ...first, message, blobId: g.blobs.length === 1 ? g.blobs[0] : first.blobId }) };
    if (g.object !== undefined && g.object.startsWith(layout.snapshotsPrefix)) {
      return { ...base, snapshot: g.object.slice(layout.snapshotsPrefix.length), message: `${message} The whole snapshot is unreadable.` };
    }
    if (g.object !== undefined && g.object.startsWith(layout.indexPrefix)) {
      return { ...base, message: `${message} Index files are a cache: \`rebuildIndex\` recreates them from the packs.` };
    }
    const hits = g.blobs.flatMap((id) => affected.get(id) ?? []);
    if (hits.length === 0) return g.blobs.length > 0 ? { ...base, affects: [], affectedCount: 0, message: `${message} No snapshot uses it.` } : base;
    return { ...base, affects: hits.slice(0, 1000), affectedCount: hits.length, message: `${message} Affects ${describeAffected(hits)}.` };
  });
}

const RANK = ['REPO_MISSING_OBJECT', 'REPO_CORRUPT_BLOB', 'REPO_CORRUPT_PACK', 'REPO_MISSING_BLOB'];
function rank(code: string): number {
  const i = RANK.indexOf(code);
  return i < 0 ? RANK.length : i;
}

/** Ends a message with a full stop, so more can follow. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function isPack(layout: Repository['vault']['layout'], object: string): boolean {
  return object.startsWith(layout.packsPrefix) || object.startsWith(layout.attachmentsPrefix);
}

/** "snapshot 3f2a… (2026-03-01…): customers 1001, 1002; vouchers 3/A/17 …" kept short. */
export function describeAffected(hits: readonly Affected[]): string {
  const bySnapshot = new Map<string, Affected[]>();
  for (const h of hits) bySnapshot.set(h.snapshot, [...(bySnapshot.get(h.snapshot) ?? []), h]);
  const parts = [...bySnapshot.entries()].slice(0, 3).map(([snap, list]) => {
    const byDataset = new Map<string, string[]>();
    for (const h of list) byDataset.set(h.dataset, [...(byDataset.get(h.dataset) ?? []), h.key ?? `(tree from ${h.fromKey ?? 'start'})`]);
    return `snapshot ${snap.slice(0, 12)} (${list[0]!.time}): ${[...byDataset.entries()].map(([ds, keys]) => `${ds} ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`).join('; ')}`;
  });
  return `${bySnapshot.size} snapshot${bySnapshot.size === 1 ? '' : 's'} — ${parts.join(' | ')}${bySnapshot.size > 3 ? ` | and ${bySnapshot.size - 3} more snapshots` : ''}`;
}

function problemFields(p: Problem): Pick<Finding, 'code' | 'message' | 'object' | 'blobId'> {
  return { code: p.code, message: p.message, ...(p.object === undefined ? {} : { object: p.object }), ...(p.blobId === undefined ? {} : { blobId: p.blobId }) };
}

