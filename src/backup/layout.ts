/**
 * How a tenant's Fortnox data is laid out in a snapshot: the contract between the backup run (which
 * writes it), and export, verification, restore, the CLI and the web application (which read it).
 * Change it only with a snapshot format note in docs/backup.md.
 *
 * Record data sets hold Fortnox's **detail** JSON exactly as received (minus `@url` and the other
 * `@url…` links such as `@urlTaxReductionList`, which name the host that served them and change with
 * nothing). The client hands over parsed JSON, so records are stored with `putRecord`: numbers take
 * JavaScript's shortest spelling (`100.50` → `100.5`; the value is unchanged). Attachment data sets hold raw bytes, never re-encoded.
 */

/** Record data sets (JSON), in the order a backup reads them and a restore writes them. */
export const RECORD_DATASETS = [
  'companyinformation',
  'financialyears',
  'voucherseries',
  'accounts',
  'costcenters',
  'projects',
  'customers',
  'suppliers',
  'articles',
  'invoices',
  'supplierinvoices',
  'supplierinvoicefileconnections',
  'voucherfileconnections',
  'vouchers',
  'files',
] as const;

/** Attachment data sets (bytes). */
export const ATTACHMENT_DATASETS = ['filecontents', 'invoicepdfs', 'sie'] as const;

export type RecordDataSet = (typeof RECORD_DATASETS)[number];
export type AttachmentDataSet = (typeof ATTACHMENT_DATASETS)[number];
export type SnapshotDataSet = RecordDataSet | AttachmentDataSet;

/**
 * The ten data sets of the service terms (DESIGN.md §1) and the snapshot data sets that make up each.
 * The UI and export group by these; completeness is reported per snapshot data set.
 */
export const TERMS_DATASETS: Readonly<Record<string, { sv: string; en: string; datasets: readonly SnapshotDataSet[] }>> = {
  supplierInvoices: { sv: 'Kopplade leverantörsfakturor', en: 'Supplier invoices with files', datasets: ['supplierinvoices', 'supplierinvoicefileconnections', 'files', 'filecontents'] },
  sie: { sv: 'SIE-filer', en: 'SIE files', datasets: ['sie'] },
  vouchers: { sv: 'Kopplade verifikat', en: 'Vouchers with files', datasets: ['vouchers', 'voucherfileconnections', 'files', 'filecontents'] },
  invoices: { sv: 'Kundfakturor', en: 'Customer invoices', datasets: ['invoices', 'invoicepdfs'] },
  customers: { sv: 'Kundregister', en: 'Customers', datasets: ['customers'] },
  articles: { sv: 'Artikelregister', en: 'Articles', datasets: ['articles'] },
  projects: { sv: 'Projektregister', en: 'Projects', datasets: ['projects'] },
  accounts: { sv: 'Kontoplan', en: 'Chart of accounts', datasets: ['financialyears', 'accounts', 'voucherseries'] },
  costcenters: { sv: 'Kostnadsställen', en: 'Cost centres', datasets: ['costcenters'] },
  suppliers: { sv: 'Leverantörer', en: 'Suppliers', datasets: ['suppliers'] },
};

/**
 * Record keys. Per-financial-year data sets are prefixed by the financial year's `Id`, because
 * Fortnox numbers accounts, series and vouchers per year. Keys are plain strings compared by bytes;
 * they are never padded, so they read like Fortnox's own identifiers.
 */
export const keys = {
  companyinformation: (): string => 'company',
  financialyear: (id: number | string): string => String(id),
  voucherseries: (year: number | string, code: string): string => `${year}/${code}`,
  account: (year: number | string, number: number | string): string => `${year}/${number}`,
  voucher: (year: number | string, series: string, number: number | string): string => `${year}/${series}/${number}`,
  /** Registers, invoices, supplier invoices and file connections: their own number/code/FileId. */
  byId: (id: number | string): string => String(id),
  /** `files` (metadata record) and `filecontents` (bytes): the archive/inbox file `Id`. */
  file: (fileId: string): string => fileId,
  invoicepdf: (documentNumber: number | string): string => String(documentNumber),
  /** `sie`: one attachment per financial year and SIE type (1–4). */
  sie: (year: number | string, type: 1 | 2 | 3 | 4): string => `${year}/${type}`,
} as const;

/**
 * The `files` record kept beside each `filecontents` attachment, since the bytes alone carry no name:
 * what a restore needs to upload the file again and what an export names it by.
 */
export interface FileRecord {
  /** Fortnox's file `Id` (what connections point at). */
  Id: string;
  /** `ArchiveFileId` when known (from a folder listing), else null. */
  ArchiveFileId: string | null;
  Name: string;
  /** Archive path or inbox folder id the file was found in, when known. */
  Path: string | null;
  ContentType: string;
  Size: number;
  /** Lower-case hex SHA-256 of the bytes, for export manifests and verification. */
  Sha256: string;
  /** Which connections referenced it when it was first stored. */
  ConnectedTo: { type: 'supplierinvoice' | 'voucher'; key: string }[];
}
