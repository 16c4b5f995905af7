/**
 * What the API lets a restore write for bookkeeping documents (into a new company only), and so what
 * the round trip compares. Everything else is computed by Fortnox (totals, balances), set by its own
 * actions (booked, sent, cancelled, payments) or assigned by it (voucher and supplier-invoice numbers).
 */
import type { JsonObject, JsonValue } from '../fortnox/index.ts';
import { isObject } from './fields.ts';

export const VOUCHER_FIELDS = ['VoucherSeries', 'TransactionDate', 'Description', 'Comments', 'CostCenter', 'Project'] as const;
/** `Removed` rows (struck out in Fortnox) cannot be created: they are left out, and out of the comparison. */
export const VOUCHER_ROW_FIELDS = ['Account', 'Debit', 'Credit', 'CostCenter', 'Project', 'Description', 'TransactionInformation', 'Quantity'] as const;

/**
 * Customer invoices: computed totals and state are never sent, nor references to documents a restore
 * does not bring back (orders, offers, contracts, the invoice a credit note credits: Fortnox makes credit
 * notes through its `credit` action, so a restored one is an invoice with negative rows).
 */
export const INVOICE_READ_ONLY = [
  'InvoiceReference', 'CreditInvoiceReference', 'Credit', 'OfferReference', 'OrderReference', 'ContractReference', 'TimeBasisReference',
  'Balance', 'Booked', 'Cancelled', 'Sent', 'VoucherNumber', 'VoucherSeries', 'VoucherYear', 'Net', 'Gross', 'Total', 'TotalVAT', 'TotalToPay',
  'RoundOff', 'FreightVAT', 'AdministrationFeeVAT', 'ContributionPercent', 'ContributionValue', 'FinalPayDate', 'LastRemindDate', 'Reminders',
  'NoxFinans', 'WarehouseReady', 'OutboundDate', 'CustomerName', 'InvoiceRows',
] as const;
export const INVOICE_ROW_FIELDS = [
  'AccountNumber', 'ArticleNumber', 'CostCenter', 'DeliveredQuantity', 'Description', 'Discount', 'DiscountType', 'HouseWork', 'HouseWorkHoursToReport',
  'HouseWorkType', 'Price', 'Project', 'StockPointCode', 'Unit', 'VAT', 'VATCode',
] as const;

/** Supplier invoices: Fortnox gives the number, keeps the balance and the booking. */
export const SUPPLIER_INVOICE_READ_ONLY = [
  'GivenNumber', 'Credit', 'CreditReference', 'Balance', 'Booked', 'Cancelled', 'Vouchers', 'VoucherNumber', 'VoucherSeries', 'VoucherYear', 'PaymentPending', 'SupplierName',
  'FinalPayDate', 'SupplierInvoiceRows',
] as const;
export const SUPPLIER_INVOICE_ROW_FIELDS = [
  'Account', 'ArticleNumber', 'Code', 'CostCenter', 'Credit', 'CreditCurrency', 'Debit', 'DebitCurrency', 'ItemDescription', 'Price', 'Project',
  'Quantity', 'StockLocationCode', 'StockPointCode', 'Total', 'TransactionInformation', 'Unit',
] as const;

export function pick(record: JsonObject, fields: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const f of fields) if (record[f] !== undefined) out[f] = record[f];
  return out;
}

export function omit(record: JsonObject, fields: readonly string[]): JsonObject {
  const skip = new Set(fields);
  return Object.fromEntries(Object.entries(record).filter(([k]) => !k.startsWith('@') && !skip.has(k)));
}

const rowsOf = (v: JsonValue | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

export function voucherBody(v: JsonObject): JsonObject {
  return { ...pick(v, VOUCHER_FIELDS), VoucherRows: rowsOf(v.VoucherRows).filter((r) => r.Removed !== true).map((r) => pick(r, VOUCHER_ROW_FIELDS)) };
}

export function invoiceBody(i: JsonObject): JsonObject {
  return { ...omit(i, INVOICE_READ_ONLY), InvoiceRows: rowsOf(i.InvoiceRows).map((r) => pick(r, INVOICE_ROW_FIELDS)) };
}

export function supplierInvoiceBody(s: JsonObject): JsonObject {
  return { ...omit(s, SUPPLIER_INVOICE_READ_ONLY), SupplierInvoiceRows: rowsOf(s.SupplierInvoiceRows).map((r) => pick(r, SUPPLIER_INVOICE_ROW_FIELDS)) };
}
