/**
 * What the simulator knows about each Fortnox data set: where it lives in a company, its key, the
 * fields a list returns (a subset of the detail, in Fortnox's order, with Fortnox's list quirks), the
 * sort fields and filters the list accepts, its "not found" error and the scope that guards it.
 * Field names and list subsets follow Fortnox's OpenAPI list-item schemas and the recorded traffic.
 */
import type { FortnoxRecord, Json, SimCompany, Stored } from './model.ts';

export type Scope =
  | 'companyinformation' | 'customer' | 'supplier' | 'article' | 'project' | 'costcenter' | 'bookkeeping'
  | 'invoice' | 'supplierinvoice' | 'connectfile' | 'archive' | 'inbox' | 'settings';

export const ALL_SCOPES: readonly Scope[] = [
  'companyinformation', 'customer', 'supplier', 'article', 'project', 'costcenter', 'bookkeeping',
  'invoice', 'supplierinvoice', 'connectfile', 'archive', 'inbox', 'settings',
];

/** A list field: the same name as in the detail, or `[listName, detailName]` where Fortnox renames it. */
export type ListField = string | readonly [string, string];

export interface ListQuirks {
  /** Fields a list sends as strings although the detail sends numbers (articles: `"QuantityInStock":"0"`). */
  numbersAsStrings?: readonly string[];
  /** Fields a list sends as `""` where the detail sends `null` (customers: `Address1`). */
  nullAsEmpty?: readonly string[];
  /** Fields a list sends as `null` when the detail has 0 (articles' `VAT` in the recordings). */
  zeroAsNull?: readonly string[];
}

export type RecordFilter = (record: FortnoxRecord, today: string) => boolean;

export interface SearchParam {
  field: string;
  /** Substring (Fortnox's `ILIKE '%v%'`) unless exact; `bool` compares `true`/`false`. */
  match: 'substring' | 'exact' | 'bool';
}

/** Value types for write validation: string, number, boolean, array, object. */
export type FieldType = 's' | 'n' | 'b' | 'a' | 'o';

export interface ResourceDef {
  /** Path segment under `/3/`. */
  path: string;
  plural: string;
  singular: string;
  key: string;
  scope: Scope;
  collection(company: SimCompany): Map<string, Stored>;
  listFields: readonly ListField[];
  quirks: ListQuirks;
  /** `sortby` value → field. The first entry is the default order. */
  sortFields: Readonly<Record<string, string>>;
  filters: Readonly<Record<string, RecordFilter>>;
  search: Readonly<Record<string, SearchParam>>;
  /** Field `fromdate`/`todate` and `financialyear` filter on. */
  dateField?: string;
  notFound: readonly [message: string, code: number];
  /** Writable fields and their types (fortnox_* detail schemas). */
  fields: Readonly<Record<string, FieldType>>;
}

export function parseFieldTypes(spec: string): Record<string, FieldType> {
  return Object.fromEntries(spec.trim().split(/\s+/).map((p) => {
    const [name, type] = p.split(':') as [string, FieldType];
    return [name, type];
  }));
}

const num = (v: Json | undefined): number => (typeof v === 'number' ? v : Number(v ?? 0));
const activeFilters: Record<string, RecordFilter> = {
  active: (r) => r.Active === true,
  inactive: (r) => r.Active === false,
};
const unpaid = (r: FortnoxRecord): boolean => r.Booked === true && r.Cancelled !== true && num(r.Balance) !== 0;
const invoiceFilters: Record<string, RecordFilter> = {
  cancelled: (r) => r.Cancelled === true || r.Cancel === true,
  fullypaid: (r) => r.Booked === true && r.Cancelled !== true && num(r.Balance) === 0,
  unpaid,
  unpaidoverdue: (r, today) => unpaid(r) && typeof r.DueDate === 'string' && r.DueDate < today,
  unbooked: (r) => r.Booked !== true && r.Cancelled !== true,
};
const sub = (field: string): SearchParam => ({ field, match: 'substring' });
const exact = (field: string): SearchParam => ({ field, match: 'exact' });
const bool = (field: string): SearchParam => ({ field, match: 'bool' });

export const CUSTOMERS: ResourceDef = {
  path: 'customers', plural: 'Customers', singular: 'Customer', key: 'CustomerNumber', scope: 'customer',
  collection: (c) => c.customers,
  listFields: ['Address1', 'Address2', 'City', 'CustomerNumber', 'Email', 'Name', 'OrganisationNumber', ['Phone', 'Phone1'], 'ZipCode'],
  quirks: { nullAsEmpty: ['Address1', 'Address2', 'City', 'Email', 'OrganisationNumber', 'Phone', 'ZipCode'] },
  sortFields: { customernumber: 'CustomerNumber', name: 'Name' },
  filters: activeFilters,
  search: {
    customernumber: exact('CustomerNumber'), name: sub('Name'), zipcode: sub('ZipCode'), city: sub('City'), email: sub('Email'),
    phone: sub('Phone1'), organisationnumber: sub('OrganisationNumber'), gln: sub('GLN'), glndelivery: sub('GLNDelivery'),
  },
  notFound: ['Kan inte hitta kunden.', 2000433],
  fields: parseFieldTypes('Active:b Address1:s Address2:s City:s Comments:s CostCenter:s Country:s CountryCode:s Currency:s CustomerNumber:s DefaultDeliveryTypes:o DefaultTemplates:o DeliveryAddress1:s DeliveryAddress2:s DeliveryCity:s DeliveryCountry:s DeliveryCountryCode:s DeliveryFax:s DeliveryName:s DeliveryPhone1:s DeliveryPhone2:s DeliveryZipCode:s Email:s EmailInvoice:s EmailInvoiceBCC:s EmailInvoiceCC:s EmailOffer:s EmailOfferBCC:s EmailOfferCC:s EmailOrder:s EmailOrderBCC:s EmailOrderCC:s ExternalReference:s Fax:s GLN:s GLNDelivery:s InvoiceAdministrationFee:s InvoiceDiscount:n InvoiceFreight:s InvoiceRemark:s Name:s OrganisationNumber:s OurReference:s Phone1:s Phone2:s PriceList:s Project:s SalesAccount:s ShowPriceVATIncluded:b TermsOfDelivery:s TermsOfPayment:s Type:s VATNumber:s VATType:s VisitingAddress:s VisitingCity:s VisitingCountry:s VisitingCountryCode:s VisitingZipCode:s WWW:s WayOfDelivery:s YourReference:s ZipCode:s'),
};

export const SUPPLIERS: ResourceDef = {
  path: 'suppliers', plural: 'Suppliers', singular: 'Supplier', key: 'SupplierNumber', scope: 'supplier',
  collection: (c) => c.suppliers,
  listFields: ['Active', 'Address1', 'Address2', 'BG', 'BIC', 'BankAccountNumber', 'City', 'CostCenter', 'CountryCode', 'Currency', 'DisablePaymentFile', 'Email', 'IBAN', 'Name', 'OrganisationNumber', 'PG', ['Phone', 'Phone1'], 'PreDefinedAccount', 'Project', 'SupplierNumber', 'TermsOfPayment', 'ZipCode'],
  quirks: { nullAsEmpty: ['Address1', 'Address2', 'City', 'Email', 'OrganisationNumber', 'Phone', 'ZipCode'] },
  sortFields: { suppliernumber: 'SupplierNumber', name: 'Name' },
  filters: activeFilters,
  search: {
    suppliernumber: exact('SupplierNumber'), name: sub('Name'), zipcode: sub('ZipCode'), city: sub('City'), email: sub('Email'),
    phone: sub('Phone1'), organisationnumber: sub('OrganisationNumber'),
  },
  notFound: ['Kan inte hitta leverantören.', 2000435],
  fields: parseFieldTypes('Active:b Address1:s Address2:s BG:s BIC:s Bank:s BankAccountNumber:s BranchCode:s City:s ClearingNumber:s Comments:s CostCenter:s Country:s CountryCode:s Currency:s DisablePaymentFile:b Email:s Fax:s IBAN:s Name:s OrganisationNumber:s OurCustomerNumber:s OurReference:s PG:s Phone1:s Phone2:s PreDefinedAccount:s Project:s SupplierNumber:s TermsOfPayment:s VATNumber:s VATType:s VisitingAddress:s VisitingCity:s VisitingCountry:s VisitingCountryCode:s VisitingZipCode:s WWW:s WorkPlace:s YourReference:s ZipCode:s'),
};

export const ARTICLES: ResourceDef = {
  path: 'articles', plural: 'Articles', singular: 'Article', key: 'ArticleNumber', scope: 'article',
  collection: (c) => c.articles,
  listFields: ['ArticleNumber', 'Description', 'DisposableQuantity', 'EAN', 'Housework', 'PurchasePrice', 'SalesPrice', 'QuantityInStock', 'ReservedQuantity', 'StockPlace', 'StockValue', 'Unit', 'VAT', 'WebshopArticle'],
  quirks: { numbersAsStrings: ['DisposableQuantity', 'PurchasePrice', 'SalesPrice', 'QuantityInStock', 'ReservedQuantity', 'StockValue', 'VAT'], zeroAsNull: ['VAT'] },
  sortFields: { articlenumber: 'ArticleNumber', quantityinstock: 'QuantityInStock', reservedquantity: 'ReservedQuantity', stockvalue: 'StockValue' },
  filters: activeFilters,
  search: {
    articlenumber: exact('ArticleNumber'), description: sub('Description'), ean: sub('EAN'), suppliernumber: exact('SupplierNumber'),
    manufacturer: sub('Manufacturer'), manufacturerarticlenumber: sub('ManufacturerArticleNumber'), webshop: bool('WebshopArticle'),
  },
  notFound: ['Kan inte hitta artikeln.', 2000428],
  fields: parseFieldTypes('Active:b ArticleNumber:s Bulky:b ConstructionAccount:n CostCalculationMethod:s DefaultStockLocation:s DefaultStockPoint:s Depth:n Description:s DirectCost:n DisposableQuantity:n EAN:s EUAccount:n EUVATAccount:n Expired:b ExportAccount:n FreightCost:n Height:n Housework:b HouseworkType:s Manufacturer:s ManufacturerArticleNumber:s Note:s OtherCost:n PurchaseAccount:n PurchasePrice:n QuantityInStock:n ReservedQuantity:n SalesAccount:n SalesPrice:n StockAccount:n StockChangeAccount:n StockGoods:b StockPlace:s StockValue:n StockWarning:n SupplierName:s SupplierNumber:s Type:s Unit:s VAT:n WebshopArticle:b Weight:n Width:n CommodityCode:s'),
};

export const PROJECTS: ResourceDef = {
  path: 'projects', plural: 'Projects', singular: 'Project', key: 'ProjectNumber', scope: 'project',
  collection: (c) => c.projects,
  listFields: ['Description', 'EndDate', 'ProjectLeader', 'ProjectNumber', 'StartDate', 'Status'],
  quirks: {},
  sortFields: { projectnumber: 'ProjectNumber', description: 'Description' },
  filters: {},
  search: { description: sub('Description'), projectleader: sub('ProjectLeader'), status: exact('Status') },
  notFound: ['Kan inte hitta projektet.', 2001161],
  fields: parseFieldTypes('Comments:s ContactPerson:s Description:s EndDate:s ProjectLeader:s ProjectNumber:s StartDate:s Status:s'),
};

export const COST_CENTERS: ResourceDef = {
  path: 'costcenters', plural: 'CostCenters', singular: 'CostCenter', key: 'Code', scope: 'costcenter',
  collection: (c) => c.costCenters,
  listFields: ['Active', 'Code', 'Description', 'Note'],
  quirks: {},
  sortFields: { code: 'Code', description: 'Description' },
  filters: activeFilters,
  search: { code: exact('Code'), description: sub('Description') },
  notFound: ['Kan inte hitta kostnadsstället.', 2001162],
  fields: parseFieldTypes('Active:b Code:s Description:s Note:s'),
};

export const INVOICES: ResourceDef = {
  path: 'invoices', plural: 'Invoices', singular: 'Invoice', key: 'DocumentNumber', scope: 'invoice',
  collection: (c) => c.invoices,
  listFields: ['Balance', 'Booked', 'Cancelled', 'CostCenter', 'Currency', 'CurrencyRate', 'CurrencyUnit', 'CustomerName', 'CustomerNumber', 'DocumentNumber', 'DueDate', 'ExternalInvoiceReference1', 'ExternalInvoiceReference2', 'InvoiceDate', 'InvoiceType', 'NoxFinans', 'OCR', 'VoucherNumber', 'VoucherSeries', 'VoucherYear', 'WayOfDelivery', 'TermsOfPayment', 'Project', 'Sent', 'Total', 'FinalPayDate'],
  quirks: { numbersAsStrings: ['CurrencyRate'] },
  sortFields: { documentnumber: 'DocumentNumber', customername: 'CustomerName', customernumber: 'CustomerNumber', invoicedate: 'InvoiceDate', ocr: 'OCR', total: 'Total' },
  filters: invoiceFilters,
  search: {
    costcenter: exact('CostCenter'), customername: sub('CustomerName'), customernumber: exact('CustomerNumber'), documentnumber: exact('DocumentNumber'),
    ocr: exact('OCR'), ourreference: sub('OurReference'), yourreference: sub('YourReference'), project: exact('Project'), sent: bool('Sent'),
    externalinvoicereference1: sub('ExternalInvoiceReference1'), externalinvoicereference2: sub('ExternalInvoiceReference2'),
    invoicetype: exact('InvoiceType'), currency: exact('Currency'), yourordernumber: sub('YourOrderNumber'), credit: bool('Credit'),
    notcompleted: bool('NotCompleted'),
  },
  dateField: 'InvoiceDate',
  notFound: ['Kan inte hitta fakturan.', 2000434],
  fields: parseFieldTypes('AccountingMethod:s Address1:s Address2:s AdministrationFee:n AdministrationFeeVAT:n Balance:n BasisTaxReduction:n Booked:b Cancelled:b City:s Comments:s ContractReference:n ContributionPercent:n ContributionValue:n CostCenter:s Country:s Credit:s CreditInvoiceReference:s Currency:s CurrencyRate:n CurrencyUnit:n CustomerName:s CustomerNumber:s DeliveryAddress1:s DeliveryAddress2:s DeliveryCity:s DeliveryCountry:s DeliveryDate:s DeliveryName:s DeliveryZipCode:s DocumentNumber:s DueDate:s EDIInformation:o EUQuarterlyReport:b EmailInformation:o ExternalInvoiceReference1:s ExternalInvoiceReference2:s FinalPayDate:s Freight:n FreightVAT:n Gross:n HouseWork:b InvoiceDate:s InvoicePeriodEnd:s InvoicePeriodReference:s InvoicePeriodStart:s InvoiceRows:a InvoiceType:s Labels:a Language:s LastRemindDate:s Net:n NotCompleted:b NoxFinans:b OCR:s OfferReference:s OrderReference:s OrganisationNumber:s OurReference:s OutboundDate:s PaymentWay:s Phone1:s Phone2:s PriceList:s PrintTemplate:s Project:s Remarks:s Reminders:n RoundOff:n Sent:b TaxReduction:n TaxReductionType:s TermsOfDelivery:s TermsOfPayment:s TimeBasisReference:n Total:n TotalToPay:n TotalVAT:n VATIncluded:b VoucherNumber:n VoucherSeries:s VoucherYear:n WarehouseReady:b WayOfDelivery:s YourOrderNumber:s YourReference:s ZipCode:s'),
};

export const SUPPLIER_INVOICES: ResourceDef = {
  path: 'supplierinvoices', plural: 'SupplierInvoices', singular: 'SupplierInvoice', key: 'GivenNumber', scope: 'supplierinvoice',
  collection: (c) => c.supplierInvoices,
  listFields: ['AuthorizerName', 'Balance', 'Booked', ['Cancel', 'Cancelled'], 'CostCenter', 'Credit', 'Currency', 'CurrencyRate', 'CurrencyUnit', 'DueDate', 'ExternalInvoiceNumber', 'ExternalInvoiceSeries', 'FinalPayDate', 'GivenNumber', 'InvoiceDate', 'InvoiceNumber', 'Project', 'SupplierName', 'SupplierNumber', 'Total', 'Vouchers'],
  quirks: {},
  sortFields: { givennumber: 'GivenNumber', invoicedate: 'InvoiceDate', suppliername: 'SupplierName', suppliernumber: 'SupplierNumber', total: 'Total' },
  filters: {
    ...invoiceFilters,
    cancelled: (r) => r.Cancelled === true || r.Cancel === true,
    pendingpayment: (r) => r.PaymentPending === true,
    authorizepending: (r) => r.Booked !== true && r.Cancelled !== true && r.PaymentPending !== true,
  },
  search: {
    suppliernumber: exact('SupplierNumber'), suppliername: sub('SupplierName'), invoicenumber: sub('InvoiceNumber'), ocr: exact('OCR'),
    givennumber: exact('GivenNumber'), project: exact('Project'), costcenter: exact('CostCenter'),
  },
  dateField: 'InvoiceDate',
  notFound: ['Kan inte hitta leverantörsfakturan.', 2000436],
  fields: parseFieldTypes('AccountingMethod:s AdministrationFee:s Balance:s Booked:b Cancelled:b Comments:s CostCenter:s Credit:b CreditReference:n Currency:s CurrencyRate:s CurrencyUnit:n DisablePaymentFile:b DueDate:s ExternalInvoiceNumber:s ExternalInvoiceSeries:s FinalPayDate:s Freight:s GivenNumber:s InvoiceDate:s InvoiceNumber:s OCR:s OurReference:s PaymentPending:b Project:s RoundOffValue:s SalesType:s SupplierInvoiceRows:a SupplierName:s SupplierNumber:s Total:s VAT:s VATType:s VoucherNumber:n VoucherSeries:s VoucherYear:n Vouchers:a YourReference:s'),
};

export const SUPPLIER_INVOICE_FILE_CONNECTIONS: ResourceDef = {
  path: 'supplierinvoicefileconnections', plural: 'SupplierInvoiceFileConnections', singular: 'SupplierInvoiceFileConnection', key: 'FileId', scope: 'connectfile',
  collection: (c) => c.supplierInvoiceFileConnections,
  listFields: ['FileId', 'Name', 'SupplierInvoiceNumber', 'SupplierName'],
  quirks: {},
  sortFields: { fileid: 'FileId' },
  filters: {},
  search: { supplierinvoicenumber: exact('SupplierInvoiceNumber') },
  notFound: ['Kan inte hitta filkopplingen.', 2001163],
  fields: parseFieldTypes('FileId:s Name:s SupplierInvoiceNumber:s SupplierName:s'),
};

export const VOUCHER_FILE_CONNECTIONS: ResourceDef = {
  path: 'voucherfileconnections', plural: 'VoucherFileConnections', singular: 'VoucherFileConnection', key: 'FileId', scope: 'connectfile',
  collection: (c) => c.voucherFileConnections,
  listFields: ['FileId', 'VoucherDescription', 'VoucherNumber', 'VoucherSeries', 'VoucherYear'],
  quirks: {},
  sortFields: { fileid: 'FileId' },
  filters: {},
  search: { voucherseries: exact('VoucherSeries'), vouchernumber: exact('VoucherNumber'), voucheryear: exact('VoucherYear') },
  notFound: ['Kan inte hitta filkopplingen.', 2001163],
  fields: parseFieldTypes('FileId:s VoucherDescription:s VoucherNumber:s VoucherSeries:s VoucherYear:n'),
};

/** The data sets that are one flat collection per company, keyed by one field. */
export const SIMPLE_RESOURCES: readonly ResourceDef[] = [
  CUSTOMERS, SUPPLIERS, ARTICLES, PROJECTS, COST_CENTERS, INVOICES, SUPPLIER_INVOICES,
  SUPPLIER_INVOICE_FILE_CONNECTIONS, VOUCHER_FILE_CONNECTIONS,
];

// Per-financial-year data sets: handled by dedicated endpoints, described here for the list layer.
export const ACCOUNT_LIST_FIELDS: readonly ListField[] = ['Active', 'BalanceBroughtForward', 'CostCenter', 'CostCenterSettings', 'Description', 'Number', 'Project', 'ProjectSettings', 'SRU', 'VATCode', 'Year'];
export const ACCOUNT_FIELDS = parseFieldTypes('Active:b BalanceBroughtForward:n BalanceCarriedForward:n CostCenter:s CostCenterSettings:s Description:s Number:n OpeningQuantities:a Project:s ProjectSettings:s QuantitySettings:s QuantityUnit:s SRU:n TransactionInformation:s TransactionInformationSettings:s VATCode:s Year:n');
export const VOUCHER_LIST_FIELDS: readonly ListField[] = ['ApprovalState', 'Comments', 'Description', 'ReferenceNumber', 'ReferenceType', 'TransactionDate', 'VoucherNumber', 'VoucherSeries', 'Year'];
export const VOUCHER_FIELDS = parseFieldTypes('ApprovalState:n Comments:s CostCenter:s Description:s Project:s ReferenceNumber:s ReferenceType:s TransactionDate:s VoucherNumber:n VoucherRows:a VoucherSeries:s Year:n');
export const VOUCHER_ROW_FIELDS = parseFieldTypes('Account:n CostCenter:s Credit:n Debit:n Description:s Project:s Quantity:n Removed:b TransactionInformation:s');
export const INVOICE_ROW_FIELDS = parseFieldTypes('AccountNumber:n ArticleNumber:s ContributionPercent:s ContributionValue:s CostCenter:s DeliveredQuantity:s Description:s Discount:n DiscountType:s HouseWork:b HouseWorkHoursToReport:n HouseWorkType:s Price:n PriceExcludingVAT:n Project:s RowId:n StockPointCode:s Total:n TotalExcludingVAT:n Unit:s VAT:n VATCode:s');
export const SUPPLIER_INVOICE_ROW_FIELDS = parseFieldTypes('Account:n AccountDescription:s ArticleNumber:s Code:s CostCenter:s Credit:n CreditCurrency:n Debit:n DebitCurrency:n ItemDescription:s Price:n Project:s Quantity:n StockLocationCode:s StockPointCode:s Total:n TransactionInformation:s Unit:s');
export const VOUCHER_SERIES_LIST_FIELDS: readonly ListField[] = ['Approver', 'Code', 'Description', 'Manual', 'Year'];
export const FINANCIAL_YEAR_LIST_FIELDS: readonly ListField[] = ['AccountChartType', 'AccountingMethod', 'FromDate', 'Id', 'ToDate'];

export const ACCOUNT_NOT_FOUND = ['Kan inte hitta kontot.', 2000423] as const;
export const VOUCHER_NOT_FOUND = ['Kan inte hitta verifikationen.', 2000437] as const;
export const VOUCHER_SERIES_NOT_FOUND = ['Kan inte hitta verifikationsserien.', 2000438] as const;
export const FINANCIAL_YEAR_NOT_FOUND = ['Kan inte hitta räkenskapsåret.', 2000440] as const;
export const FILE_NOT_FOUND = ['Kan inte hitta filen.', 2000441] as const;
export const FOLDER_NOT_FOUND = ['Kan inte hitta mappen.', 2000442] as const;

/** Projects a detail record onto a list item, applying the list quirks Fortnox shows in real traffic. */
export function projectListItem(url: string, record: FortnoxRecord, fields: readonly ListField[], quirks: ListQuirks): FortnoxRecord {
  const item: FortnoxRecord = { '@url': url };
  for (const f of fields) {
    const [name, source] = typeof f === 'string' ? [f, f] : f;
    let value: Json = record[source] ?? null;
    if (quirks.zeroAsNull?.includes(name) === true && value === 0) value = null;
    if (quirks.numbersAsStrings?.includes(name) === true && typeof value === 'number') value = String(value);
    if (quirks.nullAsEmpty?.includes(name) === true && value === null) value = '';
    item[name] = value;
  }
  return item;
}
