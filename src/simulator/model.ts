/**
 * The simulator's in-memory state. Records are kept in Fortnox's own *detail* shape (field names and
 * value types exactly as Fortnox sends them, without `@url`), so the HTTP layer only has to project
 * list fields, add `@url` and wrap envelopes. Everything here is owned by the simulator and shares no
 * code with the Fortnox client (DESIGN.md §2), so it can catch the client's mistakes.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type FortnoxRecord = { [field: string]: Json };

/** A record plus the bookkeeping Fortnox keeps about it but does not send. */
export interface Stored<T extends FortnoxRecord = FortnoxRecord> {
  data: T;
  /** Simulated epoch milliseconds of the last create or update; drives the `lastmodified` filter. */
  modified: number;
}

export type SimulatorSize = 'small' | 'medium' | 'large';

/** A file in the archive or the inbox. */
export interface SimFile {
  /** Fortnox's file `Id` (a UUID); file connections point at this. */
  id: string;
  /** Fortnox's `ArchiveFileId` (a UUID); `GET /3/archive?fileid=` takes this. */
  archiveFileId: string;
  name: string;
  /** `archive` folders are paths like `Kopplade filer/2025/03`; `inbox` folders are ids like `inbox_s`. */
  store: 'archive' | 'inbox';
  folder: string;
  contentType: string;
  /** Size in bytes, known without producing the content (archive listings show it). */
  size: number;
  /**
   * The file's bytes. Generated files re-create their content deterministically on each call, so a
   * large company does not keep thousands of attachments in memory; uploaded files return their buffer.
   */
  content: () => Buffer;
  comments: string;
  modified: number;
}

/** Side effects a backup must never cause; the control API exposes them to tests. */
export interface SideEffects {
  /** DocumentNumbers of invoices whose `/print` (or `/email`, `/eprint`, `/einvoice`) was called. */
  printed: Set<string>;
  emailed: Set<string>;
  eprinted: Set<string>;
  einvoiced: Set<string>;
  /** Count of successful writes (POST/PUT/DELETE) through the API. */
  writes: number;
}

/**
 * Company details Fortnox keeps in its settings (`/3/settings/company`) rather than in
 * `CompanyInformation`; invoice PDFs print them.
 */
export interface CompanyProfile {
  vatNumber: string;
  phone: string;
  email: string;
  www: string;
  bankgiro: string;
  plusgiro: string;
  iban: string;
  bic: string;
}

/** How a company was generated, so a simulated business day continues in the same style. */
export interface GeneratorSettings {
  seed: number;
  size: SimulatorSize;
  /** Employees on the monthly payroll (0: no salaries). */
  employees: number;
  /** How often VAT is reported and settled. */
  vatPeriod: 'month' | 'quarter';
}

export interface SimCompany {
  /** Fortnox's tenant id, equal to `DatabaseNumber` in `/3/companyinformation`. */
  tenantId: number;
  /** The `CompanyInformation` record. */
  info: FortnoxRecord;
  /** Optional so that hand-built test companies need none; generated companies always have one. */
  profile?: CompanyProfile;
  /** Set by the data generator; absent on hand-built companies. */
  generator?: GeneratorSettings;
  /** `FinancialYear` records: Id, FromDate, ToDate, AccountChartType, AccountingMethod. Sorted by FromDate. */
  financialYears: Stored[];
  /** `Account` records per financial year id, keyed by account Number (as a string). */
  accounts: Map<number, Map<string, Stored>>;
  /** `VoucherSeries` records per financial year id, keyed by Code. */
  voucherSeries: Map<number, Map<string, Stored>>;
  /** `Voucher` records (with `VoucherRows`) keyed by `voucherKey(year, series, number)`. */
  vouchers: Map<string, Stored>;
  customers: Map<string, Stored>;
  suppliers: Map<string, Stored>;
  articles: Map<string, Stored>;
  projects: Map<string, Stored>;
  costCenters: Map<string, Stored>;
  /** `Invoice` records (with `InvoiceRows`) keyed by DocumentNumber. */
  invoices: Map<string, Stored>;
  /** `SupplierInvoice` records (with `SupplierInvoiceRows`) keyed by GivenNumber. */
  supplierInvoices: Map<string, Stored>;
  /** Files keyed by `SimFile.id`. */
  files: Map<string, SimFile>;
  /** `SupplierInvoiceFileConnection` records keyed by FileId. */
  supplierInvoiceFileConnections: Map<string, Stored>;
  /** `VoucherFileConnection` records keyed by FileId. */
  voucherFileConnections: Map<string, Stored>;
  sideEffects: SideEffects;
}

export function voucherKey(financialYear: number, series: string, number: number): string {
  return `${financialYear}:${series}:${number}`;
}

/** A company with identity only: no years, accounts, records or files yet. */
export function emptyCompany(tenantId: number, info: FortnoxRecord): SimCompany {
  return {
    tenantId,
    info,
    financialYears: [],
    accounts: new Map(),
    voucherSeries: new Map(),
    vouchers: new Map(),
    customers: new Map(),
    suppliers: new Map(),
    articles: new Map(),
    projects: new Map(),
    costCenters: new Map(),
    invoices: new Map(),
    supplierInvoices: new Map(),
    files: new Map(),
    supplierInvoiceFileConnections: new Map(),
    voucherFileConnections: new Map(),
    sideEffects: emptySideEffects(),
  };
}

export function emptySideEffects(): SideEffects {
  return { printed: new Set(), emailed: new Set(), eprinted: new Set(), einvoiced: new Set(), writes: 0 };
}
