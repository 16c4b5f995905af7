import { keys, type FileRecord } from '../backup/layout.ts';
import type { JsonObject, JsonValue } from '../fortnox/index.ts';
import type { Repository } from '../repository/repository.ts';
import { isObject, REGISTER_DATASETS, sameValue, str, writableRegisterFields } from './fields.ts';
import type { RestoreReport } from './report.ts';
import { invoiceBody, supplierInvoiceBody, voucherBody } from './writable.ts';

export interface Difference {
  readonly dataset: string;
  /** The key in the source snapshot. */
  readonly key: string;
  readonly field: string;
  readonly source: JsonValue | undefined;
  readonly target: JsonValue | undefined;
}

export interface SnapshotRef {
  readonly repository: Repository;
  readonly snapshotId: string;
}

/**
 * Compares a source snapshot with a snapshot of the company it was restored into, field by field, over
 * everything the API lets a restore write (writable.ts, fields.ts with opening balances): registers by
 * their own numbers, accounts by financial year matched on dates, vouchers and supplier invoices through
 * the report's number maps, customer invoices by number, files by name and SHA-256 and what they are
 * connected to. Extra records in the target count as differences, except accounts (a new company comes
 * with a chart of accounts). An empty list means the restore reproduced everything writable.
 */
export async function compareRoundTrip(source: SnapshotRef, target: SnapshotRef, report: Pick<RestoreReport, 'numberMaps'>): Promise<Difference[]> {
  const diffs: Difference[] = [];
  const years = await yearMap(source, target);
  const maps = report.numberMaps;
  const targetKeys = async (dataset: string) => {
    const out = new Set<string>();
    for await (const { key } of target.repository.listEntries(target.snapshotId, dataset)) out.add(key);
    return out;
  };
  const compareFields = (dataset: string, key: string, a: JsonObject, b: JsonObject) => {
    for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!sameValue(a[field], b[field])) diffs.push({ dataset, key, field, source: a[field], target: b[field] });
    }
  };
  const each = async (dataset: string, targetKeyOf: (key: string) => string | undefined, body: (r: JsonObject) => JsonObject, extrasMatter = true) => {
    const remaining = await targetKeys(dataset);
    for await (const { key, record } of source.repository.listRecords(source.snapshotId, dataset)) {
      if (!isObject(record)) continue;
      const tk = targetKeyOf(key);
      if (tk === undefined || !remaining.has(tk)) {
        diffs.push({ dataset, key, field: '(record)', source: key, target: tk ?? null });
        continue;
      }
      remaining.delete(tk);
      const other = await target.repository.readRecord(target.snapshotId, dataset, tk);
      compareFields(dataset, key, body(record), isObject(other) ? body(other) : {});
    }
    if (extrasMatter) for (const extra of remaining) diffs.push({ dataset, key: extra, field: '(extra record in target)', source: undefined, target: extra });
  };

  for (const dataset of REGISTER_DATASETS) {
    const keyOf = dataset === 'accounts' ? (k: string) => { const [y, n] = k.split('/'); const ty = years.get(y ?? ''); return ty === undefined ? undefined : keys.account(ty, n ?? ''); } : (k: string) => k;
    await each(dataset, keyOf, (r) => writableRegisterFields(dataset, r, { ledger: true }), dataset !== 'accounts');
  }
  await each('vouchers', (k) => maps.vouchers?.[k], voucherBody);
  await each('invoices', (k) => k, invoiceBody);
  await each('supplierinvoices', (k) => maps.supplierinvoices?.[k], supplierInvoiceBody);
  const fileMap = maps.files ?? {};
  await each('files', (k) => fileMap[k], (r) => {
    const f = r as unknown as FileRecord;
    // Voucher connections carry no file name; where the backup could not learn it, it names the file
    // by its id, which a restore cannot keep (Fortnox gives the new id). Such names are not compared.
    return { Name: f.Name.startsWith(f.Id) ? '(named by its file id)' : f.Name, Size: f.Size, Sha256: f.Sha256 };
  });
  await each('supplierinvoicefileconnections', (k) => fileMap[k], (r) => ({ SupplierInvoiceNumber: r.SupplierInvoiceNumber ?? null }));
  // Connections point at numbers Fortnox gave: compare the source's, translated, with the target's.
  for await (const { key, record } of source.repository.listRecords(source.snapshotId, 'supplierinvoicefileconnections')) {
    const tk = fileMap[key];
    if (!isObject(record) || tk === undefined) continue;
    const other = await target.repository.readRecord(target.snapshotId, 'supplierinvoicefileconnections', tk).catch(() => undefined);
    const want = maps.supplierinvoices?.[str(record.SupplierInvoiceNumber)];
    if (!isObject(other) || other.SupplierInvoiceNumber !== want) diffs.push({ dataset: 'supplierinvoicefileconnections', key, field: 'SupplierInvoiceNumber (mapped)', source: want ?? null, target: isObject(other) ? (other.SupplierInvoiceNumber ?? null) : null });
  }
  for await (const { key, record } of source.repository.listRecords(source.snapshotId, 'voucherfileconnections')) {
    const tk = fileMap[key];
    if (!isObject(record) || tk === undefined) {
      diffs.push({ dataset: 'voucherfileconnections', key, field: '(record)', source: key, target: null });
      continue;
    }
    const other = await target.repository.readRecord(target.snapshotId, 'voucherfileconnections', tk).catch(() => undefined);
    const want = maps.vouchers?.[keys.voucher(str(record.VoucherYear), str(record.VoucherSeries), str(record.VoucherNumber))];
    const got = isObject(other) ? keys.voucher(str(other.VoucherYear), str(other.VoucherSeries), str(other.VoucherNumber)) : null;
    if (got !== want) diffs.push({ dataset: 'voucherfileconnections', key, field: 'voucher (mapped)', source: want ?? null, target: got });
  }
  return diffs;
}

async function yearMap(source: SnapshotRef, target: SnapshotRef): Promise<Map<string, string>> {
  const byDates = new Map<string, string>();
  for await (const { record } of target.repository.listRecords(target.snapshotId, 'financialyears')) {
    if (isObject(record)) byDates.set(`${str(record.FromDate)}/${str(record.ToDate)}`, str(record.Id));
  }
  const out = new Map<string, string>();
  for await (const { record } of source.repository.listRecords(source.snapshotId, 'financialyears')) {
    if (!isObject(record)) continue;
    const t = byDates.get(`${str(record.FromDate)}/${str(record.ToDate)}`);
    if (t !== undefined) out.set(str(record.Id), t);
  }
  return out;
}
