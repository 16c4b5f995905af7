/**
 * The bookkeeping invariants every generated company must keep, checked from the records alone: shared
 * by the generator's and the business day's tests.
 */
import { isBalanceSheetAccount } from './bas.ts';
import { voucherKey, type FortnoxRecord, type SimCompany, type Stored } from './model.ts';
import { isValidBankgiro, isValidBic, isValidIban, isValidOcr, isValidOrganisationNumber, isValidPlusgiro, isValidVatNumber } from './swedish.ts';
import { text, toOre } from './values.ts';

function rows(v: FortnoxRecord, field: string): FortnoxRecord[] {
  return (v[field] as FortnoxRecord[] | undefined) ?? [];
}

/** Every broken invariant, described; an empty list means the company is consistent. */
export function invariantViolations(company: SimCompany): string[] {
  const problems: string[] = [];
  const movement = new Map<number, Map<number, number>>();
  const maxNumber = new Map<string, number>();
  for (const [key, stored] of company.vouchers) {
    const v = stored.data;
    const year = Number(v.Year);
    if (key !== voucherKey(year, text(v.VoucherSeries), Number(v.VoucherNumber))) problems.push(`voucher ${key} is stored under the wrong key`);
    const fy = company.financialYears.find((y) => y.data.Id === year)?.data;
    if (!fy || text(v.TransactionDate) < text(fy.FromDate) || text(v.TransactionDate) > text(fy.ToDate)) problems.push(`voucher ${key} is dated outside its year`);
    let sum = 0;
    for (const row of rows(v, 'VoucherRows')) {
      const ore = toOre(row.Debit) - toOre(row.Credit);
      sum += ore;
      const m = movement.get(year) ?? new Map<number, number>();
      m.set(Number(row.Account), (m.get(Number(row.Account)) ?? 0) + ore);
      movement.set(year, m);
    }
    if (sum !== 0) problems.push(`voucher ${key} does not balance (${sum} öre)`);
    const seriesKey = `${year}:${text(v.VoucherSeries)}`;
    maxNumber.set(seriesKey, Math.max(maxNumber.get(seriesKey) ?? 0, Number(v.VoucherNumber)));
  }
  for (const [yearId, series] of company.voucherSeries) {
    for (const [code, s] of series) {
      const expected = (maxNumber.get(`${yearId}:${code}`) ?? 0) + 1;
      if (Number(s.data.NextVoucherNumber) !== expected) problems.push(`series ${code} of year ${yearId}: NextVoucherNumber ${text(s.data.NextVoucherNumber)}, expected ${expected}`);
    }
  }
  const years = company.financialYears.map((y) => y.data);
  years.forEach((fy, i) => {
    const id = Number(fy.Id);
    const accounts = company.accounts.get(id) ?? new Map<string, Stored>();
    let ibSum = 0;
    for (const [number, stored] of accounts) {
      const ib = toOre(stored.data.BalanceBroughtForward);
      const ub = toOre(stored.data.BalanceCarriedForward);
      ibSum += ib;
      const moved = movement.get(id)?.get(Number(number)) ?? 0;
      if (ib + moved !== ub) problems.push(`account ${number} in year ${id}: IB ${ib} + transactions ${moved} ≠ UB ${ub}`);
      if (!isBalanceSheetAccount(Number(number)) && ib !== 0) problems.push(`result account ${number} has an opening balance in year ${id}`);
    }
    if (ibSum !== 0) problems.push(`opening balances of year ${id} sum to ${ibSum}`);
    const previous = years[i - 1];
    if (previous) {
      const prev = company.accounts.get(Number(previous.Id)) ?? new Map<string, Stored>();
      for (const [number, stored] of accounts) {
        const n = Number(number);
        if (!isBalanceSheetAccount(n) || n === 2091 || n === 2099) continue;
        if (toOre(stored.data.BalanceBroughtForward) !== toOre(prev.get(number)?.data.BalanceCarriedForward)) problems.push(`account ${number}: IB of year ${id} ≠ UB of year ${text(previous.Id)}`);
      }
    }
  });

  for (const [number, stored] of company.invoices) {
    const d = stored.data;
    const net = rows(d, 'InvoiceRows').reduce((s, r) => s + toOre(r.Total), 0);
    if (net !== toOre(d.Net)) problems.push(`invoice ${number}: rows sum to ${net}, Net is ${toOre(d.Net)}`);
    if (toOre(d.Net) + toOre(d.TotalVAT) + toOre(d.RoundOff) !== toOre(d.Total)) problems.push(`invoice ${number}: Net + VAT + RoundOff ≠ Total`);
    if (!isValidOcr(text(d.OCR), { lengthDigit: true })) problems.push(`invoice ${number}: OCR ${text(d.OCR)} is invalid`);
    if (d.Booked === true) {
      const v = company.vouchers.get(voucherKey(Number(d.VoucherYear), text(d.VoucherSeries), Number(d.VoucherNumber)))?.data;
      if (!v) problems.push(`invoice ${number}: voucher missing`);
      else {
        const receivable = rows(v, 'VoucherRows').filter((r) => r.Account === 1510).reduce((s, r) => s + toOre(r.Debit) - toOre(r.Credit), 0);
        if (receivable !== toOre(d.Total)) problems.push(`invoice ${number}: voucher books ${receivable} on 1510, Total is ${toOre(d.Total)}`);
      }
    } else if (d.VoucherNumber !== null) problems.push(`invoice ${number} is not booked but has a voucher`);
  }
  for (const [number, stored] of company.supplierInvoices) {
    const d = stored.data;
    const payable = rows(d, 'SupplierInvoiceRows').filter((r) => r.Code === 'TOT').reduce((s, r) => s + toOre(r.Credit) - toOre(r.Debit), 0);
    if (payable !== toOre(d.Total)) problems.push(`supplier invoice ${number}: TOT row ${payable} ≠ Total ${toOre(d.Total)}`);
    const debit = rows(d, 'SupplierInvoiceRows').reduce((s, r) => s + toOre(r.Debit) - toOre(r.Credit), 0);
    if (debit !== 0) problems.push(`supplier invoice ${number}: rows do not balance`);
    for (const ref of rows(d, 'Vouchers')) {
      const v = company.vouchers.get(voucherKey(Number(ref.Year), text(ref.Series), Number(ref.Number)))?.data;
      const onPayables = v ? rows(v, 'VoucherRows').filter((r) => r.Account === 2440).reduce((s, r) => s + toOre(r.Credit) - toOre(r.Debit), 0) : undefined;
      const expected = ref.ReferenceType === 'SUPPLIERINVOICE' ? toOre(d.Total) : -toOre(d.Total);
      if (onPayables !== expected) problems.push(`supplier invoice ${number}: voucher ${text(ref.Series)} ${text(ref.Number)} books ${String(onPayables)} on 2440, expected ${expected}`);
    }
  }
  for (const [id, c] of company.supplierInvoiceFileConnections) {
    if (!company.files.has(id)) problems.push(`supplier invoice file connection ${id} points at no file`);
    if (!company.supplierInvoices.has(text(c.data.SupplierInvoiceNumber))) problems.push(`file connection ${id} points at no supplier invoice`);
  }
  for (const [id, c] of company.voucherFileConnections) {
    if (!company.files.has(id)) problems.push(`voucher file connection ${id} points at no file`);
    if (typeof c.data.VoucherNumber !== 'string') problems.push(`voucher file connection ${id}: VoucherNumber is not a string`);
    if (!company.vouchers.has(voucherKey(Number(c.data.VoucherYear), text(c.data.VoucherSeries), Number(c.data.VoucherNumber)))) problems.push(`voucher file connection ${id} points at no voucher`);
  }
  for (const [n, s] of [...company.customers, ...company.suppliers]) {
    const org = text(s.data.OrganisationNumber);
    if (org && !isValidOrganisationNumber(org)) problems.push(`${n}: organisation number ${org} is invalid`);
    const vat = text(s.data.VATNumber);
    if (vat && !isValidVatNumber(vat)) problems.push(`${n}: VAT number ${vat} is invalid`);
  }
  for (const [n, s] of company.suppliers) {
    const d = s.data;
    if (d.BG && !isValidBankgiro(text(d.BG))) problems.push(`supplier ${n}: bankgiro ${text(d.BG)} is invalid`);
    if (d.PG && !isValidPlusgiro(text(d.PG))) problems.push(`supplier ${n}: plusgiro ${text(d.PG)} is invalid`);
    if (d.IBAN && !isValidIban(text(d.IBAN))) problems.push(`supplier ${n}: IBAN ${text(d.IBAN)} is invalid`);
    if (d.BIC && !isValidBic(text(d.BIC))) problems.push(`supplier ${n}: BIC ${text(d.BIC)} is invalid`);
  }
  return problems;
}
