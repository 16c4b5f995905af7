/**
 * The backup browser's reads, always for one tenant: snapshots and record versions from the index
 * (so another tenant's snapshot id, or an unknown one, is simply not found), record bodies and
 * attachment bytes from that tenant's repository.
 */
import type { Readable } from 'node:stream';
import type { AppContext } from '../app.ts';
import { getSnapshot, listRecordsAt, listSnapshots, recordHistory, type RecordVersion, type Snapshot } from '../db/index.ts';
import { sieFileName } from '../export/export.ts';
import { safeFileName } from '../export/names.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotDataSet } from '../backup/layout.ts';
import { isAttachmentDataset, isDataset, rowMatches, rowValues, type JsonObject } from './record-columns.ts';
import { notFound } from './request-context.ts';

export const PAGE_SIZE = 50;

/** A snapshot as far as reading at it goes. */
export type SnapshotPoint = Pick<Snapshot, 'snapshotId' | 'seq'>;
/** How many records one text search reads (the index knows keys, not names: the bodies must be read). */
export const SEARCH_WINDOW = 500;
/** How many file connections are looked through to find a voucher's or supplier invoice's files. */
export const CONNECTION_SCAN_LIMIT = 2000;

/** `?snapshot=` as given (must be this tenant's), or the newest; undefined when there is none yet. */
export async function resolveSnapshot(app: AppContext, tenantId: string, snapshotId: string | undefined): Promise<Snapshot | undefined> {
  if (snapshotId !== undefined && snapshotId !== '') {
    const snap = /^[0-9a-f]{64}$/.test(snapshotId) ? await getSnapshot(app.db, tenantId, snapshotId) : undefined;
    if (snap === undefined) throw notFound();
    return snap;
  }
  return (await listSnapshots(app.db, tenantId, { limit: 1 }))[0];
}

export async function requireSnapshot(app: AppContext, tenantId: string, snapshotId: string | undefined): Promise<Snapshot> {
  const snap = await resolveSnapshot(app, tenantId, snapshotId);
  if (snap === undefined) throw notFound();
  return snap;
}

export function requireDataset(name: string): SnapshotDataSet {
  if (!isDataset(name)) throw notFound();
  return name;
}

/** The version of a record a snapshot holds, from its history. */
export function versionAt(history: readonly RecordVersion[], seq: number): RecordVersion | undefined {
  return history.find((v) => v.firstSeq <= seq && (v.lastSeq === null || v.lastSeq >= seq));
}

export async function readJson(repo: Repository, blobId: string): Promise<JsonObject> {
  const value = JSON.parse((await repo.readBlob(blobId, 'record')).toString('utf8')) as unknown;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : { value };
}

/** A record's body as of a snapshot, found through the index (undefined: not in that snapshot). */
export async function recordAt(app: AppContext, repo: Repository, tenantId: string, dataset: string, key: string, seq: number): Promise<JsonObject | undefined> {
  const version = versionAt(await recordHistory(app.db, tenantId, dataset, key), seq);
  return version === undefined ? undefined : readJson(repo, version.blobId);
}

/** What the browser shows of an attachment: its size, and for a file its name and type from `files`. */
export async function attachmentSummary(app: AppContext, repo: Repository, tenantId: string, dataset: string, key: string, blobId: string, seq: number): Promise<JsonObject> {
  const descriptor = await repo.readAttachmentDescriptor(blobId);
  const summary: JsonObject = { Size: descriptor.size };
  if (dataset === 'filecontents') {
    const file = await recordAt(app, repo, tenantId, 'files', key, seq);
    summary.Name = file?.Name ?? null;
    summary.ContentType = file?.ContentType ?? null;
  }
  return summary;
}

export interface TableRow {
  readonly key: string;
  readonly sinceSeq: number;
  readonly values: (string | number | null)[];
}

export interface TablePage {
  readonly rows: TableRow[];
  /** Keyset cursor of the next page (undefined: the last page). */
  readonly nextAfter: string | undefined;
  /** A text search: how many records this page looked through. */
  readonly scanned: number;
}

/**
 * One page of a data set's table at a snapshot. Without `q`, the next 50 records by key. With `q` and
 * `mode: 'key'`, the index's keys containing `q`, over the whole data set. With `q` and `mode: 'text'`,
 * up to `SEARCH_WINDOW` records from `after` on are read and those whose key or shown columns contain
 * `q` are kept; the cursor then continues the search where this window stopped.
 */
export async function tablePage(
  app: AppContext,
  tenantId: string,
  snap: SnapshotPoint,
  dataset: SnapshotDataSet,
  options: { after: string | undefined; q: string; mode: 'key' | 'text' },
): Promise<TablePage> {
  const repo = await app.repositoryFor(tenantId);
  const bodyOf = (key: string, blobId: string): Promise<JsonObject> =>
    isAttachmentDataset(dataset) ? attachmentSummary(app, repo, tenantId, dataset, key, blobId, snap.seq) : readJson(repo, blobId);
  if (options.q === '' || options.mode === 'key') {
    const page = await listRecordsAt(app.db, tenantId, snap.snapshotId, dataset, { after: options.after, limit: PAGE_SIZE, search: options.q === '' ? undefined : options.q });
    const bodies = await Promise.all(page.records.map((r) => bodyOf(r.key, r.blobId)));
    return {
      rows: page.records.map((r, i) => ({ key: r.key, sinceSeq: r.sinceSeq, values: rowValues(dataset, bodies[i]!, r.key) })),
      nextAfter: page.nextAfter,
      scanned: page.records.length,
    };
  }
  const rows: TableRow[] = [];
  let cursor = options.after;
  let scanned = 0;
  let more = true;
  while (more && scanned < SEARCH_WINDOW && rows.length < PAGE_SIZE) {
    const page = await listRecordsAt(app.db, tenantId, snap.snapshotId, dataset, { after: cursor, limit: Math.min(100, SEARCH_WINDOW - scanned) });
    const bodies = await Promise.all(page.records.map((r) => bodyOf(r.key, r.blobId)));
    more = page.nextAfter !== undefined;
    for (const [i, r] of page.records.entries()) {
      scanned++;
      cursor = r.key;
      if (rowMatches(dataset, bodies[i]!, r.key, options.q)) rows.push({ key: r.key, sinceSeq: r.sinceSeq, values: rowValues(dataset, bodies[i]!, r.key) });
      if (rows.length >= PAGE_SIZE) {
        more = more || i < page.records.length - 1;
        break;
      }
    }
  }
  return { rows, nextAfter: more ? cursor : undefined, scanned };
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export interface ConnectedFile {
  readonly dataset: 'filecontents' | 'invoicepdfs';
  readonly key: string;
  readonly name: string;
  /** False when the snapshot holds the connection but not the bytes. */
  readonly stored: boolean;
}

/** A voucher's or supplier invoice's connected files, and a customer invoice's PDF, as of a snapshot. */
export async function connectedFiles(app: AppContext, tenantId: string, snap: SnapshotPoint, dataset: string, key: string): Promise<{ files: ConnectedFile[]; truncated: boolean }> {
  const stored = async (ds: string, k: string): Promise<boolean> => versionAt(await recordHistory(app.db, tenantId, ds, k), snap.seq) !== undefined;
  if (dataset === 'invoices') {
    return { files: (await stored('invoicepdfs', key)) ? [{ dataset: 'invoicepdfs', key, name: `faktura_${key}.pdf`, stored: true }] : [], truncated: false };
  }
  const connections = dataset === 'supplierinvoices' ? 'supplierinvoicefileconnections' : dataset === 'vouchers' ? 'voucherfileconnections' : undefined;
  if (connections === undefined) return { files: [], truncated: false };
  const matches = (c: JsonObject): boolean =>
    dataset === 'supplierinvoices' ? str(c.SupplierInvoiceNumber) === key : `${str(c.VoucherYear)}/${str(c.VoucherSeries)}/${str(c.VoucherNumber)}` === key;
  const repo = await app.repositoryFor(tenantId);
  const files: ConnectedFile[] = [];
  let after: string | undefined;
  let scanned = 0;
  for (;;) {
    const page = await listRecordsAt(app.db, tenantId, snap.snapshotId, connections, { after, limit: 500 });
    const bodies = await Promise.all(page.records.map((r) => readJson(repo, r.blobId)));
    for (const [i, r] of page.records.entries()) {
      const c = bodies[i]!;
      if (!matches(c)) continue;
      const file = await recordAt(app, repo, tenantId, 'files', r.key, snap.seq);
      const name = typeof c.Name === 'string' && c.Name !== '' ? c.Name : typeof file?.Name === 'string' ? file.Name : r.key;
      files.push({ dataset: 'filecontents', key: r.key, name, stored: await stored('filecontents', r.key) });
    }
    scanned += page.records.length;
    after = page.nextAfter;
    if (after === undefined) return { files, truncated: false };
    if (scanned >= CONNECTION_SCAN_LIMIT) return { files, truncated: true };
  }
}

/** Types a browser may be handed as they are; anything else is served as bytes to save. */
const SAFE_TYPES = new Set(['application/pdf', 'image/jpeg', 'image/png', 'image/gif', 'image/tiff', 'image/webp', 'text/plain', 'text/csv', 'application/xml', 'application/zip']);

export interface Download {
  readonly stream: Readable;
  readonly size: number;
  readonly contentType: string;
  readonly fileName: string;
}

/** An attachment of a snapshot (this tenant's, through the index) as a stream, with a safe name and type. */
export async function openDownload(app: AppContext, tenantId: string, snap: SnapshotPoint, dataset: string, key: string): Promise<Download> {
  if (!isAttachmentDataset(dataset)) throw notFound();
  const version = versionAt(await recordHistory(app.db, tenantId, dataset, key), snap.seq);
  if (version === undefined) throw notFound();
  const repo = await app.repositoryFor(tenantId);
  const descriptor = await repo.readAttachmentDescriptor(version.blobId);
  let contentType = 'application/octet-stream';
  let fileName: string;
  if (dataset === 'filecontents') {
    const file = await recordAt(app, repo, tenantId, 'files', key, snap.seq);
    const type = typeof file?.ContentType === 'string' ? file.ContentType.toLowerCase().split(';')[0]!.trim() : '';
    if (SAFE_TYPES.has(type)) contentType = type;
    fileName = safeFileName(typeof file?.Name === 'string' ? file.Name : key, `fil_${safeFileName(key)}`);
  } else if (dataset === 'invoicepdfs') {
    contentType = 'application/pdf';
    fileName = safeFileName(`faktura_${key}.pdf`);
  } else {
    const yearId = key.split('/')[0] ?? '';
    const year = await recordAt(app, repo, tenantId, 'financialyears', yearId, snap.seq);
    const years = new Map<string, { from: string; to: string }>();
    if (typeof year?.FromDate === 'string' && typeof year.ToDate === 'string') years.set(yearId, { from: year.FromDate, to: year.ToDate });
    fileName = sieFileName(key, years);
  }
  return { stream: await repo.readAttachmentById(version.blobId), size: descriptor.size, contentType, fileName };
}

/** `attachment; filename="ascii"; filename*=UTF-8''…`: an ASCII stand-in for old clients, the real name for the rest. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
