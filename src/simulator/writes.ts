/**
 * The writes a restore needs, validated like Fortnox validates them: the body must be the record
 * wrapped in its singular key (`{"Customer":{…}}`), every field must be one Fortnox knows and of the
 * right type, numbers must be free, vouchers must balance. An invalid write answers a Fortnox-style
 * 400 and changes nothing; a valid one updates `modified` and counts in `sideEffects.writes`.
 */
import { text } from './values.ts';
import { badRequest, notFound } from './http.ts';
import { isDate } from './listing.ts';
import { voucherKey, type FortnoxRecord, type Json, type SimCompany, type Stored } from './model.ts';
import {
  ACCOUNT_FIELDS, INVOICE_ROW_FIELDS, SUPPLIER_INVOICE_ROW_FIELDS, VOUCHER_FIELDS, VOUCHER_ROW_FIELDS,
  type FieldType, type ResourceDef,
} from './resources.ts';
import {
  accountTemplate, articleTemplate, costCenterTemplate, customerTemplate, invoiceRowTemplate, invoiceTemplate, projectTemplate,
  supplierInvoiceRowTemplate, supplierInvoiceTemplate, supplierTemplate, voucherRowTemplate,
} from './templates.ts';

/** Fortnox's codes for write errors (fortnox-api.md §3.2); messages marked in docs/simulator.md where invented. */
export const CODES = {
  jsonSyntax: 2002115,
  emptyBody: 2001392,
  invalidField: 2001399,
  notAlphanumeric: 2000106,
  notNumeric: 2000108,
  notBoolean: 2000134,
  numberUsed: 2000637,
  accountNotFound: 2001304,
  required: 2000729,
  invalidValue: 2000588,
} as const;

export interface WriteContext {
  company: SimCompany;
  now: number;
  today: string;
  /** Called after a successful write with the collection that changed (to drop cached sort orders). */
  changed(collection: object): void;
}

/** Parses `{"<Singular>":{…}}`. */
export function parseWrapped(body: Buffer, singular: string): FortnoxRecord {
  const text = body.toString('utf8').trim();
  if (text === '') throw badRequest('Felaktigt eller tomt innehåll i förfrågan.', CODES.emptyBody);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('Ogiltig JSON-syntax i förfrågan.', CODES.jsonSyntax);
  }
  const inner = isObject(parsed) ? parsed[singular] : undefined;
  if (!isObject(inner) || Object.keys(parsed as object).length !== 1) {
    throw badRequest(`Felaktigt innehåll i förfrågan: förväntade objektet ${singular}.`, CODES.emptyBody);
  }
  return inner;
}

function isObject(v: unknown): v is FortnoxRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks names and types and coerces what Fortnox coerces (numbers sent as strings, strings sent as
 * numbers). Keys starting with `@` (`@url`) are what Fortnox itself sends and are ignored on input.
 */
export function checkFields(input: FortnoxRecord, fields: Readonly<Record<string, FieldType>>): FortnoxRecord {
  const out: FortnoxRecord = {};
  for (const [name, value] of Object.entries(input)) {
    if (name.startsWith('@')) continue;
    const type = fields[name];
    if (type === undefined) throw badRequest(`Ogiltigt fältnamn (${name}).`, CODES.invalidField);
    out[name] = coerce(name, value, type);
  }
  return out;
}

function coerce(name: string, value: Json, type: FieldType): Json {
  if (value === null) return null;
  switch (type) {
    case 's':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return text(value);
      throw badRequest(`Ogiltigt värde för fältet ${name}: måste vara text.`, CODES.notAlphanumeric);
    case 'n': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.replace(',', '.')) : Number.NaN;
      if (!Number.isFinite(n)) throw badRequest(`Ogiltigt värde för fältet ${name}: måste vara numeriskt.`, CODES.notNumeric);
      return n;
    }
    case 'b':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw badRequest(`Ogiltigt värde för fältet ${name}: måste vara true eller false.`, CODES.notBoolean);
    case 'a':
      if (Array.isArray(value)) return value;
      throw badRequest(`Ogiltigt värde för fältet ${name}: måste vara en lista.`, CODES.invalidValue);
    case 'o':
      if (isObject(value)) return value;
      throw badRequest(`Ogiltigt värde för fältet ${name}: måste vara ett objekt.`, CODES.invalidValue);
  }
}

function required(record: FortnoxRecord, field: string, what: string): void {
  const v = record[field];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    throw badRequest(`${what} måste anges (${field}).`, CODES.required);
  }
}

function nextNumber(collection: Map<string, Stored>): string {
  let max = 0;
  for (const k of collection.keys()) {
    const n = Number(k);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return text(max + 1);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

const COUNTRIES: Record<string, string> = {
  SE: 'Sverige', NO: 'Norge', DK: 'Danmark', FI: 'Finland', IS: 'Island', DE: 'Tyskland', GB: 'Storbritannien', US: 'USA', NL: 'Nederländerna', FR: 'Frankrike',
};

interface SimpleWriteRules {
  template(): FortnoxRecord;
  required: readonly [field: string, what: string][];
  /** Keys are given by the client (cost centres) rather than numbered by Fortnox. */
  keyRequired?: boolean;
  complete?(record: FortnoxRecord): void;
}

const SIMPLE_RULES: Record<string, SimpleWriteRules> = {
  customers: {
    template: customerTemplate,
    required: [['Name', 'Namn']],
    complete: (r) => {
      if (typeof r.CountryCode === 'string' && r.CountryCode !== '' && (r.Country === null || r.Country === '')) r.Country = COUNTRIES[r.CountryCode.toUpperCase()] ?? r.Country;
    },
  },
  suppliers: { template: supplierTemplate, required: [['Name', 'Namn']] },
  articles: { template: articleTemplate, required: [['Description', 'Benämning']] },
  projects: { template: projectTemplate, required: [['Description', 'Beskrivning']] },
  costcenters: { template: costCenterTemplate, required: [['Code', 'Kod'], ['Description', 'Benämning']], keyRequired: true },
};

function commit(ctx: WriteContext, collection: Map<string, Stored>, key: string, data: FortnoxRecord): Stored {
  const stored: Stored = { data, modified: ctx.now };
  collection.set(key, stored);
  ctx.company.sideEffects.writes++;
  ctx.changed(collection);
  return stored;
}

/** POST to customers, suppliers, articles, projects, cost centres. */
export function createSimple(def: ResourceDef, ctx: WriteContext, body: Buffer): Stored {
  const rules = SIMPLE_RULES[def.path];
  if (rules === undefined) throw new Error(`no write rules for ${def.path}`);
  const input = checkFields(parseWrapped(body, def.singular), def.fields);
  const collection = def.collection(ctx.company);
  let key = input[def.key];
  if (key === undefined || key === null || key === '') {
    if (rules.keyRequired === true) required(input, def.key, 'Kod');
    key = nextNumber(collection);
  }
  key = text(key);
  if (collection.has(key)) throw badRequest(`Numret ${key} används redan.`, CODES.numberUsed);
  const record: FortnoxRecord = { ...rules.template(), ...input, [def.key]: key };
  for (const [field, what] of rules.required) required(record, field, what);
  rules.complete?.(record);
  return commit(ctx, collection, key, record);
}

/** PUT to customers, suppliers, articles, projects, cost centres. */
export function updateSimple(def: ResourceDef, ctx: WriteContext, key: string, body: Buffer): Stored {
  const rules = SIMPLE_RULES[def.path];
  if (rules === undefined) throw new Error(`no write rules for ${def.path}`);
  const collection = def.collection(ctx.company);
  const existing = collection.get(key);
  if (existing === undefined) throw notFound(...def.notFound);
  const input = checkFields(parseWrapped(body, def.singular), def.fields);
  if (input[def.key] !== undefined && text(input[def.key]) !== key) throw badRequest(`Fältet ${def.key} kan inte ändras.`, CODES.invalidValue);
  const record: FortnoxRecord = { ...existing.data, ...input, [def.key]: key };
  for (const [field, what] of rules.required) required(record, field, what);
  rules.complete?.(record);
  return commit(ctx, collection, key, record);
}

// ---- Customer invoices ----

function ocr(documentNumber: string): string {
  const base = `${documentNumber}${(documentNumber.length + 2) % 10}`;
  let sum = 0;
  for (let i = 0; i < base.length; i++) {
    let d = Number(base[base.length - 1 - i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return `${base}${(10 - (sum % 10)) % 10}`;
}

function invoiceRows(ctx: WriteContext, rows: Json, startRowId: number): FortnoxRecord[] {
  if (!Array.isArray(rows)) return [];
  let rowId = startRowId;
  return rows.map((raw) => {
    if (!isObject(raw)) throw badRequest('Ogiltigt värde för fältet InvoiceRows.', CODES.invalidValue);
    const input = checkFields(raw, INVOICE_ROW_FIELDS);
    const articleNumber = typeof input.ArticleNumber === 'string' ? input.ArticleNumber : '';
    const article = articleNumber === '' ? undefined : ctx.company.articles.get(articleNumber)?.data;
    if (articleNumber !== '' && article === undefined) throw badRequest('Kan inte hitta artikeln.', 2000428);
    const row: FortnoxRecord = {
      ...invoiceRowTemplate(),
      Description: article?.Description ?? '',
      Price: typeof article?.SalesPrice === 'number' ? article.SalesPrice : 0,
      AccountNumber: typeof article?.SalesAccount === 'number' ? article.SalesAccount : 3001,
      VAT: typeof article?.VAT === 'number' ? article.VAT : 25,
      Unit: article?.Unit ?? '',
      ...input,
      RowId: rowId++,
    };
    const qty = Number(row.DeliveredQuantity ?? 0);
    row.DeliveredQuantity = text(qty);
    const price = Number(row.Price ?? 0);
    const discount = Number(row.Discount ?? 0);
    const total = round2(row.DiscountType === 'AMOUNT' ? qty * price - discount : qty * price * (1 - discount / 100));
    row.PriceExcludingVAT = price;
    row.Total = total;
    row.TotalExcludingVAT = total;
    return row;
  });
}

/** Net, VAT and totals the way an invoice adds up: rows + freight + fee, VAT per row, öre rounding. */
function computeTotals(invoice: FortnoxRecord): void {
  const rows = (invoice.InvoiceRows as FortnoxRecord[]) ?? [];
  const net = round2(rows.reduce((s, r) => s + Number(r.Total ?? 0), 0));
  const freight = Number(invoice.Freight ?? 0);
  const fee = Number(invoice.AdministrationFee ?? 0);
  const freightVat = round2(freight * 0.25);
  const feeVat = round2(fee * 0.25);
  const rowVat = rows.reduce((s, r) => s + Number(r.Total ?? 0) * Number(r.VAT ?? 0) / 100, 0);
  const vat = round2(rowVat + freightVat + feeVat);
  const gross = round2(net + freight + fee);
  const exact = round2(gross + vat);
  const total = Math.round(exact);
  invoice.Net = net;
  invoice.FreightVAT = freightVat;
  invoice.AdministrationFeeVAT = feeVat;
  invoice.Gross = gross;
  invoice.TotalVAT = vat;
  invoice.RoundOff = round2(total - exact);
  invoice.Total = total;
  invoice.TotalToPay = total;
  invoice.Balance = total;
}

function maxRowId(company: SimCompany): number {
  let max = 0;
  for (const inv of company.invoices.values()) {
    for (const r of (inv.data.InvoiceRows as FortnoxRecord[] | undefined) ?? []) if (typeof r.RowId === 'number' && r.RowId > max) max = r.RowId;
  }
  return max;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const blank = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

export function createInvoice(def: ResourceDef, ctx: WriteContext, body: Buffer): Stored {
  const input = checkFields(parseWrapped(body, def.singular), def.fields);
  required(input, 'CustomerNumber', 'Kundnummer');
  const customer = ctx.company.customers.get(text(input.CustomerNumber))?.data;
  if (customer === undefined) throw badRequest('Kan inte hitta kunden.', 2000433);
  const collection = ctx.company.invoices;
  const nr = input.DocumentNumber !== undefined && input.DocumentNumber !== null && input.DocumentNumber !== '' ? text(input.DocumentNumber) : nextNumber(collection);
  if (collection.has(nr)) throw badRequest(`Numret ${nr} används redan.`, CODES.numberUsed);
  const invoiceDate = typeof input.InvoiceDate === 'string' && input.InvoiceDate !== '' ? input.InvoiceDate : ctx.today;
  if (!isDate(invoiceDate)) throw badRequest('Ogiltigt datum (InvoiceDate).', CODES.invalidValue);
  const terms = blank(input.TermsOfPayment ?? customer.TermsOfPayment) || '30';
  const record: FortnoxRecord = {
    ...invoiceTemplate(),
    Address1: blank(customer.Address1), Address2: blank(customer.Address2), City: blank(customer.City), Country: blank(customer.Country),
    Currency: blank(customer.Currency) || 'SEK', CustomerName: blank(customer.Name), DeliveryAddress1: blank(customer.DeliveryAddress1),
    DeliveryAddress2: blank(customer.DeliveryAddress2), DeliveryCity: blank(customer.DeliveryCity), DeliveryCountry: blank(customer.DeliveryCountry),
    DeliveryName: blank(customer.DeliveryName), DeliveryZipCode: blank(customer.DeliveryZipCode), OrganisationNumber: blank(customer.OrganisationNumber),
    OurReference: blank(customer.OurReference), Phone1: blank(customer.Phone1), Phone2: blank(customer.Phone2), PriceList: blank(customer.PriceList) || 'A',
    YourReference: blank(customer.YourReference), ZipCode: blank(customer.ZipCode), TermsOfPayment: terms,
    ...input,
    CustomerNumber: text(input.CustomerNumber), DocumentNumber: nr, InvoiceDate: invoiceDate, OutboundDate: invoiceDate,
    DueDate: typeof input.DueDate === 'string' && input.DueDate !== '' ? input.DueDate : addDays(invoiceDate, Number(terms) || 30),
    OCR: typeof input.OCR === 'string' && input.OCR !== '' ? input.OCR : ocr(nr),
    Booked: false, Cancelled: false, Sent: false, VoucherNumber: null, VoucherSeries: null, VoucherYear: null,
    InvoiceRows: invoiceRows(ctx, input.InvoiceRows ?? [], maxRowId(ctx.company) + 1),
  };
  computeTotals(record);
  return commit(ctx, collection, nr, record);
}

export function updateInvoice(def: ResourceDef, ctx: WriteContext, key: string, body: Buffer): Stored {
  const existing = ctx.company.invoices.get(key);
  if (existing === undefined) throw notFound(...def.notFound);
  const input = checkFields(parseWrapped(body, def.singular), def.fields);
  if (existing.data.Booked === true || existing.data.Cancelled === true) throw badRequest('Fakturan är bokförd eller makulerad och kan inte ändras.', CODES.invalidValue);
  const record: FortnoxRecord = { ...existing.data, ...input, DocumentNumber: key };
  if (input.CustomerNumber !== undefined) {
    const customer = ctx.company.customers.get(text(input.CustomerNumber))?.data;
    if (customer === undefined) throw badRequest('Kan inte hitta kunden.', 2000433);
    record.CustomerName = blank(customer.Name);
  }
  if (input.InvoiceRows !== undefined) record.InvoiceRows = invoiceRows(ctx, input.InvoiceRows, maxRowId(ctx.company) + 1);
  computeTotals(record);
  return commit(ctx, ctx.company.invoices, key, record);
}

// ---- Supplier invoices ----

export function createSupplierInvoice(def: ResourceDef, ctx: WriteContext, body: Buffer): Stored {
  const input = checkFields(parseWrapped(body, def.singular), def.fields);
  required(input, 'SupplierNumber', 'Leverantörsnummer');
  const supplier = ctx.company.suppliers.get(text(input.SupplierNumber))?.data;
  if (supplier === undefined) throw badRequest('Kan inte hitta leverantören.', 2000435);
  const rows = Array.isArray(input.SupplierInvoiceRows) ? input.SupplierInvoiceRows.map((raw) => {
    if (!isObject(raw)) throw badRequest('Ogiltigt värde för fältet SupplierInvoiceRows.', CODES.invalidValue);
    const row = { ...supplierInvoiceRowTemplate(), ...checkFields(raw, SUPPLIER_INVOICE_ROW_FIELDS) };
    if (row.Total === 0) row.Total = round2(Number(row.Debit ?? 0) - Number(row.Credit ?? 0));
    return row;
  }) : [];
  const collection = ctx.company.supplierInvoices;
  const nr = nextNumber(collection);
  const invoiceDate = typeof input.InvoiceDate === 'string' && input.InvoiceDate !== '' ? input.InvoiceDate : ctx.today;
  if (!isDate(invoiceDate)) throw badRequest('Ogiltigt datum (InvoiceDate).', CODES.invalidValue);
  const terms = Number(supplier.TermsOfPayment) || 30;
  const total = typeof input.Total === 'string' ? input.Total : '0';
  const record: FortnoxRecord = {
    ...supplierInvoiceTemplate(), SupplierName: blank(supplier.Name), Currency: blank(supplier.Currency) || 'SEK', ...input,
    SupplierNumber: text(input.SupplierNumber), GivenNumber: nr, InvoiceDate: invoiceDate,
    DueDate: typeof input.DueDate === 'string' && input.DueDate !== '' ? input.DueDate : addDays(invoiceDate, terms),
    Balance: total, Total: total, Booked: false, Cancelled: false, SupplierInvoiceRows: rows, Vouchers: [],
  };
  return commit(ctx, collection, nr, record);
}

// ---- Accounts (per financial year) ----

export function createAccount(ctx: WriteContext, yearId: number, body: Buffer): Stored {
  const input = checkFields(parseWrapped(body, 'Account'), ACCOUNT_FIELDS);
  required(input, 'Number', 'Kontonummer');
  required(input, 'Description', 'Benämning');
  const number = input.Number as number;
  if (!Number.isInteger(number) || number < 1000 || number > 9999) throw badRequest('Kontonumret måste vara ett heltal mellan 1000 och 9999.', CODES.invalidValue);
  const accounts = accountsOf(ctx.company, yearId);
  if (accounts.has(text(number))) throw badRequest(`Kontot ${number} finns redan.`, CODES.numberUsed);
  return commit(ctx, accounts, text(number), { ...accountTemplate(), ...input, Number: number, Year: yearId });
}

export function updateAccount(ctx: WriteContext, yearId: number, number: string, body: Buffer, notFoundError: () => Error): Stored {
  const accounts = accountsOf(ctx.company, yearId);
  const existing = accounts.get(number);
  if (existing === undefined) throw notFoundError();
  const input = checkFields(parseWrapped(body, 'Account'), ACCOUNT_FIELDS);
  if (input.Number !== undefined && text(input.Number) !== number) throw badRequest('Fältet Number kan inte ändras.', CODES.invalidValue);
  return commit(ctx, accounts, number, { ...existing.data, ...input, Number: existing.data.Number ?? Number(number), Year: yearId });
}

function accountsOf(company: SimCompany, yearId: number): Map<string, Stored> {
  let accounts = company.accounts.get(yearId);
  if (accounts === undefined) company.accounts.set(yearId, (accounts = new Map<string, Stored>()));
  return accounts;
}

// ---- Vouchers ----

/**
 * Creates a voucher: it must balance, use accounts of its financial year, fall inside that year, and
 * gets the next number of its series in that year (Fortnox numbers vouchers; a restore cannot choose).
 */
export function createVoucher(ctx: WriteContext, yearQuery: Stored | undefined, body: Buffer): Stored {
  const input = checkFields(parseWrapped(body, 'Voucher'), VOUCHER_FIELDS);
  required(input, 'VoucherSeries', 'Verifikationsserie');
  required(input, 'TransactionDate', 'Transaktionsdatum');
  const date = text(input.TransactionDate);
  if (!isDate(date)) throw badRequest('Ogiltigt datum (TransactionDate).', CODES.invalidValue);
  const year = yearQuery ?? ctx.company.financialYears.find((y) => text(y.data.FromDate) <= date && date <= text(y.data.ToDate));
  if (year === undefined || date < text(year.data.FromDate) || date > text(year.data.ToDate)) {
    throw badRequest('Transaktionsdatumet ligger utanför räkenskapsåret.', CODES.invalidValue);
  }
  const yearId = Number(year.data.Id);
  const seriesCode = text(input.VoucherSeries);
  const series = ctx.company.voucherSeries.get(yearId)?.get(seriesCode);
  if (series === undefined) throw badRequest(`Verifikationsserien ${seriesCode} finns inte.`, CODES.invalidValue);
  if (!Array.isArray(input.VoucherRows) || input.VoucherRows.length === 0) throw badRequest('Verifikationen saknar rader (VoucherRows).', CODES.required);
  const accounts = ctx.company.accounts.get(yearId) ?? new Map<string, Stored>();
  let debit = 0;
  let credit = 0;
  const rows = input.VoucherRows.map((raw) => {
    if (!isObject(raw)) throw badRequest('Ogiltigt värde för fältet VoucherRows.', CODES.invalidValue);
    const row = { ...voucherRowTemplate(), ...checkFields(raw, VOUCHER_ROW_FIELDS) };
    const account = accounts.get(text(row.Account));
    if (account === undefined) throw badRequest(`Kontot ${text(row.Account)} finns inte i räkenskapsåret.`, CODES.accountNotFound);
    if (row.Description === '' || row.Description === null) row.Description = account.data.Description ?? '';
    const d = Number(row.Debit ?? 0);
    const c = Number(row.Credit ?? 0);
    if (d < 0 || c < 0) throw badRequest('Debet och kredit får inte vara negativa.', CODES.invalidValue);
    debit += d;
    credit += c;
    return row;
  });
  if (Math.round(debit * 100) !== Math.round(credit * 100)) throw badRequest('Verifikationen är inte balanserad.', CODES.invalidValue);
  if (Math.round(debit * 100) === 0) throw badRequest('Verifikationen saknar belopp.', CODES.invalidValue);

  let number = Number(series.data.NextVoucherNumber);
  if (!Number.isInteger(number) || number < 1) number = 1;
  while (ctx.company.vouchers.has(voucherKey(yearId, seriesCode, number))) number++;
  const record: FortnoxRecord = {
    ApprovalState: 0, Comments: '', CostCenter: '', Description: '', Project: '', ReferenceNumber: '', ReferenceType: 'MANUAL', ...input,
    TransactionDate: date, VoucherNumber: number, VoucherSeries: seriesCode, Year: yearId, VoucherRows: rows,
  };
  series.data.NextVoucherNumber = number + 1;
  series.modified = ctx.now;
  ctx.changed(ctx.company.voucherSeries);
  return commit(ctx, ctx.company.vouchers, voucherKey(yearId, seriesCode, number), record);
}
