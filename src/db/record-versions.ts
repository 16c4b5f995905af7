import { sql } from 'kysely';
import { dialectOf } from './dialect.ts';
import { DatabaseError } from './errors.ts';
import type { Db } from './open-database.ts';
import { compareRecordKeys } from './record-keys.ts';
import { snapshotSeq } from './snapshots.ts';

export interface RecordAt {
  readonly key: string;
  readonly blobId: string;
  /** The seq from which this version has been the record's content. */
  readonly sinceSeq: number;
}

export interface RecordPage {
  readonly records: readonly RecordAt[];
  /** Pass as `after` for the next page; undefined on the last page. */
  readonly nextAfter: string | undefined;
}

export const MAX_PAGE_SIZE = 1000;

/**
 * One page of a data set's records as of a snapshot, in key order (`compareRecordKeys`). `search`
 * keeps keys containing it, ignoring the case of ASCII letters (both databases fold only those).
 * For a data set the snapshot did not complete, records it did not reach show their last known version.
 */
export async function listRecordsAt(
  db: Db,
  tenantId: string,
  snapshotId: string,
  dataset: string,
  options: { after?: string | undefined; limit: number; search?: string | undefined },
): Promise<RecordPage> {
  if (!Number.isSafeInteger(options.limit) || options.limit < 1 || options.limit > MAX_PAGE_SIZE) {
    throw new DatabaseError('DB_BAD_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${options.limit}`);
  }
  const seq = await snapshotSeq(db, tenantId, snapshotId);
  const rows = await listRecordsAtQuery(db, tenantId, seq, dataset, options).execute();
  const records = rows.map((r) => ({ key: r.record_key, blobId: r.blob_id, sinceSeq: r.first_seq }));
  return { records, nextAfter: records.length === options.limit ? records.at(-1)?.key : undefined };
}

/** The query behind `listRecordsAt`, exported so a test can ask the database for its plan. */
export function listRecordsAtQuery(
  db: Db,
  tenantId: string,
  seq: number,
  dataset: string,
  options: { after?: string | undefined; limit: number; search?: string | undefined },
) {
  // Walk the primary key in key order and stop at the limit. Without statistics SQLite's planner would
  // rather range-scan the first_seq index and sort everything it found; a unary + takes the seq terms
  // out of its index choice (PostgreSQL plans this well by itself).
  const unindexed = dialectOf(db) === 'sqlite';
  const firstSeq = unindexed ? sql<number>`+first_seq` : sql<number>`first_seq`;
  const lastSeq = unindexed ? sql<number | null>`+last_seq` : sql<number | null>`last_seq`;
  let q = db
    .selectFrom('record_versions')
    .select(['record_key', 'blob_id', 'first_seq'])
    .where('tenant_id', '=', tenantId)
    .where('dataset', '=', dataset)
    .where(firstSeq, '<=', seq)
    .where((eb) => eb.or([eb(lastSeq, 'is', null), eb(lastSeq, '>=', seq)]));
  if (options.after !== undefined) q = q.where('record_key', '>', options.after);
  if (options.search !== undefined && options.search !== '') {
    const pattern = `%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`lower(record_key) like lower(${pattern}) escape '\\'`);
  }
  return q.orderBy('record_key').limit(options.limit);
}

export interface SnapshotRef {
  readonly snapshotId: string;
  readonly seq: number;
  readonly createdAt: string;
}

export interface RecordVersion {
  readonly blobId: string;
  readonly firstSeq: number;
  /** Null while this version is current. */
  readonly lastSeq: number | null;
  /** The first indexed snapshot holding this version. */
  readonly firstSnapshot: SnapshotRef;
  /** The last indexed snapshot holding it (the latest snapshot, while it is current). */
  readonly lastSnapshot: SnapshotRef;
}

/**
 * Every version of one record, oldest first. A gap between one version's `lastSeq` and the next one's
 * `firstSeq` means the record was deleted in between and created again.
 */
export async function recordHistory(db: Db, tenantId: string, dataset: string, key: string): Promise<RecordVersion[]> {
  const rows = await db
    .selectFrom('record_versions as v')
    .select((eb) => [
      'v.blob_id',
      'v.first_seq',
      'v.last_seq',
      eb
        .selectFrom('snapshots as s')
        .select((e) => e.fn.min<number>('s.seq').as('m'))
        .whereRef('s.tenant_id', '=', 'v.tenant_id')
        .whereRef('s.seq', '>=', 'v.first_seq')
        .as('first_snapshot_seq'),
      eb
        .selectFrom('snapshots as s')
        .select((e) => e.fn.max<number>('s.seq').as('m'))
        .whereRef('s.tenant_id', '=', 'v.tenant_id')
        .where((e) => e.or([e('v.last_seq', 'is', null), e('s.seq', '<=', e.ref('v.last_seq'))]))
        .as('last_snapshot_seq'),
    ])
    .where('v.tenant_id', '=', tenantId)
    .where('v.dataset', '=', dataset)
    .where('v.record_key', '=', key)
    .orderBy('v.first_seq')
    .execute();
  if (rows.length === 0) return [];
  const seqs = new Set(rows.flatMap((r) => [r.first_snapshot_seq, r.last_snapshot_seq]));
  const snapshots = await db
    .selectFrom('snapshots')
    .select(['snapshot_id', 'seq', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .where(
      'seq',
      'in',
      [...seqs].filter((s): s is number => s !== null),
    )
    .execute();
  const bySeq = new Map(snapshots.map((s) => [s.seq, { snapshotId: s.snapshot_id, seq: s.seq, createdAt: s.created_at }]));
  const ref = (seq: number | null): SnapshotRef => {
    const s = seq === null ? undefined : bySeq.get(seq);
    // Every version holds at least one indexed snapshot; indexSnapshot and deleteSnapshotFromIndex keep it so.
    if (s === undefined) throw new DatabaseError('DB_INDEX_INCONSISTENT', `A version of ${dataset}/${key} of tenant ${tenantId} is in no indexed snapshot`);
    return s;
  };
  return rows.map((r) => ({
    blobId: r.blob_id,
    firstSeq: r.first_seq,
    lastSeq: r.last_seq,
    firstSnapshot: ref(r.first_snapshot_seq),
    lastSnapshot: ref(r.last_snapshot_seq),
  }));
}

export interface SnapshotDiff {
  readonly from: SnapshotRef;
  readonly to: SnapshotRef;
  /** In `to`, not in `from`. */
  readonly added: readonly { dataset: string; key: string; blobId: string }[];
  /** In both, with other content. */
  readonly changed: readonly { dataset: string; key: string; fromBlobId: string; toBlobId: string }[];
  /** In `from`, not in `to`. */
  readonly removed: readonly { dataset: string; key: string; blobId: string }[];
}

/**
 * What changed from one snapshot to another (either may be the older), for one data set or all. Reads
 * only the versions that began or ended between the two, never the unchanged records. A record deleted
 * and created again with the same content in between counts as unchanged.
 */
export async function diffSnapshots(db: Db, tenantId: string, fromSnapshotId: string, toSnapshotId: string, dataset?: string): Promise<SnapshotDiff> {
  const refs = await db
    .selectFrom('snapshots')
    .select(['snapshot_id', 'seq', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .where('snapshot_id', 'in', [fromSnapshotId, toSnapshotId])
    .execute();
  const find = (id: string): SnapshotRef => {
    const r = refs.find((x) => x.snapshot_id === id);
    if (r === undefined) {
      throw new DatabaseError('DB_SNAPSHOT_NOT_FOUND', `Snapshot ${id} is not in the index of tenant ${tenantId}`, { details: { tenantId, snapshotId: id } });
    }
    return { snapshotId: r.snapshot_id, seq: r.seq, createdAt: r.created_at };
  };
  const from = find(fromSnapshotId);
  const to = find(toSnapshotId);
  const lo = Math.min(from.seq, to.seq);
  const hi = Math.max(from.seq, to.seq);

  const base = () => {
    let q = db.selectFrom('record_versions').select(['dataset', 'record_key', 'blob_id']).where('tenant_id', '=', tenantId);
    if (dataset !== undefined) q = q.where('dataset', '=', dataset);
    return q;
  };
  // Visible at hi but not at lo: began after lo, still there at hi.
  const onlyAtHi = await base()
    .where('first_seq', '>', lo)
    .where('first_seq', '<=', hi)
    .where((eb) => eb.or([eb('last_seq', 'is', null), eb('last_seq', '>=', hi)]))
    .execute();
  // Visible at lo but not at hi: there at lo, ended before hi.
  const onlyAtLo = await base().where('last_seq', '>=', lo).where('last_seq', '<', hi).where('first_seq', '<=', lo).execute();

  const [inFrom, inTo] = from.seq <= to.seq ? [onlyAtLo, onlyAtHi] : [onlyAtHi, onlyAtLo];
  const id = (dataset: string, key: string) => `${dataset}\u0000${key}`;
  const toByKey = new Map(inTo.map((r) => [id(r.dataset, r.record_key), r]));
  const added: { dataset: string; key: string; blobId: string }[] = [];
  const changed: { dataset: string; key: string; fromBlobId: string; toBlobId: string }[] = [];
  const removed: { dataset: string; key: string; blobId: string }[] = [];
  for (const f of inFrom) {
    const k = id(f.dataset, f.record_key);
    const t = toByKey.get(k);
    toByKey.delete(k);
    if (t === undefined) removed.push({ dataset: f.dataset, key: f.record_key, blobId: f.blob_id });
    else if (t.blob_id !== f.blob_id) changed.push({ dataset: f.dataset, key: f.record_key, fromBlobId: f.blob_id, toBlobId: t.blob_id });
  }
  for (const t of toByKey.values()) added.push({ dataset: t.dataset, key: t.record_key, blobId: t.blob_id });
  const order = (a: { dataset: string; key: string }, b: { dataset: string; key: string }) =>
    compareRecordKeys(a.dataset, b.dataset) || compareRecordKeys(a.key, b.key);
  return { from, to, added: added.sort(order), changed: changed.sort(order), removed: removed.sort(order) };
}
