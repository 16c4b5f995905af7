/**
 * Test support: writes a snapshot of a simulated company straight through the repository writer,
 * following src/backup/layout.ts exactly (data set names, record keys, FileRecord), so verification and
 * export can be tested on realistic data without a backup run. The company comes from the simulator's
 * generator; SIE files are the simulator's own export of each financial year.
 */
import { createHash } from 'node:crypto';
import { keys, type FileRecord } from '../backup/layout.ts';
import type { JsonValue } from '../repository/canonical-json.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import { invoicePdf } from '../simulator/documents.ts';
import { generateCompany } from '../simulator/generate.ts';
import type { SimCompany, Stored } from '../simulator/model.ts';
import { exportSie } from '../simulator/sie-export.ts';

export const FIXTURE_NOW = Date.parse('2026-03-15T12:00:00Z');

/** The simulator's small company (fixed seed). */
export function smallCompany(tenantId = 5550001, seed = 7): SimCompany {
  return generateCompany({ seed, size: 'small', index: 0, tenantId, now: FIXTURE_NOW });
}

export interface FixtureOptions {
  /** SIE types per financial year (default 1–4). */
  readonly sieTypes?: readonly (1 | 2 | 3 | 4)[];
  /** Leave out invoice PDFs (they take a moment to render). */
  readonly invoicePdfs?: boolean;
  /** Extra run meta, e.g. `{ totals: { vouchersByYear: { '3': 10 } } }`. */
  readonly run?: Record<string, JsonValue>;
  /** Change the company's data before writing (tests of odd records). */
  readonly edit?: (c: SimCompany) => void;
}

/** Writes one snapshot of `company` and returns it. */
export async function writeCompanySnapshot(repo: Repository, company: SimCompany, options: FixtureOptions = {}): Promise<SnapshotInfo> {
  options.edit?.(company);
  const w = await repo.beginSnapshot({ runMeta: { runId: 'fixture', ...(options.run ?? {}) } });
  const put = async (dataset: string, entries: Iterable<[string, Stored]>, key: (k: string, s: Stored) => string = (k) => k): Promise<void> => {
    for (const [k, s] of entries) await w.putRecord(dataset, key(k, s), s.data);
  };
  await w.putRecord('companyinformation', keys.companyinformation(), company.info);
  for (const y of company.financialYears) await w.putRecord('financialyears', keys.financialyear(str(y.data.Id)), y.data);
  for (const [year, series] of company.voucherSeries) for (const [code, s] of series) await w.putRecord('voucherseries', keys.voucherseries(year, code), s.data);
  for (const [year, accounts] of company.accounts) for (const [number, s] of accounts) await w.putRecord('accounts', keys.account(year, number), s.data);
  await put('costcenters', company.costCenters);
  await put('projects', company.projects);
  await put('customers', company.customers);
  await put('suppliers', company.suppliers);
  await put('articles', company.articles);
  await put('invoices', company.invoices);
  await put('supplierinvoices', company.supplierInvoices);
  await put('supplierinvoicefileconnections', company.supplierInvoiceFileConnections);
  await put('voucherfileconnections', company.voucherFileConnections);
  await put('vouchers', company.vouchers, (k) => {
    const [year, series, number] = k.split(':') as [string, string, string];
    return keys.voucher(year, series, number);
  });
  const connected = new Map<string, FileRecord['ConnectedTo']>();
  for (const [fileId, s] of company.supplierInvoiceFileConnections) connected.set(fileId, [...(connected.get(fileId) ?? []), { type: 'supplierinvoice', key: str(s.data.SupplierInvoiceNumber) }]);
  for (const [fileId, s] of company.voucherFileConnections) {
    connected.set(fileId, [...(connected.get(fileId) ?? []), { type: 'voucher', key: keys.voucher(str(s.data.VoucherYear), str(s.data.VoucherSeries), str(s.data.VoucherNumber)) }]);
  }
  for (const [fileId, f] of company.files) {
    if (!connected.has(fileId)) continue; // a backup downloads connected files only
    const bytes = f.content();
    const record: FileRecord = {
      Id: f.id,
      ArchiveFileId: f.archiveFileId,
      Name: f.name,
      Path: f.folder,
      ContentType: f.contentType,
      Size: bytes.length,
      Sha256: createHash('sha256').update(bytes).digest('hex'),
      ConnectedTo: connected.get(fileId)!,
    };
    await w.putRecord('files', keys.file(fileId), record);
    await w.putAttachment('filecontents', keys.file(fileId), bytes);
  }
  if (options.invoicePdfs !== false) {
    for (const [number, s] of company.invoices) await w.putAttachment('invoicepdfs', keys.invoicepdf(number), invoicePdf(company, s.data));
  }
  for (const y of company.financialYears) {
    const id = Number(y.data.Id);
    for (const type of options.sieTypes ?? [1, 2, 3, 4]) await w.putAttachment('sie', keys.sie(id, type), exportSie(company, type, id, FIXTURE_NOW));
  }
  const snap = await w.commit();
  return repo.readSnapshot(snap.id);
}

/** A scalar field as text. */
function str(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

/** Vouchers per financial year id, as Fortnox would count them. */
export function vouchersByYear(company: SimCompany): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of company.vouchers.keys()) {
    const year = k.slice(0, k.indexOf(':'));
    out[year] = (out[year] ?? 0) + 1;
  }
  return out;
}
