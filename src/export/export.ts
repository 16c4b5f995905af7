import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { constants } from 'node:zlib';
import { ATTACHMENT_DATASETS, RECORD_DATASETS, TERMS_DATASETS, type FileRecord, type SnapshotDataSet } from '../backup/layout.ts';
import { NoxError } from '../errors.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import { CSV_BOM, csvLine, flattenRecord, isPlainObject, isRowList, parseJsonKeepingNumbers, type CsvValue, type JsonLike } from './csv.ts';
import { NameAllocator, safeFileName } from './names.ts';
import { readmeText } from './readme.ts';
import { records } from './record-batches.ts';
import { RecordSpool } from './record-spool.ts';
import { ZipWriter, type ZipEntryResult, type ZipSource } from './zip-writer.ts';

export interface ExportProgress {
  /** The file just written inside the ZIP. */
  readonly path: string;
  readonly files: number;
  /** Uncompressed bytes written so far. */
  readonly bytesIn: number;
  /** ZIP bytes written so far. */
  readonly bytesOut: number;
}

export interface ExportOptions {
  /**
   * Which data sets: snapshot data set names (`customers`, `sie`, `filecontents` …) or the service terms'
   * groups (`supplierInvoices`, `invoices` … see TERMS_DATASETS). Default: everything in the snapshot.
   */
  readonly datasets?: readonly string[];
  readonly onProgress?: (progress: ExportProgress) => void;
  /** The export's time stamp (default now). */
  readonly time?: Date;
  /** Write ZIP64 structures throughout (tests). */
  readonly forceZip64?: boolean;
}

export interface ExportedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ExportSummary {
  readonly tenantId: string;
  readonly snapshotId: string;
  readonly files: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly seconds: number;
  readonly datasets: Readonly<Record<string, { records: number; complete: boolean }>>;
  readonly warnings: readonly string[];
}

/** The export's manifest.json. */
export interface ExportManifest {
  readonly format: 'noxbackup-export';
  readonly version: 1;
  readonly tenant: string;
  readonly company: { readonly name: string | null; readonly organisationNumber: string | null };
  readonly snapshot: { readonly id: string; readonly time: string };
  readonly exportedAt: string;
  readonly datasets: Readonly<Record<string, { records: number; complete: boolean; incompleteReason?: string }>>;
  readonly notInSnapshot: readonly string[];
  readonly warnings: readonly string[];
  readonly files: readonly ExportedFile[];
}

const TEXT_LEVEL = constants.Z_DEFAULT_COMPRESSION;
/** PDFs and images hardly compress; a fast level keeps the export quick. */
const ATTACHMENT_LEVEL = 1;

/** Swedish names of the row lists Fortnox nests in records, for the CSV file names. */
const ROW_FILE_NAMES: Readonly<Record<string, string>> = {
  InvoiceRows: 'rader',
  VoucherRows: 'rader',
  SupplierInvoiceRows: 'rader',
};

/**
 * Expands a `--datasets` list (snapshot data set names or the terms' groups) into snapshot data sets.
 * Unknown names are a usage error that lists the valid ones.
 */
export function resolveDatasets(names: readonly string[] | undefined): Set<SnapshotDataSet> {
  const all: readonly SnapshotDataSet[] = [...RECORD_DATASETS, ...ATTACHMENT_DATASETS];
  if (names === undefined || names.length === 0) return new Set(all);
  const out = new Set<SnapshotDataSet>();
  const unknown: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const group = Object.entries(TERMS_DATASETS).find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (group !== undefined) for (const ds of group[1].datasets) out.add(ds);
    else if ((all as readonly string[]).includes(name)) out.add(name as SnapshotDataSet);
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new NoxError('EXPORT_UNKNOWN_DATASET', `Unknown data set ${unknown.map((u) => JSON.stringify(u)).join(', ')}. Use one of: ${[...Object.keys(TERMS_DATASETS), ...all].join(', ')}`, {
      exitCode: 2,
    });
  }
  return out;
}

/**
 * Writes a snapshot as a ZIP (DESIGN.md §5) to `out`, streaming: records are read one at a time from the
 * repository and attachments chunk by chunk, so memory stays flat whatever the snapshot's size (what grows
 * is one line per file for the manifest and the set of file names used). Layout of the ZIP:
 *
 *   README.txt                 what is what, in Swedish
 *   data/<dataset>.json        the records exactly as stored (a JSON array, numbers as Fortnox wrote them)
 *   csv/<dataset>.csv          the same for Excel (BOM, `;`, CRLF); row lists in csv/<dataset>_rader.csv
 *   sie/<år>_<från>-<till>_typ<N>.se   the SIE files, bytes untouched
 *   filer/<name>               connected files under their own (sanitised, unique) names
 *   fakturor/faktura_<nr>.pdf  customer invoice PDFs
 *   manifest.json              snapshot, counts, and size and SHA-256 of every file above
 *
 * A repository error (corruption, a missing object) stops the export and is thrown: an export that
 * silently lacks a file would be worse than none.
 */
export async function exportSnapshot(repo: Repository, tenantId: string, snapshotId: string, out: Writable, options: ExportOptions = {}): Promise<ExportSummary> {
  if (repo.tenantId !== tenantId) throw new NoxError('EXPORT_WRONG_TENANT', `The repository is tenant ${repo.tenantId}'s, not ${tenantId}'s`, { exitCode: 2 });
  const started = performance.now();
  const snap = await repo.readSnapshot(snapshotId);
  const wanted = resolveDatasets(options.datasets);
  const time = options.time ?? new Date();
  const zip = new ZipWriter(out, { forceZip64: options.forceZip64, time });
  const files: ExportedFile[] = [];
  const warnings: string[] = [];
  let bytesIn = 0;
  const add = async (path: string, source: ZipSource, level = TEXT_LEVEL): Promise<ZipEntryResult> => {
    const r = await zip.addFile(path, source, { level });
    files.push({ path, size: r.size, sha256: r.sha256 });
    bytesIn += r.size;
    options.onProgress?.({ path, files: files.length, bytesIn, bytesOut: zip.bytesWritten });
    return r;
  };

  const present = (ds: SnapshotDataSet): boolean => wanted.has(ds) && snap.datasets[ds] !== undefined;
  const datasets: Record<string, { records: number; complete: boolean; incompleteReason?: string }> = {};
  for (const ds of wanted) {
    const s = snap.datasets[ds];
    if (s !== undefined) datasets[ds] = { records: s.count, complete: s.complete, ...(s.incompleteReason === undefined ? {} : { incompleteReason: s.incompleteReason }) };
  }
  const notInSnapshot = [...wanted].filter((ds) => snap.datasets[ds] === undefined);
  const company = await companyOf(repo, snap);

  await add('README.txt', readmeText({ company, snapshot: snap, exportedAt: time, datasets, notInSnapshot }));

  for (const ds of RECORD_DATASETS) {
    if (!present(ds)) continue;
    const cols: CsvColumns = { columns: new Set(), rowLists: new Map() };
    const spool = new RecordSpool();
    try {
      await add(`data/${ds}.json`, jsonArray(records(repo, snapshotId, ds), spool, cols));
      await writeCsv(spool, ds, add, cols);
    } finally {
      await spool.close();
    }
  }

  if (present('sie')) {
    const years = await financialYears(repo, snap);
    const names = new NameAllocator();
    for await (const e of repo.listEntries(snapshotId, 'sie')) {
      if (e.kind !== 'a') continue;
      await add(names.allocate('sie', sieFileName(e.key, years)), await repo.readAttachmentById(e.id));
    }
  }

  if (present('filecontents')) {
    const names = new NameAllocator();
    const fileRecords = new FileRecords(snap.datasets.files === undefined ? undefined : records(repo, snapshotId, 'files'));
    for await (const e of repo.listEntries(snapshotId, 'filecontents')) {
      if (e.kind !== 'a') continue;
      const record = await fileRecords.find(e.key);
      const name = safeFileName(record?.Name ?? e.key, `fil_${safeFileName(e.key)}`);
      const r = await add(names.allocate('filer', name), await repo.readAttachmentById(e.id), ATTACHMENT_LEVEL);
      if (record === undefined) warnings.push(`File ${e.key} has no record in "files"; exported under its id.`);
      else if (typeof record.Sha256 === 'string' && record.Sha256 !== r.sha256) {
        warnings.push(`File ${e.key} (${record.Name}): SHA-256 ${r.sha256} differs from the ${record.Sha256} recorded when it was backed up.`);
      }
    }
  }

  if (present('invoicepdfs')) {
    const names = new NameAllocator();
    for await (const e of repo.listEntries(snapshotId, 'invoicepdfs')) {
      if (e.kind !== 'a') continue;
      await add(names.allocate('fakturor', safeFileName(`faktura_${e.key}.pdf`)), await repo.readAttachmentById(e.id), ATTACHMENT_LEVEL);
    }
  }

  const manifest: ExportManifest = {
    format: 'noxbackup-export',
    version: 1,
    tenant: tenantId,
    company,
    snapshot: { id: snap.id, time: snap.time },
    exportedAt: time.toISOString(),
    datasets,
    notInSnapshot,
    warnings,
    files,
  };
  await zip.addFile('manifest.json', manifestJson(manifest));
  const { bytes } = await zip.finish();
  return {
    tenantId,
    snapshotId: snap.id,
    files: files.length,
    bytesIn,
    bytesOut: bytes,
    seconds: (performance.now() - started) / 1000,
    datasets,
    warnings,
  };
}

/** The manifest with one line per file, so it stays readable and diffable. */
function manifestJson(m: ExportManifest): string {
  const { files, ...head } = m;
  const top = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${top},\n  "files": [\n${files.map((f) => `    ${JSON.stringify(f)}`).join(',\n')}\n  ]\n}\n`;
}

/** Column names of a data set's CSV files, gathered while its JSON is written (so the records are read once less). */
interface CsvColumns {
  readonly columns: Set<string>;
  readonly rowLists: Map<string, Set<string>>;
}

async function* jsonArray(source: AsyncIterable<{ key: string; bytes: Buffer }>, spool: RecordSpool, cols: CsvColumns): AsyncGenerator<Buffer | string> {
  let first = true;
  yield '[';
  for await (const { key, bytes } of source) {
    await spool.add(key, bytes);
    yield first ? '\n' : ',\n';
    yield bytes;
    first = false;
    collectColumns(parseJsonKeepingNumbers(bytes.toString('utf8')), cols);
  }
  yield first ? ']\n' : '\n]\n';
}

function collectColumns(record: JsonLike, { columns, rowLists }: CsvColumns): void {
  if (isPlainObject(record)) {
    for (const [field, value] of Object.entries(record)) {
      if (isRowList(value)) {
        const cols = rowLists.get(field) ?? new Set<string>();
        for (const row of value) for (const c of flattenRecord(row, new Set()).keys()) cols.add(c);
        rowLists.set(field, cols);
      }
    }
  }
  for (const c of flattenRecord(record, new Set(rowLists.keys())).keys()) columns.add(c);
}

type Add = (path: string, source: ZipSource, level?: number) => Promise<ZipEntryResult>;

/**
 * A data set's CSV files. Columns are the union over all records, collected while the JSON was written;
 * this pass writes the rows, and each row list (InvoiceRows …) gets its own file in a further pass, with
 * the parent's key in the first column.
 */
async function writeCsv(spool: RecordSpool, ds: string, add: Add, { columns, rowLists }: CsvColumns): Promise<void> {
  // A field that was a row list in one record and empty ([]) or missing in another is still a row list.
  for (const field of rowLists.keys()) columns.delete(field);
  const listFields = new Set(rowLists.keys());
  const header = ['Nyckel', ...columns];

  await add(
    `csv/${ds}.csv`,
    (async function* () {
      yield CSV_BOM + csvLine(header);
      for await (const { key, bytes } of spool.records()) {
        const cells = flattenRecord(parseJsonKeepingNumbers(bytes.toString('utf8')), listFields);
        yield csvLine([key, ...[...columns].map((c) => cells.get(c))]);
      }
    })(),
  );

  for (const [field, cols] of rowLists) {
    const suffix = ROW_FILE_NAMES[field] ?? safeFileName(field);
    await add(
      `csv/${ds}_${suffix}.csv`,
      (async function* () {
        yield CSV_BOM + csvLine(['Nyckel', 'Rad', ...cols]);
        for await (const { key, bytes } of spool.records()) {
          const record = parseJsonKeepingNumbers(bytes.toString('utf8'));
          const rows = isPlainObject(record) ? record[field] : undefined;
          if (!isRowList(rows)) continue;
          for (const [i, row] of rows.entries()) {
            const cells = flattenRecord(row, new Set());
            yield csvLine([key, i + 1, ...[...cols].map((c): CsvValue => cells.get(c))]);
          }
        }
      })(),
    );
  }
}

async function companyOf(repo: Repository, snap: SnapshotInfo): Promise<ExportManifest['company']> {
  if (snap.datasets.companyinformation === undefined) return { name: null, organisationNumber: null };
  try {
    const info = (await repo.readRecord(snap.id, 'companyinformation', 'company')) as Record<string, unknown>;
    return {
      name: typeof info.CompanyName === 'string' ? info.CompanyName : null,
      organisationNumber: typeof info.OrganizationNumber === 'string' ? info.OrganizationNumber : null,
    };
  } catch {
    return { name: null, organisationNumber: null };
  }
}

async function financialYears(repo: Repository, snap: SnapshotInfo): Promise<Map<string, { from: string; to: string }>> {
  const years = new Map<string, { from: string; to: string }>();
  if (snap.datasets.financialyears === undefined) return years;
  for await (const { key, record } of repo.listRecords(snap.id, 'financialyears')) {
    const r = record as Record<string, unknown>;
    if (typeof r.FromDate === 'string' && typeof r.ToDate === 'string') years.set(key, { from: r.FromDate, to: r.ToDate });
  }
  return years;
}

/** `sie/2024_20240501-20250430_typ4.se` from the key `<yearId>/<type>` and the financial year's dates. */
export function sieFileName(key: string, years: ReadonlyMap<string, { from: string; to: string }>): string {
  const [yearId = key, type = '4'] = key.split('/');
  const year = years.get(yearId);
  const compact = (d: string): string => d.replaceAll('-', '');
  const name = year === undefined ? `rakenskapsar_${yearId}_typ${type}.se` : `${year.from.slice(0, 4)}_${compact(year.from)}-${compact(year.to)}_typ${type}.se`;
  return safeFileName(name);
}

/**
 * The `files` records, looked up in key order beside `filecontents` (both are keyed by the file id, so a
 * merge of the two sorted streams finds each record without a lookup per file).
 */
class FileRecords {
  readonly #source: AsyncIterator<{ key: string; bytes: Buffer }> | undefined;
  #current: { key: string; bytes: Buffer } | undefined;
  #done = false;

  constructor(source: AsyncIterable<{ key: string; bytes: Buffer }> | undefined) {
    this.#source = source?.[Symbol.asyncIterator]();
  }

  /** The record for `key`; keys must be asked for in ascending order (tree order: UTF-16 code units). */
  async find(key: string): Promise<FileRecord | undefined> {
    if (this.#source === undefined) return undefined;
    while (!this.#done && (this.#current === undefined || this.#current.key < key)) {
      const next = await this.#source.next();
      if (next.done === true) this.#done = true;
      else this.#current = next.value;
    }
    return this.#current?.key === key ? (JSON.parse(this.#current.bytes.toString('utf8')) as FileRecord) : undefined;
  }
}

export interface ExportMeasurement {
  readonly files: number;
  /** Uncompressed bytes of the files in the ZIP. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly seconds: number;
  /** Uncompressed MB (10^6 bytes) per second. */
  readonly mbPerSecond: number;
  /** ZIP MB per second. */
  readonly zipMbPerSecond: number;
  /** Largest heap seen during the export minus the heap at its start (live heap when `gc` is given). */
  readonly heapGrowthBytes: number;
  readonly sha256: string;
}

/**
 * Exports a snapshot into a sink that only counts and hashes the bytes, and reports time and MB/s:
 * what `npm run bench` calls for DESIGN.md §8's "export of a whole snapshot to ZIP".
 */
export async function measureExport(repo: Repository, snapshotId: string, options: Pick<ExportOptions, 'datasets'> & { gc?: () => void } = {}): Promise<ExportMeasurement> {
  const hash = createHash('sha256');
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb();
    },
  });
  // With a gc function (node --expose-gc), samples are of live memory, not of garbage not yet collected.
  const live = (): number => {
    options.gc?.();
    return process.memoryUsage().heapUsed;
  };
  const heapStart = live();
  let heapMax = heapStart;
  const sample = (): void => {
    heapMax = Math.max(heapMax, live());
  };
  // Sampled during I/O as well as after each file, so a peak inside a large file is seen.
  const timer = setInterval(sample, options.gc === undefined ? 5 : 1000);
  let summary: ExportSummary;
  try {
    summary = await exportSnapshot(repo, repo.tenantId, snapshotId, sink, { datasets: options.datasets, onProgress: sample });
  } finally {
    clearInterval(timer);
  }
  return {
    files: summary.files,
    bytesIn: summary.bytesIn,
    bytesOut: summary.bytesOut,
    seconds: summary.seconds,
    mbPerSecond: summary.bytesIn / 1e6 / summary.seconds,
    zipMbPerSecond: summary.bytesOut / 1e6 / summary.seconds,
    heapGrowthBytes: heapMax - heapStart,
    sha256: hash.digest('hex'),
  };
}
