/**
 * One simulated business day of a company, about 1 % of its contents: new invoices with their
 * vouchers, payments, supplier invoices with attached scans, receipts, edited and deleted register
 * records, and sometimes a supplier whose bank details change (what a fraud alert must catch). Every
 * invariant of the generated company still holds afterwards; the summary says what changed.
 */
import { ChangeLog, CompanyActivity, type DataSet, type DataSetChanges, type DayRates } from './activity.ts';
import { dateOf, localDay } from './calendar.ts';
import type { FortnoxRecord, SimCompany, Stored } from './model.ts';
import type { Random } from './random.ts';
import { bicFor, buildArticle, buildCustomer, buildProject, buildSupplier, type BankDetails } from './registers.ts';
import { randomAddress, randomBankgiro, randomIban, randomMobile, randomPersonName, randomPhone, emailFor } from './swedish.ts';
import { text } from './values.ts';

export interface BankDetailChange {
  supplierNumber: string;
  name: string;
  before: BankDetails;
  after: BankDetails;
}

export type BusinessDaySummary = Record<DataSet, DataSetChanges> & {
  /** The Swedish local date of the day. */
  day: string;
  dayStart: number;
  /** Suppliers whose bankgiro, plusgiro or IBAN changed today. */
  bankDetailChanges: BankDetailChange[];
  /** Ids of financial years opened because the day passed the end of the last one. */
  newFinancialYears: number[];
  /** Records created, updated or deleted, over all data sets. */
  changed: number;
};

export interface BusinessDayOptions {
  /** Force (true) or suppress (false) a supplier bank-detail change; by default it happens on about one day in three. */
  bankDetailChange?: boolean;
}

const DATA_SETS: readonly DataSet[] = [
  'customers', 'suppliers', 'articles', 'projects', 'costCenters', 'invoices', 'supplierInvoices', 'vouchers', 'files',
  'supplierInvoiceFileConnections', 'voucherFileConnections', 'financialYears', 'voucherSeries', 'accounts',
];

/** Expected count for a share of `n`, at least `floor` so that even a tiny company sees some activity. */
function share(n: number, fraction: number, floor = 1): number {
  return Math.max(floor, n * fraction);
}

function times(rnd: Random, expected: number): number {
  const whole = Math.floor(expected);
  return whole + (rnd.bool(expected - whole) ? 1 : 0);
}

function nextNumber(map: Map<string, Stored>): string {
  let max = 0;
  for (const key of map.keys()) max = Math.max(max, Number(key) || 0);
  return String(max + 1);
}

function bankDetails(d: FortnoxRecord): BankDetails {
  return { BG: text(d.BG), PG: text(d.PG), IBAN: text(d.IBAN), BIC: text(d.BIC), Bank: text(d.Bank) };
}

/**
 * Simulates the business day starting at `dayStart` (simulated epoch ms). Everything it creates or
 * changes gets a `modified` time in [dayStart, dayStart + 9 h); advance the clock past that before
 * expecting a `lastmodified` query to see it.
 */
export function simulateBusinessDay(company: SimCompany, rnd: Random, dayStart: number, options: BusinessDayOptions = {}): BusinessDaySummary {
  const day = localDay(dayStart);
  const log = new ChangeLog();
  const at = (): number => dayStart + rnd.int(0, 9 * 3600 - 1) * 1000;
  const yearsBefore = new Set(company.financialYears.map((y) => Number(y.data.Id)));
  const bankDetailChanges: BankDetailChange[] = [];
  const orgNumbers = new Set<string>();
  for (const m of [company.customers, company.suppliers]) for (const s of m.values()) if (s.data.OrganisationNumber) orgNumbers.add(text(s.data.OrganisationNumber));

  // Registers first, so that today's invoices can use today's new customers and articles.
  const customers = [...company.customers.values()];
  for (let i = times(rnd, share(customers.length, 0.01)); i > 0 && customers.length > 0; i--) {
    const stored = rnd.pick(customers);
    editCustomer(rnd, stored.data);
    stored.modified = at();
    log.updated('customers', text(stored.data.CustomerNumber));
  }
  for (let i = times(rnd, share(customers.length, 0.002, 0.5)); i > 0; i--) {
    const number = nextNumber(company.customers);
    company.customers.set(number, { data: buildCustomer(rnd, number, orgNumbers), modified: at() });
    log.created('customers', number);
  }
  const suppliers = [...company.suppliers.values()];
  for (let i = times(rnd, share(suppliers.length, 0.01)); i > 0 && suppliers.length > 0; i--) {
    const stored = rnd.pick(suppliers);
    const address = randomAddress(rnd);
    if (rnd.bool()) Object.assign(stored.data, { Address1: address.street, ZipCode: address.zipCode, City: address.city, Phone1: randomPhone(rnd, address.areaCode) });
    else stored.data.YourReference = randomPersonName(rnd).full;
    stored.modified = at();
    log.updated('suppliers', text(stored.data.SupplierNumber));
  }
  if (options.bankDetailChange ?? rnd.bool(0.35)) {
    const candidates = suppliers.filter((s) => s.data.Active === true && (s.data.BG || s.data.PG || s.data.IBAN));
    if (candidates.length > 0) {
      const stored = rnd.pick(candidates);
      const before = bankDetails(stored.data);
      const after = { ...before };
      if (before.BG || !before.IBAN) after.BG = randomBankgiro(rnd);
      if (before.IBAN) {
        const iban = randomIban(rnd);
        Object.assign(after, { IBAN: iban.iban, BIC: bicFor(iban.iban), Bank: iban.bank });
      }
      Object.assign(stored.data, after);
      stored.modified = at();
      bankDetailChanges.push({ supplierNumber: text(stored.data.SupplierNumber), name: text(stored.data.Name), before, after });
      log.updated('suppliers', text(stored.data.SupplierNumber));
    }
  }
  if (rnd.bool(Math.min(1, share(suppliers.length, 0.002, 0.2)))) {
    const number = nextNumber(company.suppliers);
    company.suppliers.set(number, { data: buildSupplier(rnd, number, orgNumbers), modified: at() });
    log.created('suppliers', number);
  }
  const articles = [...company.articles.values()];
  for (let i = times(rnd, share(articles.length, 0.01)); i > 0 && articles.length > 0; i--) {
    const stored = rnd.pick(articles);
    const price = Number(stored.data.SalesPrice ?? 0);
    // Price lists move up a few per cent at a time.
    stored.data.SalesPrice = Math.round(price * (1 + rnd.int(2, 8) / 100) * 100) / 100;
    if (rnd.bool(0.1)) stored.data.Active = !stored.data.Active;
    stored.modified = at();
    log.updated('articles', text(stored.data.ArticleNumber));
  }
  for (let i = times(rnd, share(articles.length, 0.002, 0.5)); i > 0; i--) {
    const number = nextNumber(company.articles);
    const descriptions = new Set([...company.articles.values()].map((a) => text(a.data.Description)));
    company.articles.set(number, { data: buildArticle(rnd, number, descriptions), modified: at() });
    log.created('articles', number);
  }
  const ongoing = [...company.projects.values()].filter((p) => p.data.Status === 'ONGOING');
  if (ongoing.length > 0 && rnd.bool(0.5)) {
    const stored = rnd.pick(ongoing);
    Object.assign(stored.data, { Status: 'COMPLETED', EndDate: dateOf(day) });
    stored.modified = at();
    log.updated('projects', text(stored.data.ProjectNumber));
  }
  if (rnd.bool(0.3)) {
    const number = nextNumber(company.projects);
    const project = buildProject(rnd, number, dateOf(day), dateOf(day));
    Object.assign(project, { Status: 'ONGOING', StartDate: dateOf(day), EndDate: '' });
    company.projects.set(number, { data: project, modified: at() });
    log.created('projects', number);
  }
  deleteUnreferenced(company, rnd, log);

  // Then the bookkeeping of the day, at about 1 % of what the company holds.
  const activity = new CompanyActivity(company, rnd, { timeBase: dayStart, log });
  const rates: DayRates = {
    invoices: share(company.invoices.size, 0.01),
    supplierInvoices: share(company.supplierInvoices.size, 0.01),
    receipts: share(company.voucherFileConnections.size, 0.01, 0.5),
    manualVouchers: 0.5,
    creditShare: 0.03,
    cancelShare: 0.015,
    draftShare: 0.1,
    attachShare: 0.85,
  };
  activity.runDay(day, rates, true);
  for (let i = times(rnd, share(company.files.size, 0.0005, 0.3)); i > 0; i--) activity.inboxFile(day);

  const changes = Object.fromEntries(DATA_SETS.map((name) => [name, log.changes(name)])) as Record<DataSet, DataSetChanges>;
  const newFinancialYears = company.financialYears.map((y) => Number(y.data.Id)).filter((id) => !yearsBefore.has(id));
  const changed = DATA_SETS.reduce((s, name) => s + changes[name].created.length + changes[name].updated.length + changes[name].deleted.length, 0);
  return { ...changes, day: dateOf(day), dayStart, bankDetailChanges, newFinancialYears, changed };
}

function editCustomer(rnd: Random, d: FortnoxRecord): void {
  const what = rnd.int(0, 3);
  if (what === 0) d.Phone1 = rnd.bool() ? randomMobile(rnd) : randomPhone(rnd, '08');
  else if (what === 1) {
    const email = emailFor(rnd.pick(['ekonomi', 'faktura', 'redovisning', 'admin']), text(d.Name) || 'kund');
    d.Email = email;
    if (d.EmailInvoice) d.EmailInvoice = email;
  } else if (what === 2) {
    const address = randomAddress(rnd);
    Object.assign(d, { Address1: address.street, ZipCode: address.zipCode, City: address.city });
  } else d.YourReference = randomPersonName(rnd).full;
}

/** Deletes a few customers, articles and projects that nothing refers to (Fortnox refuses the others). */
function deleteUnreferenced(company: SimCompany, rnd: Random, log: ChangeLog): void {
  const usedCustomers = new Set<string>();
  const usedArticles = new Set<string>();
  const usedProjects = new Set<string>();
  for (const s of company.invoices.values()) {
    usedCustomers.add(text(s.data.CustomerNumber));
    usedProjects.add(text(s.data.Project));
    for (const row of (s.data.InvoiceRows as FortnoxRecord[] | undefined) ?? []) {
      usedArticles.add(text(row.ArticleNumber));
      usedProjects.add(text(row.Project));
    }
  }
  for (const s of company.supplierInvoices.values()) {
    usedProjects.add(text(s.data.Project));
    for (const row of (s.data.SupplierInvoiceRows as FortnoxRecord[] | undefined) ?? []) usedProjects.add(text(row.Project));
  }
  for (const s of company.vouchers.values()) {
    usedProjects.add(text(s.data.Project));
    for (const row of (s.data.VoucherRows as FortnoxRecord[] | undefined) ?? []) usedProjects.add(text(row.Project));
  }
  for (const s of company.customers.values()) usedProjects.add(text(s.data.Project));

  const remove = (set: DataSet, map: Map<string, Stored>, used: Set<string>, count: number): void => {
    const candidates = [...map.keys()].filter((k) => !used.has(k));
    for (let i = 0; i < count && candidates.length > 0; i++) {
      const key = candidates.splice(rnd.int(0, candidates.length - 1), 1)[0] as string;
      map.delete(key);
      log.deleted(set, key);
    }
  };
  remove('customers', company.customers, usedCustomers, times(rnd, share(company.customers.size, 0.002, 0.3)));
  remove('articles', company.articles, usedArticles, times(rnd, share(company.articles.size, 0.001, 0.3)));
  remove('projects', company.projects, usedProjects, times(rnd, 0.2));
}
