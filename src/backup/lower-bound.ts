import { MAX_PAGE_SIZE } from '../fortnox/index.ts';

/** What a company holds, counted: the input of the request bounds (docs/backup.md). */
export interface CompanyContents {
  financialYears: readonly { accounts: number; voucherSeries: number; vouchers: number }[];
  customers: number;
  suppliers: number;
  articles: number;
  projects: number;
  costCenters: number;
  invoices: number;
  supplierInvoices: number;
  supplierInvoiceFileConnections: number;
  voucherFileConnections: number;
  /** Distinct FileIds behind both kinds of file connection. */
  files: number;
}

/** List pages for `n` records: Fortnox answers an empty list with one page of none. */
export function listPages(n: number): number {
  return Math.max(1, Math.ceil(n / MAX_PAGE_SIZE));
}

/**
 * The fewest requests any backup that stores everything of layout.ts can make from the API as it is:
 * - one list sweep of every list (500 per page), per financial year where Fortnox keeps it per year;
 * - one detail per record whose list item lacks fields (accounts, voucher series, customers, suppliers,
 *   articles, projects, invoices, supplier invoices); none for cost centres, financial years and file
 *   connections, whose list items are complete;
 * - no voucher details: SIE 4 carries every row, one request per year;
 * - 4 SIE files per financial year (types 1–4 are different files; none can be derived from another
 *   byte-exactly), one `/preview` per invoice, one download per distinct file, one company information.
 */
export function lowerBoundRequests(c: CompanyContents): number {
  const withDetails = (n: number): number => listPages(n) + n;
  let total = 1 + listPages(c.financialYears.length);
  for (const y of c.financialYears) total += withDetails(y.accounts) + withDetails(y.voucherSeries) + listPages(y.vouchers) + 4;
  total += listPages(c.costCenters);
  total += withDetails(c.customers) + withDetails(c.suppliers) + withDetails(c.articles) + withDetails(c.projects);
  total += withDetails(c.invoices) + c.invoices;
  total += withDetails(c.supplierInvoices);
  total += listPages(c.supplierInvoiceFileConnections) + listPages(c.voucherFileConnections) + c.files;
  return total;
}

/**
 * The sweeps an incremental run cannot avoid: every list of `lowerBoundRequests` once, plus one
 * `lastmodified` page for each list that honours it (customers, suppliers, articles, invoices,
 * supplier invoices, and accounts per year). Add the changed records' requests to get the bound's base.
 */
export function sweepRequests(c: CompanyContents, changedSince: { customers: number; suppliers: number; articles: number; invoices: number; supplierInvoices: number; accounts: number[] } = { customers: 0, suppliers: 0, articles: 0, invoices: 0, supplierInvoices: 0, accounts: [] }): number {
  let total = 1 + listPages(c.financialYears.length);
  c.financialYears.forEach((y, i) => {
    total += listPages(y.accounts) + listPages(y.voucherSeries) + listPages(y.vouchers) + listPages(changedSince.accounts[i] ?? 0);
  });
  total += listPages(c.costCenters) + listPages(c.customers) + listPages(c.suppliers) + listPages(c.articles) + listPages(c.projects);
  total += listPages(c.invoices) + listPages(c.supplierInvoices) + listPages(c.supplierInvoiceFileConnections) + listPages(c.voucherFileConnections);
  total += listPages(changedSince.customers) + listPages(changedSince.suppliers) + listPages(changedSince.articles) + listPages(changedSince.invoices) + listPages(changedSince.supplierInvoices);
  return total;
}
