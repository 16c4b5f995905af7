/**
 * The data sets a backup reads (DESIGN.md §1, plus company information, financial years and voucher
 * series), described once so the backup, restore and the path guard agree on them.
 */
export type DataSetName =
  | 'companyinformation'
  | 'financialyears'
  | 'accounts'
  | 'voucherseries'
  | 'vouchers'
  | 'customers'
  | 'suppliers'
  | 'articles'
  | 'projects'
  | 'costcenters'
  | 'invoices'
  | 'supplierinvoices'
  | 'supplierinvoicefileconnections'
  | 'voucherfileconnections';

export interface DataSet {
  readonly name: DataSetName;
  /** `GET` path of the paged list, or null for a single resource (company information). */
  readonly listPath: string | null;
  /** The list's envelope key, e.g. `Customers`, `VoucherSeriesCollection`. */
  readonly listKey: string | null;
  /** Detail path with `{Field}` placeholders filled from the record's identifying fields. */
  readonly detailPath: string;
  /** The detail's envelope key, e.g. `Customer`. */
  readonly detailKey: string;
  /**
   * Fields that identify a record within the company. For per-financial-year data sets the first is
   * `Year` (the financial year's Id), which travels as `?financialyear=` rather than in the path.
   */
  readonly idFields: readonly string[];
  /** Lists and details need `?financialyear=`; the set must be read once per financial year. */
  readonly perFinancialYear: boolean;
  /** List items already hold every field of the detail, so no detail request is needed. */
  readonly listItemsComplete: boolean;
  /** The OAuth scope it needs. */
  readonly scope: string;
  /** Whether the list honours `lastmodified` (documented in Fortnox's spec or guides). */
  readonly lastModified: boolean;
}

function ds(d: DataSet): DataSet {
  return Object.freeze({ ...d, idFields: Object.freeze([...d.idFields]) });
}

export const CATALOGUE: Readonly<Record<DataSetName, DataSet>> = Object.freeze({
  companyinformation: ds({ name: 'companyinformation', listPath: null, listKey: null, detailPath: '/3/companyinformation', detailKey: 'CompanyInformation', idFields: [], perFinancialYear: false, listItemsComplete: true, scope: 'companyinformation', lastModified: false }),
  financialyears: ds({ name: 'financialyears', listPath: '/3/financialyears', listKey: 'FinancialYears', detailPath: '/3/financialyears/{Id}', detailKey: 'FinancialYear', idFields: ['Id'], perFinancialYear: false, listItemsComplete: true, scope: 'bookkeeping', lastModified: false }),
  accounts: ds({ name: 'accounts', listPath: '/3/accounts', listKey: 'Accounts', detailPath: '/3/accounts/{Number}', detailKey: 'Account', idFields: ['Year', 'Number'], perFinancialYear: true, listItemsComplete: false, scope: 'bookkeeping', lastModified: true }),
  voucherseries: ds({ name: 'voucherseries', listPath: '/3/voucherseries', listKey: 'VoucherSeriesCollection', detailPath: '/3/voucherseries/{Code}', detailKey: 'VoucherSeries', idFields: ['Year', 'Code'], perFinancialYear: true, listItemsComplete: false, scope: 'bookkeeping', lastModified: false }),
  vouchers: ds({ name: 'vouchers', listPath: '/3/vouchers', listKey: 'Vouchers', detailPath: '/3/vouchers/{VoucherSeries}/{VoucherNumber}', detailKey: 'Voucher', idFields: ['Year', 'VoucherSeries', 'VoucherNumber'], perFinancialYear: true, listItemsComplete: false, scope: 'bookkeeping', lastModified: false }),
  customers: ds({ name: 'customers', listPath: '/3/customers', listKey: 'Customers', detailPath: '/3/customers/{CustomerNumber}', detailKey: 'Customer', idFields: ['CustomerNumber'], perFinancialYear: false, listItemsComplete: false, scope: 'customer', lastModified: true }),
  suppliers: ds({ name: 'suppliers', listPath: '/3/suppliers', listKey: 'Suppliers', detailPath: '/3/suppliers/{SupplierNumber}', detailKey: 'Supplier', idFields: ['SupplierNumber'], perFinancialYear: false, listItemsComplete: false, scope: 'supplier', lastModified: true }),
  articles: ds({ name: 'articles', listPath: '/3/articles', listKey: 'Articles', detailPath: '/3/articles/{ArticleNumber}', detailKey: 'Article', idFields: ['ArticleNumber'], perFinancialYear: false, listItemsComplete: false, scope: 'article', lastModified: true }),
  projects: ds({ name: 'projects', listPath: '/3/projects', listKey: 'Projects', detailPath: '/3/projects/{ProjectNumber}', detailKey: 'Project', idFields: ['ProjectNumber'], perFinancialYear: false, listItemsComplete: false, scope: 'project', lastModified: false }),
  costcenters: ds({ name: 'costcenters', listPath: '/3/costcenters', listKey: 'CostCenters', detailPath: '/3/costcenters/{Code}', detailKey: 'CostCenter', idFields: ['Code'], perFinancialYear: false, listItemsComplete: true, scope: 'costcenter', lastModified: false }),
  invoices: ds({ name: 'invoices', listPath: '/3/invoices', listKey: 'Invoices', detailPath: '/3/invoices/{DocumentNumber}', detailKey: 'Invoice', idFields: ['DocumentNumber'], perFinancialYear: false, listItemsComplete: false, scope: 'invoice', lastModified: true }),
  supplierinvoices: ds({ name: 'supplierinvoices', listPath: '/3/supplierinvoices', listKey: 'SupplierInvoices', detailPath: '/3/supplierinvoices/{GivenNumber}', detailKey: 'SupplierInvoice', idFields: ['GivenNumber'], perFinancialYear: false, listItemsComplete: false, scope: 'supplierinvoice', lastModified: true }),
  supplierinvoicefileconnections: ds({ name: 'supplierinvoicefileconnections', listPath: '/3/supplierinvoicefileconnections', listKey: 'SupplierInvoiceFileConnections', detailPath: '/3/supplierinvoicefileconnections/{FileId}', detailKey: 'SupplierInvoiceFileConnection', idFields: ['FileId'], perFinancialYear: false, listItemsComplete: true, scope: 'connectfile', lastModified: false }),
  voucherfileconnections: ds({ name: 'voucherfileconnections', listPath: '/3/voucherfileconnections', listKey: 'VoucherFileConnections', detailPath: '/3/voucherfileconnections/{FileId}', detailKey: 'VoucherFileConnection', idFields: ['FileId'], perFinancialYear: false, listItemsComplete: true, scope: 'connectfile', lastModified: false }),
});

export const DATA_SET_NAMES = Object.freeze(Object.keys(CATALOGUE) as DataSetName[]);

/** Reads that are not data sets but that a backup needs: bytes, folders, the voucher sublist. */
export const BINARY_READ_PATHS = Object.freeze([
  '/3/invoices/{DocumentNumber}/preview',
  '/3/sie/{Type}',
  '/3/archive',
  '/3/archive/{Id}',
  '/3/inbox',
  '/3/inbox/{Id}',
  '/3/vouchers/sublist/{VoucherSeries}',
] as const);

/** Scopes a backup of every data set needs, for the authorization request. */
export const BACKUP_SCOPES = Object.freeze([...new Set([...DATA_SET_NAMES.map((n) => CATALOGUE[n].scope), 'archive', 'inbox'])]);

/** A bare identifier, the identifying fields, or the whole record (e.g. a list item). */
export type RecordId = string | number | Readonly<Record<string, unknown>>;

/**
 * The path and query of one record's detail. `id` is the record itself (or its identifying fields);
 * a bare value is accepted for data sets with a single identifying field.
 */
export function detailLocation(set: DataSet, id: RecordId): { path: string; query: Record<string, string> } {
  const fields: Readonly<Record<string, unknown>> = typeof id === 'object' ? id : set.idFields.length === 1 ? { [set.idFields[0] as string]: id } : {};
  const text = (name: string): string => {
    const v = fields[name];
    if ((typeof v !== 'string' && typeof v !== 'number') || v === '') throw new RangeError(`${set.name}: missing identifying field ${name}`);
    return String(v);
  };
  const query: Record<string, string> = {};
  if (set.perFinancialYear) {
    query.financialyear = text('Year');
  }
  // Identifiers are data, never path structure: `1/print` must stay one segment.
  const path = set.detailPath.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(text(name)));
  return { path, query };
}
