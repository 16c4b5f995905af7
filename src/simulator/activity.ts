/**
 * What a company does on a day, booked the way Fortnox books it: customer invoices (series B), incoming
 * payments (C), supplier invoices with scanned attachments (D) and their payments (E), card receipts
 * with photos, salaries (L), VAT and tax settlements, depreciation, bank fees and manual vouchers (A).
 * The data generator runs it for every day of the company's history; a simulated business day runs it
 * once more at a higher rate. All state it needs is read back from the company itself.
 */
import { ACCOUNT, VAT_ACCOUNTS, type VatRate } from './bas.ts';
import { addMonths, dateOf, dayOf, isWeekend, lastDayOfMonth, localTime } from './calendar.ts';
import { drawFileSize, generatedFile, type DocumentParty, type GeneratedDocument, type InvoiceDocument } from './documents.ts';
import { Ledger, type VoucherLine } from './ledger.ts';
import { text as str, toKronor, toOre } from './values.ts';
import { voucherKey, type FortnoxRecord, type GeneratorSettings, type SimCompany, type SimFile, type Stored } from './model.ts';
import { Random } from './random.ts';
import { monthName, supplierKind } from './registers.ts';
import { ocrFor, randomBrand, randomOrganisationNumber, randomPersonName, CITIES } from './swedish.ts';
import { invoiceRowTemplate, invoiceTemplate, supplierInvoiceRowTemplate, supplierInvoiceTemplate } from './templates.ts';

export type DataSet =
  | 'customers' | 'suppliers' | 'articles' | 'projects' | 'costCenters' | 'invoices' | 'supplierInvoices' | 'vouchers' | 'files'
  | 'supplierInvoiceFileConnections' | 'voucherFileConnections' | 'financialYears' | 'voucherSeries' | 'accounts';

export interface DataSetChanges {
  created: string[];
  updated: string[];
  deleted: string[];
}

/** Records what a day created, updated and deleted, per data set (a record created today counts as created only). */
export class ChangeLog {
  readonly #sets = new Map<DataSet, { created: Set<string>; updated: Set<string>; deleted: Set<string> }>();

  #set(name: DataSet): { created: Set<string>; updated: Set<string>; deleted: Set<string> } {
    let s = this.#sets.get(name);
    if (!s) {
      s = { created: new Set(), updated: new Set(), deleted: new Set() };
      this.#sets.set(name, s);
    }
    return s;
  }

  created(name: DataSet, id: string): void {
    this.#set(name).created.add(id);
  }

  updated(name: DataSet, id: string): void {
    const s = this.#set(name);
    if (!s.created.has(id)) s.updated.add(id);
  }

  deleted(name: DataSet, id: string): void {
    const s = this.#set(name);
    s.created.delete(id);
    s.updated.delete(id);
    s.deleted.add(id);
  }

  changes(name: DataSet): DataSetChanges {
    const s = this.#sets.get(name);
    return { created: [...(s?.created ?? [])], updated: [...(s?.updated ?? [])], deleted: [...(s?.deleted ?? [])] };
  }
}

/** Expected counts per weekday (weekends see only a few receipts). */
export interface DayRates {
  invoices: number;
  supplierInvoices: number;
  receipts: number;
  manualVouchers: number;
  /** Share of booked, unpaid invoices that get a credit invoice instead of a payment. */
  creditShare: number;
  cancelShare: number;
  /** Share of new invoices left unbooked (drafts) for now. */
  draftShare: number;
  /** Share of supplier invoices that arrive with a scanned PDF attached. */
  attachShare: number;
}

export interface ActivityOptions {
  /** Years to open when the calendar passes the last one; afterwards 12-month years follow. */
  plannedYears?: readonly (readonly [string, string])[];
  /** Customers at the end of the register (this share of them) that get no invoices, so some stay unreferenced. */
  reservedCustomerShare?: number;
  /** With `timeBase`, events happen in [timeBase, timeBase + 9 h); otherwise during Swedish office hours. */
  timeBase?: number;
  log?: ChangeLog;
}

function poisson(rnd: Random, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(rnd)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rnd.float();
  while (p > limit) {
    k++;
    p *= rnd.float();
  }
  return k;
}

function gaussian(rnd: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rnd.float())) * Math.cos(2 * Math.PI * rnd.float());
}

function addDays(date: string, days: number): string {
  return dateOf(dayOf(date) + days);
}

/** Amounts of a customer invoice, all in öre. */
interface InvoiceAmounts {
  net: number;
  vat: number;
  roundOff: number;
  total: number;
  /** Net per sales account (with VAT rate). */
  byAccount: Map<number, { net: number; rate: VatRate }>;
  vatByRate: Map<VatRate, number>;
}

function invoiceAmounts(rows: readonly FortnoxRecord[]): InvoiceAmounts {
  const byAccount = new Map<number, { net: number; rate: VatRate }>();
  const netByRate = new Map<VatRate, number>();
  for (const row of rows) {
    const net = toOre(row.Total);
    const rate = Number(row.VAT) as VatRate;
    const account = Number(row.AccountNumber);
    const entry = byAccount.get(account) ?? { net: 0, rate };
    entry.net += net;
    byAccount.set(account, entry);
    netByRate.set(rate, (netByRate.get(rate) ?? 0) + net);
  }
  const vatByRate = new Map<VatRate, number>();
  for (const [rate, net] of netByRate) vatByRate.set(rate, Math.round((net * rate) / 100));
  const net = [...netByRate.values()].reduce((s, v) => s + v, 0);
  const vat = [...vatByRate.values()].reduce((s, v) => s + v, 0);
  // Invoices are rounded to whole kronor (öresavrundning), booked on 3740.
  const total = Math.round((net + vat) / 100) * 100;
  return { net, vat, roundOff: total - net - vat, total, byAccount, vatByRate };
}

/** The B voucher lines of a customer invoice: receivable, sales per account, output VAT, rounding. */
export function invoiceVoucherLines(invoice: FortnoxRecord): VoucherLine[] {
  const rows = (invoice.InvoiceRows as FortnoxRecord[] | undefined) ?? [];
  const a = invoiceAmounts(rows);
  const project = str(invoice.Project) || undefined;
  const costCenter = str(invoice.CostCenter) || undefined;
  const lines: VoucherLine[] = [{ account: ACCOUNT.customerReceivables, ore: a.total, info: `Faktura ${str(invoice.DocumentNumber)}` }];
  for (const [account, { net }] of a.byAccount) lines.push({ account, ore: -net, project, costCenter });
  for (const [rate, vat] of a.vatByRate) lines.push({ account: VAT_ACCOUNTS[rate].output, ore: -vat });
  lines.push({ account: ACCOUNT.roundOff, ore: -a.roundOff });
  return lines;
}

const RECEIPT_KINDS: readonly { account: number; rate: 6 | 12 | 25; store: (r: Random) => string; items: readonly string[]; min: number; max: number }[] = [
  { account: 5410, rate: 25, store: (r) => `${randomBrand(r)} Järn & Bygg`, items: ['BORRMASKIN', 'SKRUVDRAGARE', 'STEGE', 'VERKTYGSLÅDA', 'HÖRSELSKYDD'], min: 150, max: 4_500 },
  { account: 6071, rate: 12, store: (r) => `Restaurang ${randomBrand(r)}`, items: ['DAGENS LUNCH', 'KAFFE', 'SALLAD', 'PASTA', 'MINERALVATTEN'], min: 120, max: 2_400 },
  { account: 5611, rate: 25, store: (r) => `Bensinstation ${r.pick(CITIES).name}`, items: ['DIESEL', 'BENSIN 95', 'SPOLARVÄTSKA'], min: 300, max: 1_400 },
  { account: 5810, rate: 6, store: () => 'Tågbolaget Resecentrum', items: ['ENKELBILJETT', 'TUR OCH RETUR', 'PLATSBILJETT'], min: 95, max: 1_800 },
  { account: 6110, rate: 25, store: (r) => `Kontorsvaruhuset ${r.pick(CITIES).name}`, items: ['PAPPER A4', 'PENNOR', 'PÄRMAR', 'KUVERT', 'TONER'], min: 50, max: 1_600 },
  { account: 5460, rate: 25, store: (r) => `${randomBrand(r)} Förbrukning`, items: ['TEJP', 'BATTERIER', 'HANDSKAR', 'RENGÖRING', 'KABELBAND'], min: 40, max: 900 },
  { account: 5800, rate: 6, store: (r) => `Taxi ${r.pick(CITIES).name}`, items: ['TAXIRESA'], min: 180, max: 950 },
];

const OMFORING_ACCOUNTS = [5010, 6110, 6212, 6230, 5420, 4010, 5460] as const;

export class CompanyActivity {
  readonly company: SimCompany;
  readonly ledger: Ledger;
  readonly settings: GeneratorSettings;
  readonly #rnd: Random;
  readonly #options: ActivityOptions;
  readonly #log: ChangeLog;
  readonly #openInvoices = new Set<string>();
  readonly #drafts = new Set<string>();
  readonly #openSupplierInvoices = new Set<string>();
  #customerPool: string[] = [];
  #articlePool: string[] = [];
  #supplierPool: string[] = [];
  #projectPool: string[] = [];
  #costCenterPool: string[] = [];
  #nextDocumentNumber = 1;
  #nextGivenNumber = 1;
  #plannedYears: (readonly [string, string])[];
  #buyer: DocumentParty;
  /** The same few people sign every invoice of a company. */
  #staff: string[];

  constructor(company: SimCompany, rnd: Random, options: ActivityOptions = {}) {
    this.company = company;
    this.ledger = new Ledger(company);
    this.settings = company.generator ?? { seed: 0, size: 'small', employees: 0, vatPeriod: 'quarter' };
    this.#rnd = rnd;
    this.#options = options;
    this.#log = options.log ?? new ChangeLog();
    this.#plannedYears = [...(options.plannedYears ?? [])];
    const info = company.info;
    this.#buyer = {
      name: str(info.CompanyName), street: str(info.Address), zipCode: str(info.ZipCode), city: str(info.City),
      organisationNumber: str(info.OrganizationNumber), vatNumber: company.profile?.vatNumber,
    };
    const staffRnd = new Random(this.settings.seed ^ 0x5eed);
    this.#staff = Array.from({ length: 3 }, () => randomPersonName(staffRnd).full);
    this.refreshPools();
    for (const [number, s] of company.invoices) {
      const d = s.data;
      this.#nextDocumentNumber = Math.max(this.#nextDocumentNumber, Number(number) + 1);
      if (d.Cancelled === true) continue;
      if (d.Booked !== true) this.#drafts.add(number);
      else if (toOre(d.Balance) > 0 && str(d.Credit) !== 'true') this.#openInvoices.add(number);
    }
    for (const [number, s] of company.supplierInvoices) {
      this.#nextGivenNumber = Math.max(this.#nextGivenNumber, Number(number) + 1);
      if (s.data.Booked === true && s.data.Cancelled !== true && toOre(s.data.Balance) > 0) this.#openSupplierInvoices.add(number);
    }
  }

  get log(): ChangeLog {
    return this.#log;
  }

  /** Re-reads which customers, articles, suppliers, projects and cost centres may be used. */
  refreshPools(): void {
    const c = this.company;
    const customers = [...c.customers.values()].filter((s) => s.data.Active === true).map((s) => str(s.data.CustomerNumber));
    const reserved = Math.floor(customers.length * (this.#options.reservedCustomerShare ?? 0));
    this.#customerPool = customers.slice(0, customers.length - reserved);
    this.#articlePool = [...c.articles.values()].filter((s) => s.data.Active === true).map((s) => str(s.data.ArticleNumber));
    this.#supplierPool = [...c.suppliers.values()].filter((s) => s.data.Active === true).map((s) => str(s.data.SupplierNumber));
    this.#projectPool = [...c.projects.values()].filter((s) => s.data.Status !== 'NOTSTARTED').map((s) => str(s.data.ProjectNumber));
    this.#costCenterPool = [...c.costCenters.values()].filter((s) => s.data.Active === true).map((s) => str(s.data.Code));
  }

  #time(day: number): number {
    const base = this.#options.timeBase;
    if (base !== undefined) return base + this.#rnd.int(0, 9 * 3600 - 1) * 1000;
    return localTime(day, 7 * 60 + this.#rnd.int(30, 600)) + this.#rnd.int(0, 59) * 1000;
  }

  /** Opens financial years up to the one containing `date` (closing the years left behind). */
  ensureYear(date: string, modified: number): void {
    for (;;) {
      const last = this.ledger.lastYear();
      if (last && date <= str(last.ToDate)) return;
      const planned = this.#plannedYears.shift();
      if (last) {
        const closing = this.ledger.closeYear(Number(last.Id), modified);
        if (closing) this.#log.created('vouchers', voucherId(closing));
      }
      const from = planned?.[0] ?? addDays(str(last?.ToDate), 1);
      const to = planned?.[1] ?? addDays(addMonths(from, 12), -1);
      const id = this.ledger.openYear(from, to, modified);
      this.#log.created('financialYears', String(id));
    }
  }

  /** One day of business; weekends see only receipts and the routines that fall on them, unless `workday`. */
  runDay(day: number, rates: DayRates, workday = !isWeekend(day)): void {
    const date = dateOf(day);
    this.ensureYear(date, this.#time(day));
    const weekend = !workday;
    if (workday) {
      this.#bookDrafts(day);
      for (let i = poisson(this.#rnd, rates.invoices); i > 0; i--) this.createInvoice(day, rates);
      for (let i = poisson(this.#rnd, rates.invoices * rates.creditShare); i > 0; i--) this.creditInvoice(day);
      this.receivePayments(day);
      for (let i = poisson(this.#rnd, rates.supplierInvoices); i > 0; i--) this.createSupplierInvoice(day, rates.attachShare);
      this.paySupplierInvoices(day);
      for (let i = poisson(this.#rnd, rates.manualVouchers); i > 0; i--) this.manualReallocation(day);
    }
    for (let i = poisson(this.#rnd, rates.receipts * (weekend ? 0.3 : 1)); i > 0; i--) this.receipt(day);
    this.periodic(day);
  }

  // -------------------------------------------------------------------------------------------------
  // Customer invoices

  #pickSkewed(pool: readonly string[]): string | undefined {
    if (pool.length === 0) return undefined;
    const u = this.#rnd.float();
    return pool[Math.floor(pool.length * u * u)];
  }

  createInvoice(day: number, rates: Pick<DayRates, 'cancelShare' | 'draftShare'>): Stored | undefined {
    const rnd = this.#rnd;
    const customerNumber = this.#pickSkewed(this.#customerPool);
    if (customerNumber === undefined || this.#articlePool.length === 0) return undefined;
    const customer = this.company.customers.get(customerNumber)?.data;
    if (!customer) return undefined;
    const date = dateOf(day);
    const t = this.#time(day);
    const documentNumber = String(this.#nextDocumentNumber++);
    const rowCount = rnd.weighted([[1, 35], [2, 25], [3, 15], [4, 10], [5, 8], [6, 7]] as const);
    const project = this.#projectPool.length > 0 && rnd.bool(0.15) ? rnd.pick(this.#projectPool) : '';
    const costCenter = this.#costCenterPool.length > 0 && rnd.bool(0.2) ? rnd.pick(this.#costCenterPool) : '';
    const rows: FortnoxRecord[] = [];
    for (let i = 0; i < rowCount; i++) {
      const article = this.company.articles.get(rnd.pick(this.#articlePool))?.data;
      if (!article) continue;
      const service = article.Type === 'SERVICE';
      const quantity = service ? rnd.int(1, 80) / 2 : rnd.weighted([[1, 5], [2, 3], [rnd.int(3, 24), 3]] as const);
      const price = toOre(article.SalesPrice);
      const discount = rnd.bool(0.08) ? rnd.pick([5, 10, 15]) : 0;
      const total = Math.round((price * quantity * (100 - discount)) / 100);
      rows.push({
        ...invoiceRowTemplate(),
        AccountNumber: Number(article.SalesAccount),
        ArticleNumber: str(article.ArticleNumber),
        DeliveredQuantity: String(quantity),
        Description: str(article.Description),
        Discount: discount,
        Price: toKronor(price),
        PriceExcludingVAT: toKronor(price),
        Project: project,
        RowId: 0,
        Total: toKronor(total),
        TotalExcludingVAT: toKronor(total),
        Unit: str(article.Unit),
        VAT: Number(article.VAT),
        VATCode: VAT_ACCOUNTS[Number(article.VAT) as VatRate].code,
      });
    }
    if (rows.length === 0) return undefined;
    const a = invoiceAmounts(rows);
    const terms = str(customer.TermsOfPayment) || '30';
    const byEmail = str((customer.DefaultDeliveryTypes as FortnoxRecord | null)?.Invoice) === 'EMAIL';
    const data: FortnoxRecord = {
      ...invoiceTemplate(),
      Address1: str(customer.Address1),
      Address2: str(customer.Address2),
      Balance: toKronor(a.total),
      City: str(customer.City),
      CostCenter: costCenter,
      Country: 'Sverige',
      CustomerName: str(customer.Name),
      CustomerNumber: customerNumber,
      DocumentNumber: documentNumber,
      DueDate: addDays(date, Number(terms)),
      EmailInformation: {
        EmailAddressFrom: null, EmailAddressTo: byEmail ? str(customer.EmailInvoice) || str(customer.Email) : '', EmailAddressCC: null,
        EmailAddressBCC: null, EmailSubject: 'Faktura {no} bifogas', EmailBody: ' ',
      },
      Gross: toKronor(a.net),
      InvoiceDate: date,
      InvoiceRows: rows,
      Net: toKronor(a.net),
      OCR: ocrFor(documentNumber),
      OrganisationNumber: str(customer.OrganisationNumber),
      OurReference: this.#ourReference(),
      OutboundDate: date,
      Phone1: str(customer.Phone1),
      Project: project,
      RoundOff: toKronor(a.roundOff),
      TermsOfPayment: terms,
      Total: toKronor(a.total),
      TotalToPay: toKronor(a.total),
      TotalVAT: toKronor(a.vat),
      YourReference: str(customer.YourReference),
      ZipCode: str(customer.ZipCode),
    };
    rows.forEach((r, i) => (r.RowId = Number(documentNumber) * 10 + i + 1));
    const stored: Stored = { data, modified: t };
    this.company.invoices.set(documentNumber, stored);
    this.#log.created('invoices', documentNumber);
    if (rnd.bool(rates.cancelShare)) {
      data.Cancelled = true;
      return stored;
    }
    if (rnd.bool(rates.draftShare)) {
      this.#drafts.add(documentNumber);
      return stored;
    }
    this.#book(stored, t);
    return stored;
  }

  #ourReference(): string {
    return this.#rnd.pick(this.#staff);
  }

  #book(stored: Stored, t: number): void {
    const data = stored.data;
    const voucher = this.ledger.post({
      series: 'B', date: str(data.InvoiceDate), description: `Kundfaktura ${str(data.DocumentNumber)} ${str(data.CustomerName)}`.slice(0, 200),
      lines: invoiceVoucherLines(data), referenceType: 'INVOICE', referenceNumber: str(data.DocumentNumber), modified: t,
    });
    data.Booked = true;
    data.Sent = true;
    data.VoucherNumber = voucher.data.VoucherNumber as number;
    data.VoucherSeries = 'B';
    data.VoucherYear = voucher.data.Year as number;
    stored.modified = Math.max(stored.modified, t);
    this.#log.created('vouchers', voucherId(voucher));
    if (str(data.Credit) !== 'true' && toOre(data.Balance) > 0) this.#openInvoices.add(str(data.DocumentNumber));
  }

  #bookDrafts(day: number): void {
    const year = this.ledger.yearFor(dateOf(day));
    for (const number of [...this.#drafts]) {
      const stored = this.company.invoices.get(number);
      if (!stored) {
        this.#drafts.delete(number);
        continue;
      }
      const invoiceYear = this.ledger.yearFor(str(stored.data.InvoiceDate));
      // A draft from a year that has ended stays a draft; its period is closed.
      if (invoiceYear?.Id !== year?.Id || !this.#rnd.bool(0.5)) continue;
      this.#drafts.delete(number);
      this.#book(stored, this.#time(day));
      this.#log.updated('invoices', number);
    }
  }

  creditInvoice(day: number): Stored | undefined {
    const candidates = [...this.#openInvoices].filter((n) => {
      const d = this.company.invoices.get(n)?.data;
      return d !== undefined && toOre(d.Balance) === toOre(d.Total) && str(d.CreditInvoiceReference) === '0';
    });
    if (candidates.length === 0) return undefined;
    const originalNumber = this.#rnd.pick(candidates);
    const original = this.company.invoices.get(originalNumber) as Stored;
    const date = dateOf(day);
    const t = this.#time(day);
    const documentNumber = String(this.#nextDocumentNumber++);
    const rows = (original.data.InvoiceRows as FortnoxRecord[]).map((r, i) => ({
      ...r,
      DeliveredQuantity: String(-Number(r.DeliveredQuantity)),
      RowId: Number(documentNumber) * 10 + i + 1,
      Total: -Number(r.Total),
      TotalExcludingVAT: -Number(r.TotalExcludingVAT),
    }));
    const a = invoiceAmounts(rows);
    const data: FortnoxRecord = {
      ...structuredClone(original.data),
      Balance: 0,
      Booked: false,
      Comments: `Kreditering av faktura ${originalNumber}`,
      Credit: 'true',
      CreditInvoiceReference: originalNumber,
      DocumentNumber: documentNumber,
      DueDate: date,
      FinalPayDate: null,
      Gross: toKronor(a.net),
      InvoiceDate: date,
      InvoiceRows: rows,
      Net: toKronor(a.net),
      OCR: ocrFor(documentNumber),
      OutboundDate: date,
      RoundOff: toKronor(a.roundOff),
      Sent: false,
      Total: toKronor(a.total),
      TotalToPay: toKronor(a.total),
      TotalVAT: toKronor(a.vat),
      VoucherNumber: null,
      VoucherSeries: null,
      VoucherYear: null,
    };
    const stored: Stored = { data, modified: t };
    this.company.invoices.set(documentNumber, stored);
    this.#log.created('invoices', documentNumber);
    this.#book(stored, t);
    original.data.CreditInvoiceReference = documentNumber;
    original.data.Balance = 0;
    original.modified = t;
    this.#openInvoices.delete(originalNumber);
    this.#log.updated('invoices', originalNumber);
    return stored;
  }

  /** Incoming payments of the day, booked as one bankgiro deposit (series C). */
  receivePayments(day: number): void {
    const date = dateOf(day);
    const paid: Stored[] = [];
    for (const number of this.#openInvoices) {
      const stored = this.company.invoices.get(number);
      if (!stored) continue;
      const due = dayOf(str(stored.data.DueDate));
      // One customer in fifty never pays; the rest pay around the due date, some late.
      if (Number(stored.data.CustomerNumber) % 50 === 7) continue;
      const early = due - day;
      const p = early > 10 ? 0.01 : early >= 0 ? 0.12 : early >= -30 ? 0.15 : 0.05;
      if (dayOf(str(stored.data.InvoiceDate)) < day && this.#rnd.bool(p)) paid.push(stored);
    }
    if (paid.length === 0) return;
    const t = this.#time(day);
    const total = paid.reduce((s, p) => s + toOre(p.data.Balance), 0);
    const lines: VoucherLine[] = [{ account: ACCOUNT.bank, ore: total, info: 'Inbetalningar bankgiro' }];
    for (const p of paid) lines.push({ account: ACCOUNT.customerReceivables, ore: -toOre(p.data.Balance), info: `Faktura ${str(p.data.DocumentNumber)} ${str(p.data.CustomerName)}`.slice(0, 100) });
    const voucher = this.ledger.post({
      series: 'C', date, description: `Inbetalningar ${date}`, lines, referenceType: 'INVOICEPAYMENT',
      referenceNumber: str(paid[0]?.data.DocumentNumber), modified: t,
    });
    this.#log.created('vouchers', voucherId(voucher));
    for (const p of paid) {
      p.data.Balance = 0;
      p.data.FinalPayDate = date;
      p.modified = t;
      const n = str(p.data.DocumentNumber);
      this.#openInvoices.delete(n);
      this.#log.updated('invoices', n);
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Supplier invoices

  createSupplierInvoice(day: number, attachShare: number): Stored | undefined {
    const rnd = this.#rnd;
    if (this.#supplierPool.length === 0) return undefined;
    const supplier = this.company.suppliers.get(rnd.pick(this.#supplierPool))?.data;
    if (!supplier) return undefined;
    const kind = supplierKind(supplier);
    const date = dateOf(day);
    const t = this.#time(day);
    const givenNumber = String(this.#nextGivenNumber++);
    const net = rnd.int(kind.min * 100, kind.max * 100);
    const rowCount = rnd.weighted([[1, 70], [2, 20], [3, 10]] as const);
    const parts: number[] = [];
    let left = net;
    for (let i = rowCount; i > 1; i--) {
      const part = Math.round((left * rnd.int(20, 70)) / 100);
      parts.push(part);
      left -= part;
    }
    parts.push(left);
    const vat = Math.round((net * kind.vat) / 100);
    const total = net + vat;
    const costCenter = this.#costCenterPool.length > 0 && rnd.bool(0.3) ? rnd.pick(this.#costCenterPool) : '';
    const project = this.#projectPool.length > 0 && rnd.bool(0.15) ? rnd.pick(this.#projectPool) : '';
    const accountName = (n: number): string => str(this.company.accounts.get(Number(this.ledger.yearFor(date)?.Id))?.get(String(n))?.data.Description);
    const text = kind.row.replace('{month}', monthName(date));
    const costRows = parts.map((p, i) => ({
      ...supplierInvoiceRowTemplate(), Account: kind.account, AccountDescription: accountName(kind.account), CostCenter: costCenter,
      Debit: toKronor(p), ItemDescription: parts.length > 1 ? `${text} (${i + 1})` : text, Price: toKronor(p), Project: project, Quantity: 1, Total: toKronor(p),
    }));
    const rows: FortnoxRecord[] = [
      { ...supplierInvoiceRowTemplate(), Account: ACCOUNT.supplierPayables, AccountDescription: accountName(ACCOUNT.supplierPayables), Code: 'TOT', Credit: toKronor(total), Total: -toKronor(total) },
      ...(vat > 0 ? [{ ...supplierInvoiceRowTemplate(), Account: ACCOUNT.inputVat, AccountDescription: accountName(ACCOUNT.inputVat), Code: 'VAT', Debit: toKronor(vat), Total: toKronor(vat) }] : []),
      ...costRows,
    ];
    const invoiceNumber = String(rnd.int(10_000, 9_999_999));
    const hasGiro = str(supplier.BG) !== '' || str(supplier.PG) !== '';
    const data: FortnoxRecord = {
      ...supplierInvoiceTemplate(),
      Balance: String(toKronor(total)),
      Booked: true,
      CostCenter: costCenter,
      DueDate: addDays(date, Number(str(supplier.TermsOfPayment) || '30')),
      GivenNumber: givenNumber,
      InvoiceDate: date,
      InvoiceNumber: invoiceNumber,
      OCR: hasGiro && rnd.bool(0.8) ? ocrFor(invoiceNumber) : '',
      OurReference: this.#ourReference(),
      Project: project,
      SalesType: kind.account === 4010 ? 'STOCK' : 'SERVICE',
      SupplierInvoiceRows: rows,
      SupplierName: str(supplier.Name),
      SupplierNumber: str(supplier.SupplierNumber),
      Total: String(toKronor(total)),
      VAT: String(toKronor(vat)),
      YourReference: str(supplier.YourReference),
    };
    const lines: VoucherLine[] = [
      { account: ACCOUNT.supplierPayables, ore: -total, info: str(supplier.Name).slice(0, 100) },
      { account: ACCOUNT.inputVat, ore: vat },
      ...parts.map((p) => ({ account: kind.account, ore: p, costCenter: costCenter || undefined, project: project || undefined })),
    ];
    const voucher = this.ledger.post({
      series: 'D', date, description: `Leverantörsfaktura ${givenNumber} ${str(supplier.Name)}`.slice(0, 200), lines,
      referenceType: 'SUPPLIERINVOICE', referenceNumber: givenNumber, modified: t,
    });
    data.VoucherNumber = voucher.data.VoucherNumber as number;
    data.VoucherSeries = 'D';
    data.VoucherYear = voucher.data.Year as number;
    data.Vouchers = [{ Number: voucher.data.VoucherNumber as number, Series: 'D', Year: voucher.data.Year as number, ReferenceType: 'SUPPLIERINVOICE' }];
    const stored: Stored = { data, modified: t };
    this.company.supplierInvoices.set(givenNumber, stored);
    this.#openSupplierInvoices.add(givenNumber);
    this.#log.created('supplierInvoices', givenNumber);
    this.#log.created('vouchers', voucherId(voucher));

    if (rnd.bool(attachShare)) {
      const file = this.#addFile(t, 'archive', `Kopplade filer/${date.slice(0, 4)}/${date.slice(5, 7)}`, this.#scanName(supplier, invoiceNumber), {
        kind: 'invoice-pdf', doc: this.#supplierInvoiceDocument(supplier, data, parts, kind.vat),
      });
      this.company.supplierInvoiceFileConnections.set(file.id, {
        data: { FileId: file.id, Name: file.name, SupplierInvoiceNumber: givenNumber, SupplierName: str(supplier.Name) }, modified: t,
      });
      this.#log.created('supplierInvoiceFileConnections', file.id);
    }
    return stored;
  }

  #scanName(supplier: FortnoxRecord, invoiceNumber: string): string {
    const r = this.#rnd.int(0, 3);
    if (r === 0) return `Faktura ${invoiceNumber} ${str(supplier.Name)}.pdf`;
    if (r === 1) return `faktura_${invoiceNumber}.pdf`;
    if (r === 2) return `Skanning ${this.#rnd.int(1000, 9999)}.pdf`;
    return `${str(supplier.Name).replace(/ AB$/, '')} ${invoiceNumber}.pdf`;
  }

  #supplierInvoiceDocument(supplier: FortnoxRecord, si: FortnoxRecord, parts: number[], rate: number): InvoiceDocument {
    const rows = (si.SupplierInvoiceRows as FortnoxRecord[]).filter((r) => r.Code === '');
    const vat = toOre(si.VAT);
    return {
      title: 'FAKTURA',
      seller: {
        name: str(supplier.Name), street: str(supplier.Address1), zipCode: str(supplier.ZipCode), city: str(supplier.City),
        organisationNumber: str(supplier.OrganisationNumber), vatNumber: str(supplier.VATNumber), phone: str(supplier.Phone1),
        email: str(supplier.Email), bankgiro: str(supplier.BG) || undefined, plusgiro: str(supplier.PG) || undefined,
        iban: str(supplier.IBAN) || undefined, bic: str(supplier.BIC) || undefined,
      },
      buyer: this.#buyer,
      customerNumber: str(supplier.OurCustomerNumber),
      invoiceNumber: str(si.InvoiceNumber),
      invoiceDate: str(si.InvoiceDate),
      dueDate: str(si.DueDate),
      ocr: str(si.OCR) || str(si.InvoiceNumber),
      ourReference: str(supplier.YourReference),
      yourReference: str(si.OurReference),
      terms: `${str(supplier.TermsOfPayment) || '30'} dagar netto`,
      rows: rows.map((r, i) => ({ description: str(r.ItemDescription), quantity: 1, unit: 'st', priceOre: parts[i] ?? 0, vatRate: rate, totalOre: parts[i] ?? 0 })),
      netOre: toOre(si.Total) - vat,
      vatOre: rate > 0 ? { [rate]: vat } : {},
      roundOffOre: 0,
      totalOre: toOre(si.Total),
    };
  }

  /** Pays supplier invoices that are due (series E, one voucher per payment). */
  paySupplierInvoices(day: number): void {
    const date = dateOf(day);
    for (const number of [...this.#openSupplierInvoices]) {
      const stored = this.company.supplierInvoices.get(number);
      if (!stored) {
        this.#openSupplierInvoices.delete(number);
        continue;
      }
      const due = dayOf(str(stored.data.DueDate));
      if (due > day || !this.#rnd.bool(due === day ? 0.85 : 0.5)) continue;
      const t = this.#time(day);
      const amount = toOre(stored.data.Balance);
      const voucher = this.ledger.post({
        series: 'E', date, description: `Leverantörsbetalning ${number} ${str(stored.data.SupplierName)}`.slice(0, 200),
        lines: [
          { account: ACCOUNT.supplierPayables, ore: amount, info: str(stored.data.SupplierName).slice(0, 100) },
          { account: ACCOUNT.bank, ore: -amount },
        ],
        referenceType: 'SUPPLIERPAYMENT', referenceNumber: number, modified: t,
      });
      stored.data.Balance = '0';
      stored.data.FinalPayDate = date;
      (stored.data.Vouchers as FortnoxRecord[]).push({ Number: voucher.data.VoucherNumber as number, Series: 'E', Year: voucher.data.Year as number, ReferenceType: 'SUPPLIERPAYMENT' });
      stored.modified = t;
      this.#openSupplierInvoices.delete(number);
      this.#log.created('vouchers', voucherId(voucher));
      this.#log.updated('supplierInvoices', number);
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Receipts, manual vouchers, periodic routines

  receipt(day: number): void {
    const rnd = this.#rnd;
    const kind = rnd.pick(RECEIPT_KINDS);
    const date = dateOf(day);
    const t = this.#time(day);
    const itemCount = rnd.int(1, 4);
    const total = rnd.int(kind.min * 100, kind.max * 100);
    const vat = Math.round((total * kind.rate) / (100 + kind.rate));
    const costCenter = this.#costCenterPool.length > 0 && rnd.bool(0.35) ? rnd.pick(this.#costCenterPool) : undefined;
    const project = this.#projectPool.length > 0 && rnd.bool(0.2) ? rnd.pick(this.#projectPool) : undefined;
    const store = kind.store(rnd);
    const voucher = this.ledger.post({
      series: 'A', date, description: `Kvitto ${store}`.slice(0, 200), referenceType: 'MANUAL', modified: t,
      lines: [
        { account: kind.account, ore: total - vat, costCenter, project },
        { account: ACCOUNT.inputVat, ore: vat },
        { account: ACCOUNT.bank, ore: -total, info: 'Företagskort' },
      ],
    });
    this.#log.created('vouchers', voucherId(voucher));
    if (!rnd.bool(0.9)) return;
    const rows: { text: string; totalOre: number; vatRate: number }[] = [];
    let left = total;
    for (let i = itemCount; i > 0; i--) {
      const part = i === 1 ? left : Math.round((left * rnd.int(20, 60)) / 100);
      rows.push({ text: rnd.pick(kind.items), totalOre: part, vatRate: kind.rate });
      left -= part;
    }
    const time = `${String(rnd.int(7, 19)).padStart(2, '0')}:${String(rnd.int(0, 59)).padStart(2, '0')}`;
    const city = rnd.pick(CITIES);
    const document: GeneratedDocument = {
      kind: 'receipt-jpeg',
      doc: {
        store, street: `${randomBrand(rnd)}vägen ${rnd.int(1, 80)}`, city: `${city.postcodes[0] ?? ''} ${city.name}`,
        organisationNumber: randomOrganisationNumber(rnd), date, time, receiptNumber: String(rnd.int(1000, 99999)),
        rows, payment: rnd.weighted([['KORT', 8], ['SWISH', 1], ['KONTANT', 1]] as const), totalOre: total, vatOre: { [kind.rate]: vat },
      },
    };
    const name = rnd.bool(0.5) ? `IMG_${rnd.int(1000, 9999)}.jpg` : `Kvitto ${date} ${store}.jpg`;
    const file = this.#addFile(t, 'archive', `Kopplade filer/${date.slice(0, 4)}/${date.slice(5, 7)}`, name, document);
    this.company.voucherFileConnections.set(file.id, {
      data: {
        FileId: file.id, VoucherDescription: str(voucher.data.Description), VoucherNumber: str(voucher.data.VoucherNumber),
        VoucherSeries: 'A', VoucherYear: voucher.data.Year as number,
      },
      modified: t,
    });
    this.#log.created('voucherFileConnections', file.id);
  }

  /** A document waiting in the inbox (`inbox_s` scans, `inbox_v` receipts), connected to nothing yet. */
  inboxFile(day: number): SimFile {
    const rnd = this.#rnd;
    const date = dateOf(day);
    const t = this.#time(day);
    if (rnd.bool(0.5)) {
      const supplier = this.company.suppliers.get(rnd.pick(this.#supplierPool.length > 0 ? this.#supplierPool : ['1']))?.data ?? {};
      const net = rnd.int(50_000, 2_000_000);
      const vat = Math.round(net / 4);
      const invoiceNumber = String(rnd.int(10_000, 9_999_999));
      const doc = this.#supplierInvoiceDocument(supplier, {
        InvoiceNumber: invoiceNumber, InvoiceDate: date, DueDate: addDays(date, 30), OCR: ocrFor(invoiceNumber), OurReference: '',
        Total: toKronor(net + vat), VAT: toKronor(vat),
        SupplierInvoiceRows: [{ Code: '', ItemDescription: supplierKind(supplier).row.replace('{month}', monthName(date)) }],
      }, [net], 25);
      return this.#addFile(t, 'inbox', 'inbox_s', this.#scanName(supplier, invoiceNumber), { kind: 'invoice-pdf', doc });
    }
    const total = rnd.int(5_000, 150_000);
    return this.#addFile(t, 'inbox', 'inbox_v', `IMG_${rnd.int(1000, 9999)}.jpg`, {
      kind: 'receipt-jpeg',
      doc: {
        store: `${randomBrand(rnd)} Livs`, street: `Storgatan ${rnd.int(1, 60)}`, city: rnd.pick(CITIES).name, organisationNumber: randomOrganisationNumber(rnd),
        date, time: '12:00', receiptNumber: String(rnd.int(1000, 99999)), rows: [{ text: 'DIVERSE', totalOre: total, vatRate: 25 }],
        payment: 'KORT', totalOre: total, vatOre: { 25: Math.round(total / 5) },
      },
    });
  }

  #addFile(t: number, store: SimFile['store'], folder: string, name: string, document: GeneratedDocument): SimFile {
    const rnd = this.#rnd;
    const file = generatedFile({
      id: rnd.uuid(), archiveFileId: rnd.uuid(), name, store, folder, document,
      size: drawFileSize(rnd, document.kind), seed: rnd.int(0, 0x7fffffff), modified: t,
      comments: '',
    });
    this.company.files.set(file.id, file);
    this.#log.created('files', file.id);
    return file;
  }

  manualReallocation(day: number): void {
    if (this.#costCenterPool.length < 2) return;
    const rnd = this.#rnd;
    const account = rnd.pick(OMFORING_ACCOUNTS);
    const amount = rnd.int(500, 20_000) * 100;
    const from = rnd.pick(this.#costCenterPool);
    let to = rnd.pick(this.#costCenterPool);
    if (to === from) to = this.#costCenterPool.find((c) => c !== from) ?? to;
    const project = this.#projectPool.length > 0 && rnd.bool(0.5) ? rnd.pick(this.#projectPool) : undefined;
    const date = dateOf(day);
    const voucher = this.ledger.post({
      series: 'A', date, description: `Omföring ${monthName(date)}`, referenceType: 'MANUAL', modified: this.#time(day),
      comments: 'Fördelning av gemensamma kostnader',
      lines: [
        { account, ore: amount, costCenter: to, project, info: `Från ${from}` },
        { account, ore: -amount, costCenter: from, info: `Till ${to}` },
      ],
    });
    this.#log.created('vouchers', voucherId(voucher));
  }

  /** Monthly and quarterly routines: salaries, VAT settlement, tax payment, depreciation, bank fees, interest. */
  periodic(day: number): void {
    const date = dateOf(day);
    const month = Number(date.slice(5, 7));
    const quarterEnd = month % 3 === 0;
    if (this.settings.employees > 0 && day === businessDayOnOrBefore(date.slice(0, 8) + '25')) this.#salaries(day);
    if (day === businessDayOnOrAfter(date.slice(0, 8) + '12')) this.#payTaxes(day);
    const small = this.settings.size === 'small';
    if (date === lastDayOfMonth(date)) {
      if (this.settings.vatPeriod === 'month' || quarterEnd) this.#settleVat(day);
      // A small company books depreciation once a quarter, which keeps its voucher count small.
      if (!small) this.#depreciation(day, 1);
      else if (quarterEnd) this.#depreciation(day, 3);
    }
    if (day === businessDayOnOrBefore(lastDayOfMonth(date)) && (!small || quarterEnd)) {
      this.#post(day, 'A', `Bankavgifter ${monthName(date)}`, [
        { account: 6570, ore: this.#rnd.int(small ? 150 : 95, small ? 450 : 350) * 100 },
        { account: ACCOUNT.bank, ore: 0 },
      ]);
    }
    if (quarterEnd && day === businessDayOnOrBefore(lastDayOfMonth(date))) {
      const yearId = Number(this.ledger.yearFor(date)?.Id);
      const bank = this.ledger.balance(yearId, ACCOUNT.bank);
      const interest = bank > 0 ? Math.round((bank * 0.005) / 4) : 0;
      if (interest >= 100) this.#post(day, 'A', `Ränta ${monthName(date)}`, [{ account: 8311, ore: -interest }, { account: ACCOUNT.bank, ore: 0 }]);
    }
  }

  /** Posts a voucher; a zero line on the bank account takes whatever balances it. */
  #post(day: number, series: string, description: string, lines: VoucherLine[]): void {
    const rest = lines.reduce((s, l) => s + l.ore, 0);
    const balanced = lines.map((l) => (l.ore === 0 && l.account === ACCOUNT.bank ? { ...l, ore: -rest } : l)).filter((l) => l.ore !== 0);
    if (balanced.length < 2) return;
    const voucher = this.ledger.post({ series, date: dateOf(day), description, lines: balanced, referenceType: 'MANUAL', modified: this.#time(day) });
    this.#log.created('vouchers', voucherId(voucher));
  }

  #salaries(day: number): void {
    const date = dateOf(day);
    const raise = 1 + 0.03 * Math.max(0, Number(date.slice(0, 4)) - 2024);
    const lines: VoucherLine[] = [];
    let gross = 0;
    for (let i = 0; i < this.settings.employees; i++) {
      const r = new Random(this.settings.seed + 7919 * (i + 1));
      const salary = Math.round(r.int(27_000, 56_000) * raise) * 100;
      const costCenter = this.#costCenterPool.length > 0 ? this.#costCenterPool[i % this.#costCenterPool.length] : undefined;
      lines.push({ account: 7210, ore: salary, costCenter, info: `Anställd ${i + 1}` });
      gross += salary;
    }
    const tax = Math.round((gross * 0.3) / 100) * 100;
    const fees = Math.round((gross * 0.3142) / 100) * 100;
    lines.push({ account: ACCOUNT.payrollTax, ore: -tax }, { account: 7510, ore: fees }, { account: ACCOUNT.socialFees, ore: -fees }, { account: ACCOUNT.bank, ore: 0 });
    this.#post(day, 'L', `Lön ${monthName(date)}`, lines);
  }

  #settleVat(day: number): void {
    const date = dateOf(day);
    const yearId = Number(this.ledger.yearFor(date)?.Id);
    const lines: VoucherLine[] = [];
    for (const account of [2611, 2621, 2631, 2614, 2641, 2645]) lines.push({ account, ore: -this.ledger.balance(yearId, account) });
    const rest = lines.reduce((s, l) => s + l.ore, 0);
    lines.push({ account: ACCOUNT.vatSettlement, ore: -rest });
    const period = this.settings.vatPeriod === 'month' ? monthName(date) : `kvartal ${Math.ceil(Number(date.slice(5, 7)) / 3)} ${date.slice(0, 4)}`;
    if (lines.filter((l) => l.ore !== 0).length >= 2) this.#post(day, 'A', `Momsredovisning ${period}`, lines);
  }

  #payTaxes(day: number): void {
    const date = dateOf(day);
    const yearId = Number(this.ledger.yearFor(date)?.Id);
    const lines: VoucherLine[] = [ACCOUNT.payrollTax, ACCOUNT.socialFees, ACCOUNT.vatSettlement].map((account) => ({ account, ore: -this.ledger.balance(yearId, account) }));
    lines.push({ account: ACCOUNT.bank, ore: 0, info: 'Skattekonto' });
    this.#post(day, 'A', `Skattebetalning ${monthName(date)}`, lines);
  }

  #depreciation(day: number, months: number): void {
    const date = dateOf(day);
    const yearId = Number(this.ledger.yearFor(date)?.Id);
    const assets = this.ledger.balance(yearId, 1220);
    const accumulated = -this.ledger.balance(yearId, 1229);
    // Straight-line over five years until the inventories are written off.
    const amount = Math.min(Math.round((assets * months) / 60 / 100) * 100, assets - accumulated);
    if (amount > 0) this.#post(day, 'A', `Avskrivning inventarier ${monthName(date)}`, [{ account: 7832, ore: amount }, { account: 1229, ore: -amount }]);
  }
}

export function voucherId(voucher: Stored): string {
  return voucherKey(Number(voucher.data.Year), str(voucher.data.VoucherSeries), Number(voucher.data.VoucherNumber));
}

function businessDayOnOrBefore(date: string): number {
  let d = dayOf(date);
  while (isWeekend(d)) d--;
  return d;
}

function businessDayOnOrAfter(date: string): number {
  let d = dayOf(date);
  while (isWeekend(d)) d++;
  return d;
}

