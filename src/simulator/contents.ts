import type { SimCompany } from './model.ts';

/**
 * What a simulated company holds, counted the way the backup's request bounds count it
 * (src/backup/lower-bound.ts `CompanyContents`; same shape, kept apart so the simulator imports
 * nothing from the backup side). Benchmarks, the demo and tests compute bounds from this.
 */
export function companyContents(c: SimCompany): {
  financialYears: { accounts: number; voucherSeries: number; vouchers: number }[];
  customers: number; suppliers: number; articles: number; projects: number; costCenters: number;
  invoices: number; supplierInvoices: number; supplierInvoiceFileConnections: number; voucherFileConnections: number; files: number;
} {
  const years = c.financialYears.map((y) => Number(y.data.Id));
  const vouchersPerYear = new Map<number, number>();
  for (const key of c.vouchers.keys()) {
    const year = Number(key.slice(0, key.indexOf(':')));
    vouchersPerYear.set(year, (vouchersPerYear.get(year) ?? 0) + 1);
  }
  return {
    financialYears: years.map((id) => ({
      accounts: c.accounts.get(id)?.size ?? 0,
      voucherSeries: c.voucherSeries.get(id)?.size ?? 0,
      vouchers: vouchersPerYear.get(id) ?? 0,
    })),
    customers: c.customers.size,
    suppliers: c.suppliers.size,
    articles: c.articles.size,
    projects: c.projects.size,
    costCenters: c.costCenters.size,
    invoices: c.invoices.size,
    supplierInvoices: c.supplierInvoices.size,
    supplierInvoiceFileConnections: c.supplierInvoiceFileConnections.size,
    voucherFileConnections: c.voucherFileConnections.size,
    files: new Set([...c.supplierInvoiceFileConnections.keys(), ...c.voucherFileConnections.keys()]).size,
  };
}
