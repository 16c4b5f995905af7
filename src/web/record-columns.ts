/**
 * What the backup browser shows of each snapshot data set: its name in Swedish and English, and the few
 * columns of its table. Everything else of a record is on the record's own page.
 */
import { ATTACHMENT_DATASETS, RECORD_DATASETS, type SnapshotDataSet } from '../backup/layout.ts';
import type { Locale } from '../i18n.ts';

export type JsonObject = Record<string, unknown>;

export interface Column {
  readonly sv: string;
  readonly en: string;
  readonly value: (record: JsonObject, key: string) => string | number | null;
  /** Amounts and counts: right-aligned, formatted as numbers. */
  readonly num?: boolean;
}

interface DatasetInfo {
  readonly sv: string;
  readonly en: string;
  readonly columns: readonly Column[];
}

const ATTACHMENTS = new Set<string>(ATTACHMENT_DATASETS);
const ALL = new Set<string>([...RECORD_DATASETS, ...ATTACHMENT_DATASETS]);

/** A data set name of the snapshot layout (anything else is refused before it reaches a query). */
export function isDataset(name: string): name is SnapshotDataSet {
  return ALL.has(name);
}

export function isAttachmentDataset(name: string): boolean {
  return ATTACHMENTS.has(name);
}

const text = (v: unknown): string | null => {
  if (v === null || v === undefined || v === '') return null;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
};
const amount = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};
const f = (name: string) => (r: JsonObject): string | null => text(r[name]);
const n = (name: string) => (r: JsonObject): number | null => amount(r[name]);
/** Per-year keys are `<financial year id>/…`. */
const year = (_r: JsonObject, key: string): string | null => key.split('/')[0] ?? null;
const col = (sv: string, en: string, value: Column['value'], num = false): Column => ({ sv, en, value, num });

/** Sums a voucher's (or supplier invoice's) debit column: its total. */
export function rowsTotal(rows: unknown, field = 'Debit'): number {
  if (!Array.isArray(rows)) return 0;
  let cents = 0;
  for (const row of rows as unknown[]) {
    if (row !== null && typeof row === 'object' && (row as JsonObject).Removed !== true) cents += Math.round((amount((row as JsonObject)[field]) ?? 0) * 100);
  }
  return cents / 100;
}

const DATASETS: Readonly<Record<SnapshotDataSet, DatasetInfo>> = {
  companyinformation: { sv: 'Företagsuppgifter', en: 'Company information', columns: [col('Företag', 'Company', f('CompanyName')), col('Org.nr', 'Org. no.', f('OrganizationNumber')), col('Ort', 'City', f('City'))] },
  financialyears: { sv: 'Räkenskapsår', en: 'Financial years', columns: [col('Id', 'Id', f('Id')), col('Från', 'From', f('FromDate')), col('Till', 'To', f('ToDate')), col('Kontoplan', 'Chart', f('AccountChartType'))] },
  voucherseries: { sv: 'Verifikationsserier', en: 'Voucher series', columns: [col('År', 'Year', year), col('Serie', 'Series', f('Code')), col('Beskrivning', 'Description', f('Description')), col('Nästa nr', 'Next no.', n('NextVoucherNumber'), true)] },
  accounts: { sv: 'Konton', en: 'Accounts', columns: [col('År', 'Year', year), col('Konto', 'Account', f('Number')), col('Benämning', 'Description', f('Description')), col('Aktivt', 'Active', f('Active'))] },
  costcenters: { sv: 'Kostnadsställen', en: 'Cost centres', columns: [col('Kod', 'Code', f('Code')), col('Benämning', 'Description', f('Description')), col('Aktivt', 'Active', f('Active'))] },
  projects: { sv: 'Projekt', en: 'Projects', columns: [col('Nr', 'No.', f('ProjectNumber')), col('Benämning', 'Description', f('Description')), col('Status', 'Status', f('Status')), col('Start', 'Start', f('StartDate'))] },
  customers: { sv: 'Kunder', en: 'Customers', columns: [col('Kundnr', 'Customer no.', f('CustomerNumber')), col('Namn', 'Name', f('Name')), col('Org.nr', 'Org. no.', f('OrganisationNumber')), col('Ort', 'City', f('City'))] },
  suppliers: {
    sv: 'Leverantörer',
    en: 'Suppliers',
    columns: [
      col('Lev.nr', 'Supplier no.', f('SupplierNumber')),
      col('Namn', 'Name', f('Name')),
      col('Bankgiro/Plusgiro', 'Bankgiro/Plusgiro', (r) => [text(r.BG), text(r.PG)].filter((x) => x !== null).join(' / ') || null),
      col('IBAN / bankkonto', 'IBAN / account', (r) => text(r.IBAN) ?? ([text(r.ClearingNumber), text(r.BankAccountNumber)].filter((x) => x !== null).join('-') || null)),
      col('Bank', 'Bank', f('Bank')),
    ],
  },
  articles: { sv: 'Artiklar', en: 'Articles', columns: [col('Art.nr', 'Article no.', f('ArticleNumber')), col('Benämning', 'Description', f('Description')), col('Pris', 'Price', n('SalesPrice'), true), col('Enhet', 'Unit', f('Unit'))] },
  invoices: {
    sv: 'Kundfakturor',
    en: 'Customer invoices',
    columns: [col('Fakturanr', 'Invoice no.', f('DocumentNumber')), col('Kund', 'Customer', f('CustomerName')), col('Datum', 'Date', f('InvoiceDate')), col('Totalt', 'Total', n('Total'), true), col('Saldo', 'Balance', n('Balance'), true)],
  },
  supplierinvoices: {
    sv: 'Leverantörsfakturor',
    en: 'Supplier invoices',
    columns: [col('Löpnr', 'No.', f('GivenNumber')), col('Leverantör', 'Supplier', f('SupplierName')), col('Fakturanr', 'Invoice no.', f('InvoiceNumber')), col('Datum', 'Date', f('InvoiceDate')), col('Totalt', 'Total', n('Total'), true), col('Saldo', 'Balance', n('Balance'), true)],
  },
  supplierinvoicefileconnections: { sv: 'Filkopplingar till leverantörsfakturor', en: 'Supplier invoice file connections', columns: [col('Fil', 'File', f('Name')), col('Lev.faktura', 'Supplier invoice', f('SupplierInvoiceNumber')), col('Leverantör', 'Supplier', f('SupplierName'))] },
  voucherfileconnections: {
    sv: 'Filkopplingar till verifikationer',
    en: 'Voucher file connections',
    columns: [col('Verifikation', 'Voucher', (r) => [text(r.VoucherSeries), text(r.VoucherNumber)].filter((x) => x !== null).join(' ') || null), col('År', 'Year', f('VoucherYear')), col('Beskrivning', 'Description', f('VoucherDescription'))],
  },
  vouchers: {
    sv: 'Verifikationer',
    en: 'Vouchers',
    columns: [
      col('Verifikation', 'Voucher', (r) => [text(r.VoucherSeries), text(r.VoucherNumber)].filter((x) => x !== null).join(' ') || null),
      col('År', 'Year', year),
      col('Datum', 'Date', f('TransactionDate')),
      col('Beskrivning', 'Description', f('Description')),
      col('Summa', 'Total', (r) => rowsTotal(r.VoucherRows), true),
    ],
  },
  files: { sv: 'Filer', en: 'Files', columns: [col('Namn', 'Name', f('Name')), col('Typ', 'Type', f('ContentType')), col('Storlek (byte)', 'Size (bytes)', n('Size'), true)] },
  filecontents: { sv: 'Filinnehåll (bilagor)', en: 'File contents (attachments)', columns: [col('Namn', 'Name', f('Name')), col('Typ', 'Type', f('ContentType')), col('Storlek (byte)', 'Size (bytes)', n('Size'), true)] },
  invoicepdfs: { sv: 'Faktura-PDF:er', en: 'Invoice PDFs', columns: [col('Fakturanr', 'Invoice no.', (_r, key) => key), col('Storlek (byte)', 'Size (bytes)', n('Size'), true)] },
  sie: { sv: 'SIE-filer', en: 'SIE files', columns: [col('Räkenskapsår', 'Financial year', year), col('SIE-typ', 'SIE type', (_r, key) => key.split('/')[1] ?? null), col('Storlek (byte)', 'Size (bytes)', n('Size'), true)] },
};

export function datasetName(locale: Locale, dataset: SnapshotDataSet): string {
  return DATASETS[dataset][locale];
}

export function datasetColumns(dataset: SnapshotDataSet): readonly Column[] {
  return DATASETS[dataset].columns;
}

/** The table row of a record: each column's value. */
export function rowValues(dataset: SnapshotDataSet, record: JsonObject, key: string): (string | number | null)[] {
  return DATASETS[dataset].columns.map((c) => c.value(record, key));
}

/** Does the record's key or one of its shown columns contain the text (case-insensitive)? */
export function rowMatches(dataset: SnapshotDataSet, record: JsonObject, key: string, query: string): boolean {
  const q = query.toLocaleLowerCase('sv');
  if (key.toLocaleLowerCase('sv').includes(q)) return true;
  return rowValues(dataset, record, key).some((v) => v !== null && String(v).toLocaleLowerCase('sv').includes(q));
}
