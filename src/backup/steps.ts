import { readSie, type SieVoucher } from '../sie/index.ts';
import { CATALOGUE, fortnoxTimestamp, toText, type DataSetName, type JsonObject, type SieType } from '../fortnox/index.ts';
import { listItemDiffers, withoutUrl, type RefreshPlan } from './change-detection.ts';
import { keys, type FileRecord, type SnapshotDataSet } from './layout.ts';
import { sha256Hex, type RunContext } from './run-context.ts';
import { voucherDifferences, voucherFromSie } from './voucher-from-sie.ts';

/** What every step needs besides the context: the change window and the refresh slot. */
export interface Plan {
  /** `lastmodified` sweeps from here (null: no previous run to measure from, or a full backup). */
  since: Date | null;
  refresh: RefreshPlan;
  voucherSampleSize: number;
  seq: number;
}

const text = (v: unknown): string => toText(v) ?? '';

/**
 * The change analysis of one list against the parent: which keys need their detail read, and which
 * parent keys are gone. A key needs its detail when it is new, when its list item disagrees with the
 * stored detail on the list's fields, when a `lastmodified` sweep names it, when it is in this run's
 * refresh slot, or when the parent's copy of the data set is not known to be complete.
 */
export async function analyse(
  ctx: RunContext,
  plan: Plan,
  dataset: SnapshotDataSet,
  items: ReadonlyMap<string, JsonObject>,
  options: { prefix?: string; modified?: ReadonlySet<string>; also?: (key: string) => boolean; noRefresh?: boolean } = {},
): Promise<{ need: string[]; gone: string[] }> {
  const prefix = options.prefix ?? '';
  const trusted = ctx.parentComplete(dataset);
  const seen = new Set<string>();
  const need: string[] = [];
  const gone: string[] = [];
  for await (const { key, record } of ctx.parentRecords(dataset, prefix)) {
    const item = items.get(key);
    if (item === undefined) {
      gone.push(key);
      continue;
    }
    seen.add(key);
    if (!trusted || listItemDiffers(item, record) || options.modified?.has(key) === true || options.also?.(key) === true) need.push(key);
    else if (options.noRefresh !== true && plan.refresh.due(dataset, key)) {
      need.push(key);
      ctx.refreshed++;
    }
  }
  for (const key of items.keys()) if (!seen.has(key)) need.push(key);
  return { need, gone };
}

/** `lastmodified` sweep: keys changed since the window's start (empty without a parent). */
async function modifiedSince(ctx: RunContext, plan: Plan, dataset: SnapshotDataSet, name: DataSetName, keyOf: (i: JsonObject) => string, financialYear?: number): Promise<Set<string>> {
  if (plan.since === null || !CATALOGUE[name].lastModified || !ctx.parentComplete(dataset)) return new Set();
  const items = await ctx.sweep(dataset, name, keyOf, { financialYear, query: { lastmodified: fortnoxTimestamp(plan.since) } });
  return new Set(items.keys());
}

/**
 * A data set whose list items lack fields: sweep, analyse, read the details that need it, remove what
 * is gone. Returns the keys whose stored record changed (added or different), for dependants such as
 * invoice PDFs.
 */
export async function detailDataSet(
  ctx: RunContext,
  plan: Plan,
  dataset: SnapshotDataSet & DataSetName,
  keyOf: (item: JsonObject) => string,
): Promise<{ changed: Set<string>; gone: string[]; items: Map<string, JsonObject> }> {
  ctx.begin(dataset);
  const items = await ctx.sweep(dataset, dataset, keyOf);
  const modified = await modifiedSince(ctx, plan, dataset, dataset, keyOf);
  const { need, gone } = await analyse(ctx, plan, dataset, items, { modified });
  for (const key of gone) await ctx.remove(dataset, key);
  const t = ctx.tally(dataset);
  t.total = need.length;
  t.done = 0;
  const changed = new Set<string>();
  await ctx.pipeline(
    dataset,
    need,
    (key) => ctx.reader.detail(dataset, items.get(key)!, { signal: ctx.signal }),
    async (key, detail) => {
      const r = await ctx.storeRecord(dataset, key, () => Promise.resolve(detail!));
      if (r.changed) changed.add(key);
    },
  );
  t.records = items.size;
  return { changed, gone, items };
}

/** A data set whose list items are the whole record (cost centres, financial years, file connections). */
export async function listDataSet(ctx: RunContext, dataset: SnapshotDataSet & DataSetName, keyOf: (item: JsonObject) => string): Promise<Map<string, JsonObject>> {
  ctx.begin(dataset);
  const items = await ctx.sweep(dataset, dataset, keyOf);
  const parent = await ctx.parentEntries(dataset);
  for (const key of parent.keys()) if (!items.has(key)) await ctx.remove(dataset, key);
  for (const [key, item] of items) await ctx.storeValue(dataset, key, item);
  ctx.tally(dataset).records = items.size;
  return items;
}

/** Company information; `read` is the answer the run already has from learning Fortnox's time. */
export async function companyInformation(ctx: RunContext, read?: { record: JsonObject; requests: number }): Promise<void> {
  ctx.begin('companyinformation');
  if (read !== undefined) ctx.tally('companyinformation').requests += read.requests;
  await ctx.storeRecord('companyinformation', keys.companyinformation(), () => (read === undefined ? ctx.reader.companyInformation({ signal: ctx.signal }) : Promise.resolve(read.record)));
  ctx.tally('companyinformation').records = 1;
}

/** Invoice PDFs through `/preview` only (never `/print`, which marks the invoice sent). */
export async function invoicePdfs(ctx: RunContext, invoices: { changed: Set<string>; gone: string[]; items: Map<string, JsonObject> }): Promise<void> {
  ctx.begin('invoicepdfs');
  const have = await ctx.parentEntries('invoicepdfs');
  for (const key of invoices.gone) if (have.has(key)) await ctx.remove('invoicepdfs', key);
  const need = [...invoices.items.keys()].filter((k) => invoices.changed.has(k) || !have.has(keys.invoicepdf(k)));
  const t = ctx.tally('invoicepdfs');
  t.total = need.length;
  await ctx.pipeline(
    'invoicepdfs',
    need.map((k) => keys.invoicepdf(k)),
    async (key) => (await ctx.reader.invoicePreview(key, { signal: ctx.signal })).body,
    async (key, pdf) => void (await ctx.storeAttachment('invoicepdfs', key, () => Promise.resolve(pdf!))),
  );
  t.records = invoices.items.size;
}

/**
 * Files behind both kinds of file connection, downloaded once per FileId ever: a file the parent
 * snapshot holds is carried forward, never fetched again. The `files` record names it (the supplier
 * connection's `Name`; voucher connections carry none, so `<FileId>.<ext>` from the content type).
 */
export async function files(ctx: RunContext, supplier: Map<string, JsonObject> | null, voucher: Map<string, JsonObject> | null): Promise<void> {
  ctx.begin('files');
  ctx.begin('filecontents');
  const wanted = new Map<string, { name: string | null; connectedTo: FileRecord['ConnectedTo'] }>();
  const add = (id: string, name: string | null, c: FileRecord['ConnectedTo'][number]): void => {
    const w = wanted.get(id) ?? { name: null, connectedTo: [] };
    w.name ??= name;
    w.connectedTo.push(c);
    wanted.set(id, w);
  };
  for (const [id, c] of supplier ?? []) add(id, text(c.Name) || null, { type: 'supplierinvoice', key: keys.byId(text(c.SupplierInvoiceNumber)) });
  for (const [id, c] of voucher ?? []) add(id, null, { type: 'voucher', key: keys.voucher(text(c.VoucherYear), text(c.VoucherSeries), text(c.VoucherNumber)) });
  const haveContents = await ctx.parentEntries('filecontents');
  const haveRecords = await ctx.parentEntries('files');
  // A file no connection names any more leaves the snapshot (older snapshots keep it), but only when
  // both connection lists were read whole: a failed sweep must not look like disconnected files.
  if (supplier !== null && voucher !== null) {
    for (const id of haveContents.keys()) if (!wanted.has(id)) await ctx.remove('filecontents', id);
    for (const id of haveRecords.keys()) if (!wanted.has(id)) await ctx.remove('files', id);
  }
  const need = [...wanted.keys()].filter((id) => !haveContents.has(keys.file(id)) || !haveRecords.has(keys.file(id)));
  const t = ctx.tally('filecontents');
  t.total = need.length;
  await ctx.pipeline('filecontents', need.map((id) => keys.file(id)), (id) => ctx.reader.archiveFile(id, { signal: ctx.signal }), async (id, download) => {
    const contentType = download?.contentType ?? 'application/octet-stream';
    const { bytes } = await ctx.storeAttachment('filecontents', id, () => Promise.resolve(download!.body));
    const w = wanted.get(id)!;
    const record: FileRecord = {
      Id: id,
      ArchiveFileId: null,
      Name: w.name ?? `${id}${extensionOf(contentType, bytes)}`,
      Path: null,
      ContentType: contentType === 'application/octet-stream' ? sniffType(bytes) : contentType,
      Size: bytes.length,
      Sha256: sha256Hex(bytes),
      ConnectedTo: w.connectedTo,
    };
    await ctx.storeValue('files', keys.file(id), record as unknown as JsonObject);
  });
  t.records = wanted.size;
  ctx.tally('files').records = wanted.size;
}

function sniffType(bytes: Buffer): string {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(1, 4).toString('latin1') === 'PNG') return 'image/png';
  return 'application/octet-stream';
}

function extensionOf(contentType: string, bytes: Buffer): string {
  const type = contentType === 'application/octet-stream' ? sniffType(bytes) : contentType;
  return { 'application/pdf': '.pdf', 'image/jpeg': '.jpg', 'image/png': '.png' }[type.split(';')[0]!.trim()] ?? '';
}

/** Tracks which data sets of a financial-year step failed, so one failing does not stop the others. */
export type Isolate = (datasets: readonly SnapshotDataSet[], f: () => Promise<void>) => Promise<boolean>;

/**
 * One financial year: vouchers, accounts, voucher series and the SIE files. A closed year whose
 * voucher list and chart of accounts are unchanged is not read again beyond its lists: its SIE files
 * and vouchers stay as carried forward. Otherwise SIE 4 is read once and every new or changed voucher
 * is built from it (rows from #TRANS); vouchers SIE lacks are read as details.
 */
export async function financialYear(ctx: RunContext, plan: Plan, year: JsonObject, isolate: Isolate): Promise<void> {
  const y = Number(year.Id);
  const prefix = `${y}/`;
  const vKey = (v: JsonObject): string => keys.voucher(y, text(v.VoucherSeries), text(v.VoucherNumber));
  const aKey = (a: JsonObject): string => keys.account(y, text(a.Number));
  let vouchers: Map<string, JsonObject> | null = null;
  let vouchersNeed: string[] = [];
  let accounts: Map<string, JsonObject> | null = null;
  let accountsNeed: string[] = [];
  let accountsChanged = false;
  let accountsModified = new Set<string>();

  await isolate(['vouchers'], async () => {
    vouchers = await ctx.sweep('vouchers', 'vouchers', vKey, { financialYear: y });
    // Vouchers are refreshed a whole year at a time (one SIE 4 request), not key by key.
    const { need, gone } = await analyse(ctx, plan, 'vouchers', vouchers, { prefix, noRefresh: true });
    for (const key of gone) await ctx.remove('vouchers', key);
    vouchersNeed = need;
  });
  await isolate(['accounts'], async () => {
    accounts = await ctx.sweep('accounts', 'accounts', aKey, { financialYear: y });
    const before = ctx.refreshed;
    accountsModified = await modifiedSince(ctx, plan, 'accounts', 'accounts', aKey, y);
    const { need, gone } = await analyse(ctx, plan, 'accounts', accounts, { prefix, modified: accountsModified });
    for (const key of gone) await ctx.remove('accounts', key);
    accountsNeed = need;
    accountsChanged = gone.length > 0 || need.length > refreshedBefore(ctx, before);
  });

  const sieHave = await ctx.parentEntries('sie');
  const sieComplete = ctx.parentComplete('sie') && ([1, 2, 3, 4] as const).every((t) => sieHave.has(keys.sie(y, t)));
  const changedYear = !sieComplete || vouchersNeed.length > 0 || accountsChanged || vouchers === null;
  // The refresh re-reads a whole year: its SIE files, every voucher rebuilt from SIE 4, and a sample.
  const refreshYear = !changedYear && ctx.parent !== undefined && plan.refresh.due('sie', String(y));
  const yearChanged = changedYear || refreshYear;
  if (refreshYear) vouchersNeed = [...((vouchers as Map<string, JsonObject> | null)?.keys() ?? [])];
  const touched = new Set<string>();
  const built = new Map<string, JsonObject>();
  // Only vouchers built from SIE in this run are sampled: an unchanged year was checked when it was read.
  const sample = yearChanged ? pickSample(vouchersNeed, plan.voucherSampleSize, plan.seq) : [];
  if (refreshYear) ctx.refreshed += 4 + sample.length;

  if (yearChanged) {
    await isolate(['sie', 'vouchers'], async () => {
      const names = new Map<string, string>();
      for (const a of accounts?.values() ?? []) names.set(text(a.Number), text(a.Description));
      const sie4 = await ctx.storeAttachment('sie', keys.sie(y, 4), async () => (await ctx.reader.sie(4, y, { signal: ctx.signal })).body);
      const list = vouchers;
      const wanted = new Set(vouchersNeed);
      const sampleSet = new Set(sample);
      let inSie = 0;
      const pending: { key: string; record: JsonObject; accounts: string[] }[] = [];
      const onVoucher = (v: SieVoucher): void => {
        inSie++;
        const key = keys.voucher(y, v.series, v.number ?? '');
        if (!wanted.has(key) || list === null) return;
        const item = list.get(key);
        if (item === undefined) return;
        const record = voucherFromSie(withoutUrl(item), v, names);
        if (sampleSet.has(key)) built.set(key, record);
        pending.push({ key, record, accounts: v.rows.map((row) => keys.account(y, row.account)) });
      };
      // The parsed vouchers are written as they come (the queue is drained after every chunk), so a big
      // year is never held in memory as a whole.
      await readSie(chunks(sie4.bytes), {
        onVoucher: async (v) => {
          onVoucher(v);
          for (const p of pending.splice(0)) {
            wanted.delete(p.key);
            // Only a voucher that is new or different moves balances; a refreshed copy moves nothing.
            if (await storeVoucher(ctx, p.key, p.record)) for (const a of p.accounts) touched.add(a);
          }
        },
      });
      if (list !== null && inSie !== list.size) ctx.warnings.push(`financial year ${y}: SIE 4 has ${inSie} vouchers, the voucher list ${list.size}; the difference is read as voucher details`);
      for (const key of wanted) {
        const item = list?.get(key);
        if (item === undefined) continue;
        const r = await ctx.storeRecord('vouchers', key, () => ctx.reader.detail('vouchers', item, { signal: ctx.signal }));
        if (r.changed) for (const row of (r.record?.VoucherRows as JsonObject[] | undefined) ?? []) touched.add(keys.account(y, text(row.Account)));
      }
      for (const type of [1, 2, 3] as SieType[]) {
        await ctx.storeAttachment('sie', keys.sie(y, type), async () => (await ctx.reader.sie(type, y, { signal: ctx.signal })).body);
      }
    });
  }

  await isolate(['accounts'], async () => {
    if (accounts === null) return;
    const list = accounts;
    // An account's closing balance (a detail-only field) moves with every voucher booked on it: the
    // accounts on this run's new vouchers are read again, the others cannot have moved.
    const need = new Set(accountsNeed);
    if (ctx.parent !== undefined) for (const k of touched) if (list.has(k)) need.add(k);
    const t = ctx.tally('accounts');
    t.total = (t.total ?? 0) + need.size;
    await ctx.pipeline('accounts', [...need], (key) => ctx.reader.detail('accounts', list.get(key)!, { signal: ctx.signal }), async (key, detail) => {
      await ctx.storeRecord('accounts', key, () => Promise.resolve(detail!));
    });
    t.records += list.size;
  });

  await isolate(['voucherseries'], async () => {
    const sKey = (s: JsonObject): string => keys.voucherseries(y, text(s.Code));
    const series = await ctx.sweep('voucherseries', 'voucherseries', sKey, { financialYear: y });
    const next = new Map<string, number>();
    for (const v of (vouchers)?.values() ?? []) {
      const k = keys.voucherseries(y, text(v.VoucherSeries));
      next.set(k, Math.max(next.get(k) ?? 1, Number(v.VoucherNumber) + 1));
    }
    const stored = new Map<string, number>();
    for await (const { key, record } of ctx.parentRecords('voucherseries', prefix)) stored.set(key, Number(record.NextVoucherNumber));
    // NextVoucherNumber is detail-only; the voucher list says when it must have moved.
    const { need, gone } = await analyse(ctx, plan, 'voucherseries', series, { prefix, also: (k) => next.has(k) && stored.get(k) !== next.get(k) });
    for (const key of gone) await ctx.remove('voucherseries', key);
    await ctx.pipeline('voucherseries', need, (key) => ctx.reader.detail('voucherseries', series.get(key)!, { signal: ctx.signal }), async (key, detail) => {
      await ctx.storeRecord('voucherseries', key, () => Promise.resolve(detail!));
    });
    ctx.tally('voucherseries').records += series.size;
  });

  ctx.tally('sie').records += sieComplete || yearChanged ? 4 : 0;
  if (vouchers !== null) {
    ctx.tally('vouchers').records += (vouchers as Map<string, JsonObject>).size;
    if (sample.length > 0) await isolate(['vouchers'], () => compareSample(ctx, y, vouchers as Map<string, JsonObject>, sample, built));
  }
}

function refreshedBefore(ctx: RunContext, before: number): number {
  return ctx.refreshed - before;
}

/** Stores a voucher built from SIE (or re-puts the journaled one); true when it is new or changed. */
async function storeVoucher(ctx: RunContext, key: string, record: JsonObject): Promise<boolean> {
  const j = ctx.journaled('vouchers', key);
  if (j !== undefined) {
    await ctx.writer.putExistingEntry('vouchers', key, 'r', j.blobId);
    ctx.tally('vouchers').done++;
    return (await ctx.parentEntries('vouchers')).get(key) !== j.blobId;
  }
  ctx.tally('vouchers').fetched++;
  return ctx.storeValue('vouchers', key, record);
}

function* chunks(bytes: Buffer): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 256 * 1024) yield bytes.subarray(i, i + 256 * 1024);
}

/** A rotating sample: a different window of the (sorted) keys each run. */
export function pickSample(candidates: readonly string[], size: number, seq: number): string[] {
  if (size <= 0 || candidates.length === 0) return [];
  const sorted = [...candidates].sort();
  if (sorted.length <= size) return sorted;
  const start = (seq * size) % sorted.length;
  return Array.from({ length: size }, (_, i) => sorted[(start + i) % sorted.length]!);
}

/** Voucher details for the sample, compared field by field with what SIE gave; differences are warnings. */
async function compareSample(ctx: RunContext, y: number, list: Map<string, JsonObject>, sample: string[], built: Map<string, JsonObject>): Promise<void> {
  for (const key of sample) {
    const item = list.get(key);
    if (item === undefined) continue;
    let ours = built.get(key);
    if (ours === undefined) {
      if (ctx.parent === undefined || !(await ctx.parentEntries('vouchers')).has(key)) continue;
      ours = (await ctx.repo.readRecord(ctx.parent.id, 'vouchers', key)) as JsonObject;
    }
    const detail = withoutUrl(await ctx.request('vouchers', () => ctx.reader.detail('vouchers', item, { signal: ctx.signal })));
    const diffs = voucherDifferences(ours, detail);
    if (diffs.length > 0) ctx.warnings.push(`voucher ${key} (financial year ${y}) differs from Fortnox's detail: ${diffs.slice(0, 5).join('; ')}${diffs.length > 5 ? ` (+${diffs.length - 5} more)` : ''}`);
  }
}
