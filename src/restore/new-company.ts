import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { keys, type FileRecord } from '../backup/layout.ts';
import type { Db } from '../db/open-database.ts';
import { createRestoreRun, getRestoreRun, updateRestoreRun } from '../db/restore-runs.ts';
import {
  FortnoxBadRequestError, FortnoxNotFoundError, FortnoxWriteUncertainError, type FortnoxReader, type FortnoxWriter, type JsonObject, type JsonValue,
} from '../fortnox/index.ts';
import type { Repository } from '../repository/repository.ts';
import { emptyDocument, writeSie, type SieDocument, type SieObjectRef, type SieRow } from '../sie/index.ts';
import { applyRegisterItem, itemId, NUMBER_IN_USE } from './apply.ts';
import { RestoreError } from './errors.ts';
import { isObject, REGISTER_DATASETS, sameValue, str } from './fields.ts';
import { describeFailure, isFatal, Journal } from './journal.ts';
import { planItem } from './plan.ts';
import { reportStatus, type ReportItem, type ReportStatus, type RestoreReport, type SieFileNote } from './report.ts';
import { invoiceBody, supplierInvoiceBody, voucherBody } from './writable.ts';

/** What the API cannot restore into a new company at all; repeated in every report so nobody assumes it was. */
export const NOT_RESTORED: readonly string[] = [
  'Financial years and voucher series: create them in Fortnox first (the API restores into existing ones).',
  'Payments of customer and supplier invoices, and their booked, sent and cancelled state (set by Fortnox actions, not by fields).',
  'The link between an invoice and the voucher that booked it: the vouchers are restored as vouchers of their series, the invoices unbooked. Booking them would book them twice.',
  'Voucher numbers: Fortnox assigns them; see the number map. Struck-out (removed) voucher rows.',
  'Supplier-invoice numbers (GivenNumber): Fortnox assigns them; see the number map.',
  'Invoice PDFs: Fortnox renders them again from the invoice; the backed-up PDFs stay in the backup and its export.',
  'Closing balances and year-end results: they follow from the vouchers.',
];

export interface NewCompanyOptions {
  readonly db: Db;
  readonly source: { readonly tenantId: string; readonly repository: Repository };
  readonly snapshotId: string;
  /** The new, empty company: our tenant id for it and its Fortnox reader and writer. */
  readonly target: { readonly tenantId: string; readonly reader: FortnoxReader; readonly writer: FortnoxWriter };
  /** Where the SIE 4I files go (and where the CLI writes the report). */
  readonly outDir: string;
  readonly resumeRunId?: string;
  readonly runId?: string;
  readonly startedBy?: string;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly onItem?: (item: ReportItem) => void;
}

interface Context {
  readonly o: NewCompanyOptions;
  readonly journal: Journal;
  readonly items: ReportItem[];
  readonly maps: { vouchers: Record<string, string>; supplierinvoices: Record<string, string>; files: Record<string, string> };
  /** Source financial year Id → target Id (matched by dates). */
  readonly years: Map<string, string>;
  readonly yearDates: Map<string, { from: string; to: string }>;
  /** Per source year and kind: refused vouchers (SIE 4I) and opening balances (SIE 1, since a 4I file may not carry balances). */
  readonly sie: Map<string, { year: string; kind: 'vouchers' | 'balances'; doc: SieDocument }>;
}


/**
 * Restores a snapshot into a new, empty Fortnox company: registers (with opening balances), then
 * vouchers in number order per year and series, customer invoices, supplier invoices, and files
 * uploaded and connected again. Fortnox numbers vouchers, supplier invoices and files itself; the
 * report maps old numbers to new. What the API refuses goes into SIE 4I files named in the report.
 * Journalled like a register restore: a re-run with `resumeRunId` writes nothing twice.
 */
export async function restoreNewCompany(o: NewCompanyOptions): Promise<RestoreReport> {
  const now = o.now ?? (() => new Date());
  const tenantId = o.target.tenantId;
  let runId: string;
  let startedAt: string;
  if (o.resumeRunId !== undefined) {
    const run = await getRestoreRun(o.db, tenantId, o.resumeRunId);
    if (run === undefined || run.kind !== 'new_company') throw new RestoreError('RESTORE_NO_SUCH_RUN', `No new-company restore run ${o.resumeRunId} for tenant ${tenantId}.`, { exitCode: 2 });
    runId = run.id;
    startedAt = run.startedAt;
    await updateRestoreRun(o.db, tenantId, runId, { status: 'running', finishedAt: null });
  } else {
    await assertEmpty(o.target.reader, o.signal);
    runId = o.runId ?? randomUUID();
    startedAt = now().toISOString();
    await createRestoreRun(o.db, {
      tenantId, id: runId, kind: 'new_company', snapshotId: o.snapshotId, sourceTenantId: o.source.tenantId,
      planJson: JSON.stringify({ snapshotId: o.snapshotId, sourceTenantId: o.source.tenantId }), startedBy: o.startedBy ?? null, startedAt,
    });
  }
  const ctx: Context = {
    o, journal: await Journal.open(o.db, tenantId, runId), items: [], maps: { vouchers: {}, supplierinvoices: {}, files: {} },
    years: new Map(), yearDates: new Map(), sie: new Map(),
  };
  const warnings: string[] = [];
  let fatal: unknown;
  try {
    await matchYears(ctx, warnings);
    await registers(ctx);
    await vouchers(ctx);
    await invoices(ctx);
    await supplierInvoices(ctx);
    await files(ctx);
  } catch (err) {
    if (!isFatal(err) && !(err instanceof RestoreError)) throw err;
    fatal = err;
    warnings.push(`The run stopped early: ${describeFailure(err).message}. Run it again with --resume ${runId}.`);
  }
  const sieFiles = await writeSieFiles(ctx, runId);
  const report: RestoreReport = {
    runId, kind: 'new_company', tenantId, sourceTenantId: o.source.tenantId, snapshotId: o.snapshotId, undoSnapshotId: null, startedAt,
    finishedAt: now().toISOString(), status: fatal === undefined ? reportStatus(ctx.items) : 'failed', warnings, items: ctx.items,
    numberMaps: ctx.maps, sieFiles, notRestored: NOT_RESTORED,
  };
  await updateRestoreRun(o.db, tenantId, runId, { status: report.status, reportJson: JSON.stringify(report), finishedAt: report.finishedAt });
  return report;
}

/** What a new-company restore refuses to write into when the target already holds any of it. */
export const NOT_EMPTY_DATASETS = ['customers', 'suppliers', 'invoices', 'supplierinvoices', 'vouchers'] as const;

/**
 * The data sets the company already holds records of, one small read each (vouchers: one per financial
 * year, since Fortnox lists them per year): a new-company restore needs every one of them empty, or
 * restored voucher numbers would follow on from existing ones and registers would collide.
 */
export async function nonEmptyDatasets(reader: FortnoxReader, signal?: AbortSignal): Promise<string[]> {
  const holds: string[] = [];
  const any = async (name: 'customers' | 'suppliers' | 'invoices' | 'supplierinvoices' | 'vouchers', financialYear?: number): Promise<boolean> => {
    for await (const page of reader.pages(name, { pageSize: 1, signal, ...(financialYear === undefined ? {} : { financialYear }) })) return page.totalResources > 0;
    return false;
  };
  for (const name of NOT_EMPTY_DATASETS) {
    if (name !== 'vouchers') {
      if (await any(name)) holds.push(name);
      continue;
    }
    for await (const year of reader.items('financialyears', { signal })) {
      const id = Number(year.Id);
      if (Number.isInteger(id) && (await any('vouchers', id))) {
        holds.push('vouchers');
        break;
      }
    }
  }
  return holds;
}

async function assertEmpty(reader: FortnoxReader, signal?: AbortSignal): Promise<void> {
  const holds = await nonEmptyDatasets(reader, signal);
  if (holds.length > 0) {
    throw new RestoreError('RESTORE_TARGET_NOT_EMPTY', `The company to restore into already has ${holds.join(', ')}: a new-company restore needs an empty company. Restore registers with \`restore plan/apply\` instead.`, { exitCode: 2 });
  }
}

function add(ctx: Context, item: ReportItem): void {
  ctx.items.push(item);
  ctx.o.onItem?.(item);
}

async function matchYears(ctx: Context, warnings: string[]): Promise<void> {
  const target = new Map<string, string>();
  for await (const y of ctx.o.target.reader.items('financialyears', { signal: ctx.o.signal })) target.set(`${str(y.FromDate)}/${str(y.ToDate)}`, str(y.Id));
  for await (const { record } of ctx.o.source.repository.listRecords(ctx.o.snapshotId, 'financialyears')) {
    if (!isObject(record)) continue;
    const id = str(record.Id);
    ctx.yearDates.set(id, { from: str(record.FromDate), to: str(record.ToDate) });
    const match = target.get(`${str(record.FromDate)}/${str(record.ToDate)}`);
    if (match === undefined) warnings.push(`Financial year ${str(record.FromDate)}–${str(record.ToDate)} does not exist in the new company: its accounts and vouchers go into the SIE file. Create the year in Fortnox and run again to restore them through the API.`);
    else ctx.years.set(id, match);
  }
}

async function registers(ctx: Context): Promise<void> {
  const { o, journal } = ctx;
  for (const dataset of REGISTER_DATASETS) {
    for await (const { key, record } of o.source.repository.listRecords(o.snapshotId, dataset)) {
      if (!isObject(record)) continue;
      let targetKey = key;
      if (dataset === 'accounts') {
        const [year, number] = key.split('/');
        const targetYear = ctx.years.get(year ?? '');
        if (targetYear === undefined) {
          addOpeningBalance(ctx, year ?? '', record);
          add(ctx, { dataset, key, status: 'failed', message: 'its financial year does not exist in the new company; opening balance put in the SIE file' });
          continue;
        }
        targetKey = keys.account(targetYear, number ?? '');
      }
      const finished = journal.finished(itemId(dataset, targetKey, 'create')) ?? journal.finished(itemId(dataset, targetKey, 'update'));
      if (finished !== undefined) {
        add(ctx, { dataset, key, status: finished.item.endsWith(':create') ? 'created' : 'updated', message: 'written by an earlier attempt of this run' });
        continue;
      }
      const item = await planItem(o.target.reader, dataset, targetKey, record, true, o.signal);
      const result = await applyRegisterItem(o.target.reader, o.target.writer, journal, item, o.signal);
      if (result.status === 'failed' && dataset === 'accounts') addOpeningBalance(ctx, key.split('/')[0] ?? '', record);
      add(ctx, { ...result, key });
    }
  }
}

/** Vouchers by (year, series, number), numbers compared as numbers (layout keys sort as text). */
async function sourceVoucherKeys(ctx: Context): Promise<{ key: string; year: string; series: string; number: number }[]> {
  const out: { key: string; year: string; series: string; number: number }[] = [];
  for await (const { key } of ctx.o.source.repository.listEntries(ctx.o.snapshotId, 'vouchers')) {
    const [year = '', series = '', number = ''] = key.split('/');
    out.push({ key, year, series, number: Number(number) });
  }
  const from = (y: string) => ctx.yearDates.get(y)?.from ?? y;
  return out.sort((a, b) => from(a.year).localeCompare(from(b.year)) || a.series.localeCompare(b.series) || a.number - b.number);
}

async function vouchers(ctx: Context): Promise<void> {
  const { o } = ctx;
  const next = new Map<string, number>();
  const stopped = new Set<string>();
  for (const v of await sourceVoucherKeys(ctx)) {
    const record = await o.source.repository.readRecord(o.snapshotId, 'vouchers', v.key);
    if (!isObject(record)) continue;
    const targetYear = ctx.years.get(v.year);
    const id = itemId('vouchers', v.key, 'create');
    if (targetYear === undefined) {
      addSieVoucher(ctx, v.year, record);
      add(ctx, { dataset: 'vouchers', key: v.key, status: 'failed', message: 'its financial year does not exist in the new company; put in the SIE file' });
      continue;
    }
    const seriesKey = `${targetYear}/${v.series}`;
    if (stopped.has(seriesKey)) {
      add(ctx, { dataset: 'vouchers', key: v.key, status: 'skipped', message: 'an earlier voucher of the series is uncertain; run again to keep the number order' });
      continue;
    }
    const body = voucherBody(record);
    const result = await once(ctx, id, 'vouchers', v.key, {
      expectedKey: async () => {
        let n = next.get(seriesKey);
        if (n === undefined) {
          const series = await o.target.reader.detail('voucherseries', { Year: targetYear, Code: v.series }, { signal: o.signal });
          n = Number(series.NextVoucherNumber) || 1;
        }
        return keys.voucher(targetYear, v.series, n);
      },
      check: async (expected) => (expected !== null && (await voucherAt(ctx, expected, body)) ? expected : undefined),
      write: async () => {
        const created = await o.target.writer.create('vouchers', body, { financialYear: Number(targetYear), signal: o.signal });
        return keys.voucher(targetYear, v.series, str(created.VoucherNumber));
      },
    });
    if (result.newKey !== undefined) {
      ctx.maps.vouchers[v.key] = result.newKey;
      next.set(seriesKey, Number(result.newKey.split('/')[2]) + 1);
    } else if (result.status === 'failed') {
      if (result.uncertain === true) stopped.add(seriesKey);
      else addSieVoucher(ctx, v.year, record);
    }
  }
}

/** Whether the target holds, at `key`, the voucher we meant to write (date, text and rows). */
async function voucherAt(ctx: Context, key: string, body: JsonObject): Promise<boolean> {
  const [Year, VoucherSeries, VoucherNumber] = key.split('/');
  let found: JsonObject;
  try {
    found = await ctx.o.target.reader.detail('vouchers', { Year, VoucherSeries, VoucherNumber }, { signal: ctx.o.signal });
  } catch (err) {
    if (err instanceof FortnoxNotFoundError) return false;
    throw err;
  }
  return sameValue(voucherBody(found), body);
}

async function invoices(ctx: Context): Promise<void> {
  const { o } = ctx;
  for (const key of await numericKeys(ctx, 'invoices')) {
    const record = await o.source.repository.readRecord(o.snapshotId, 'invoices', key);
    if (!isObject(record)) continue;
    const body = invoiceBody(record);
    await once(ctx, itemId('invoices', key, 'create'), 'invoices', key, {
      // Invoices keep their number (Fortnox accepts a DocumentNumber), so a second create is refused as "number in use".
      check: async () => {
        try {
          const found = await o.target.reader.detail('invoices', key, { signal: o.signal });
          return str(found.CustomerNumber) === str(body.CustomerNumber) ? key : undefined;
        } catch (err) {
          if (err instanceof FortnoxNotFoundError) return undefined;
          throw err;
        }
      },
      write: async () => str((await o.target.writer.create('invoices', body, { signal: o.signal })).DocumentNumber),
    });
  }
}

async function supplierInvoices(ctx: Context): Promise<void> {
  const { o } = ctx;
  for (const key of await numericKeys(ctx, 'supplierinvoices')) {
    const record = await o.source.repository.readRecord(o.snapshotId, 'supplierinvoices', key);
    if (!isObject(record)) continue;
    const body = supplierInvoiceBody(record);
    const result = await once(ctx, itemId('supplierinvoices', key, 'create'), 'supplierinvoices', key, {
      check: async () => {
        const taken = new Set(Object.values(ctx.maps.supplierinvoices));
        for await (const s of o.target.reader.items('supplierinvoices', { signal: o.signal })) {
          const n = str(s.GivenNumber);
          if (!taken.has(n) && str(s.SupplierNumber) === str(body.SupplierNumber) && str(s.InvoiceNumber) === str(body.InvoiceNumber) && sameValue(s.Total, body.Total)) return n;
        }
        return undefined;
      },
      write: async () => str((await o.target.writer.create('supplierinvoices', body, { signal: o.signal })).GivenNumber),
    });
    if (result.newKey !== undefined) ctx.maps.supplierinvoices[key] = result.newKey;
  }
}

async function files(ctx: Context): Promise<void> {
  const { o } = ctx;
  const connections = new Map<string, { dataset: 'supplierinvoicefileconnections' | 'voucherfileconnections'; record: JsonObject }>();
  for (const dataset of ['supplierinvoicefileconnections', 'voucherfileconnections'] as const) {
    for await (const { key, record } of o.source.repository.listRecords(o.snapshotId, dataset)) if (isObject(record)) connections.set(key, { dataset, record });
  }
  for await (const { key, record } of o.source.repository.listRecords(o.snapshotId, 'files')) {
    const file = record as unknown as FileRecord;
    const connection = connections.get(key);
    const folder = connection?.dataset === 'voucherfileconnections' ? 'inbox_v' : 'inbox_s';
    const upload = await once(ctx, itemId('files', key, 'upload'), 'files', key, {
      check: async () => {
        const taken = new Set(Object.values(ctx.maps.files));
        const listing = await o.target.reader.inboxFolder(folder, { signal: o.signal });
        const rows = Array.isArray(listing.Files) ? listing.Files.filter(isObject) : [];
        return rows.map((f) => ({ id: str(f.Id), name: str(f.Name), size: Number(f.Size) })).find((f) => !taken.has(f.id) && f.name === file.Name && f.size === file.Size)?.id;
      },
      write: async () => {
        const bytes = await readAll(await o.source.repository.readAttachment(o.snapshotId, 'filecontents', key));
        return str((await o.target.writer.uploadFile('inbox', folder, file.Name, bytes, file.ContentType, { signal: o.signal })).Id);
      },
    }, 'uploaded');
    if (upload.newKey === undefined) continue;
    ctx.maps.files[key] = upload.newKey;
    if (connection === undefined) continue;
    const newFileId = upload.newKey;
    const body = connectionBody(ctx, connection.dataset, connection.record, newFileId);
    if (body === undefined) {
      add(ctx, { dataset: connection.dataset, key, status: 'failed', message: 'what it was connected to was not restored' });
      continue;
    }
    await once(ctx, itemId(connection.dataset, key, 'connect'), connection.dataset, key, {
      check: async () => {
        try {
          await o.target.reader.detail(connection.dataset, newFileId, { signal: o.signal });
          return newFileId;
        } catch (err) {
          if (err instanceof FortnoxNotFoundError) return undefined;
          throw err;
        }
      },
      write: async () => str((await o.target.writer.create(connection.dataset, body, { signal: o.signal })).FileId) || newFileId,
    }, 'connected');
  }
}

function connectionBody(ctx: Context, dataset: 'supplierinvoicefileconnections' | 'voucherfileconnections', c: JsonObject, fileId: string): JsonObject | undefined {
  if (dataset === 'supplierinvoicefileconnections') {
    const invoice = ctx.maps.supplierinvoices[str(c.SupplierInvoiceNumber)];
    return invoice === undefined ? undefined : { FileId: fileId, SupplierInvoiceNumber: invoice };
  }
  const voucher = ctx.maps.vouchers[keys.voucher(str(c.VoucherYear), str(c.VoucherSeries), str(c.VoucherNumber))];
  if (voucher === undefined) return undefined;
  const [year = '', series = '', number = ''] = voucher.split('/');
  return { FileId: fileId, VoucherYear: Number(year), VoucherSeries: series, VoucherNumber: number };
}

interface OnceResult {
  readonly status: ReportStatus;
  readonly newKey?: string;
  /** The write may have reached Fortnox but it does not show: left for the next run to look again. */
  readonly uncertain?: boolean;
}

/**
 * One journalled write of something Fortnox may number itself. `check` looks in Fortnox for what an
 * earlier, interrupted attempt may have written (given the number it expected) and returns its key.
 */
async function once(
  ctx: Context,
  id: string,
  dataset: string,
  key: string,
  step: { expectedKey?: () => Promise<string>; check: (expected: string | null) => Promise<string | undefined>; write: () => Promise<string> },
  doneStatus: ReportStatus = 'created',
): Promise<OnceResult> {
  const { journal } = ctx;
  const finished = journal.finished(id);
  if (finished !== undefined) {
    const result = { status: finished.status === 'skipped' ? 'skipped' as const : doneStatus, ...(finished.newKey === null ? {} : { newKey: finished.newKey }) };
    add(ctx, { dataset, key, ...result, message: 'written by an earlier attempt of this run' });
    return result;
  }
  const previous = journal.get(id);
  if (previous?.status === 'writing') {
    ctx.o.signal?.throwIfAborted();
    const found = await step.check(previous.expectedKey);
    if (found !== undefined) {
      await journal.done(id, found, 'found in Fortnox after an interrupted attempt');
      add(ctx, { dataset, key, status: doneStatus, newKey: found, message: 'found in Fortnox after an interrupted attempt' });
      return { status: doneStatus, newKey: found };
    }
  }
  let expected: string | null = null;
  try {
    expected = step.expectedKey === undefined ? null : await step.expectedKey();
    await journal.writing(id, expected);
    const newKey = await step.write();
    await journal.done(id, newKey);
    add(ctx, { dataset, key, status: doneStatus, newKey });
    return { status: doneStatus, newKey };
  } catch (err) {
    const uncertain = err instanceof FortnoxWriteUncertainError;
    if (uncertain || (err instanceof FortnoxBadRequestError && err.fortnoxCode === NUMBER_IN_USE)) {
      const found = await step.check(expected);
      if (found !== undefined) {
        await journal.done(id, found, 'already in Fortnox');
        add(ctx, { dataset, key, status: doneStatus, newKey: found, message: 'already in Fortnox' });
        return { status: doneStatus, newKey: found };
      }
      if (uncertain) {
        add(ctx, { dataset, key, status: 'failed', message: `${describeFailure(err).message}; Fortnox does not hold it yet: run again to retry` });
        return { status: 'failed', uncertain: true };
      }
    }
    if (isFatal(err)) throw err;
    await journal.failed(id, err);
    add(ctx, { dataset, key, status: 'failed', ...describeFailure(err) });
    return { status: 'failed' };
  }
}

async function numericKeys(ctx: Context, dataset: string): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of ctx.o.source.repository.listEntries(ctx.o.snapshotId, dataset)) out.push(key);
  return out.sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// ---- SIE 4I for what the API did not take ----

function sieFor(ctx: Context, sourceYear: string, kind: 'vouchers' | 'balances'): SieDocument {
  let entry = ctx.sie.get(`${sourceYear}/${kind}`);
  if (entry === undefined) {
    const doc = emptyDocument();
    doc.flag = 0;
    doc.format = 'PC8';
    // 4I: vouchers to import, no balances (SIE §6). 1: the opening balances.
    doc.declaredType = kind === 'vouchers' ? '4' : '1';
    doc.program = { name: 'Noxbackup', version: '0.1.0' };
    doc.generated = { date: new Date().toISOString().slice(0, 10), sign: undefined };
    const dates = ctx.yearDates.get(sourceYear);
    if (dates !== undefined) doc.financialYears.push({ yearIndex: 0, start: dates.from, end: dates.to });
    entry = { year: sourceYear, kind, doc };
    ctx.sie.set(`${sourceYear}/${kind}`, entry);
  }
  return entry.doc;
}

const ore = (v: JsonValue | undefined): bigint => BigInt(Math.round(Number(v ?? 0) * 100));

function addOpeningBalance(ctx: Context, sourceYear: string, account: JsonObject): void {
  const amount = ore(account.BalanceBroughtForward);
  const doc = sieFor(ctx, sourceYear, 'balances');
  doc.accounts.push({ number: str(account.Number), name: str(account.Description), type: undefined, unit: undefined, sru: [] });
  if (amount !== 0n) doc.ib.push({ yearIndex: 0, account: str(account.Number), amount, quantity: undefined });
}

function addSieVoucher(ctx: Context, sourceYear: string, v: JsonObject): void {
  const date = str(v.TransactionDate);
  const rows: SieRow[] = (Array.isArray(v.VoucherRows) ? v.VoucherRows.filter(isObject) : []).filter((r) => r.Removed !== true).map((r) => {
    const objects: SieObjectRef[] = [];
    // SIE's standard dimensions: 1 cost centre, 6 project.
    if (str(r.CostCenter) !== '') objects.push({ dimension: 1, id: str(r.CostCenter) });
    if (str(r.Project) !== '') objects.push({ dimension: 6, id: str(r.Project) });
    return { kind: 'TRANS', account: str(r.Account), objects, amount: ore(r.Debit) - ore(r.Credit), date, text: str(r.Description) || undefined, quantity: undefined, sign: undefined };
  });
  // No number: on import Fortnox gives the next number of the series, as it does through the API.
  sieFor(ctx, sourceYear, 'vouchers').vouchers.push({ series: str(v.VoucherSeries), number: undefined, date, text: str(v.Description) || undefined, registeredOn: undefined, sign: undefined, rows });
}

async function writeSieFiles(ctx: Context, runId: string): Promise<SieFileNote[]> {
  const notes: SieFileNote[] = [];
  for (const { year, kind, doc } of ctx.sie.values()) {
    if (doc.vouchers.length === 0 && doc.ib.length === 0) continue;
    await mkdir(ctx.o.outDir, { recursive: true });
    const dates = ctx.yearDates.get(year);
    const path = join(ctx.o.outDir, `restore-${runId}-${dates?.from ?? year}-${kind}.si`);
    await writeFile(path, writeSie(doc).bytes);
    notes.push({
      path, type: kind === 'vouchers' ? '4I' : '1', financialYear: dates === undefined ? year : `${dates.from}–${dates.to}`, vouchers: doc.vouchers.length, balances: doc.ib.length,
      why: kind === 'vouchers'
        ? 'the API refused these vouchers (see the failed items); import the file in Fortnox (SIE import) once the cause is fixed; Fortnox numbers them'
        : 'the API could not write these opening balances (see the failed accounts); import them in Fortnox (SIE import)',
    });
  }
  return notes;
}
