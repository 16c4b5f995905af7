/**
 * A small hand-made company for the HTTP layer's tests (and a stand-in until the data generator lands).
 * Records are in Fortnox's detail shape, built on the templates Fortnox's real replies gave us.
 */
import { fortnoxDate } from './clock.ts';
import { emptyCompany, voucherKey, type FortnoxRecord, type SimCompany, type SimFile, type Stored } from './model.ts';
import {
  accountTemplate, articleTemplate, costCenterTemplate, customerTemplate, invoiceRowTemplate, invoiceTemplate, projectTemplate,
  supplierInvoiceRowTemplate, supplierInvoiceTemplate, supplierTemplate, voucherRowTemplate,
} from './templates.ts';

const DAY = 86_400_000;

function stored(data: FortnoxRecord, modified: number): Stored {
  return { data, modified };
}

const ACCOUNTS: readonly [number, string, string | null][] = [
  [1510, 'Kundfordringar', null], [1930, 'Företagskonto', null], [2440, 'Leverantörsskulder', null], [2611, 'Utgående moms på försäljning inom Sverige, 25 %', 'MP1'],
  [2641, 'Debiterad ingående moms', 'MP1'], [3001, 'Försäljning inom Sverige, 25 % moms', 'MP1'], [4010, 'Inköp material och varor', null], [5010, 'Lokalhyra', null],
  [6110, 'Kontorsmateriel', null], [7010, 'Löner till kollektivanställda', null],
];

export function fixtureCompany(options: { tenantId: number; now: number; index?: number }): SimCompany {
  const { tenantId, now } = options;
  const index = options.index ?? 0;
  const t0 = now - 30 * DAY;
  const thisYear = Number(fortnoxDate(now).slice(0, 4));
  const years = [thisYear - 2, thisYear - 1, thisYear];
  const company: SimCompany = {
    ...emptyCompany(tenantId, {
      Address: 'Storgatan 1', City: 'Växjö', CompanyName: index === 0 ? 'Åkessons Snickeri AB' : `Fixturbolaget ${index} AB`, CountryCode: 'SE',
      DatabaseNumber: tenantId, OrganizationNumber: `55660${index}-1234`, VisitAddress: 'Storgatan 1', VisitCity: 'Växjö', VisitCountryCode: 'SE',
      VisitZipCode: '352 30', ZipCode: '352 30',
    }),
    financialYears: years.map((y, i) => stored({ Id: i + 1, FromDate: `${y}-01-01`, ToDate: `${y}-12-31`, AccountChartType: 'BAS 2024', AccountingMethod: 'ACCRUAL' }, t0)),
  };
  years.forEach((y, i) => {
    const id = i + 1;
    company.accounts.set(id, new Map(ACCOUNTS.map(([n, d, vat]) => [String(n), stored({ ...accountTemplate(), Number: n, Description: d, VATCode: vat, SRU: 7000 + (n % 1000), Year: id }, t0)])));
    company.voucherSeries.set(id, new Map([['A', 'Redovisning'], ['B', 'Kundfakturor'], ['F', 'Leverantörsfakturor']].map(([code, desc]) =>
      [code as string, stored({ Code: code as string, Description: desc as string, Manual: code === 'A', NextVoucherNumber: 1, Year: id, Approver: { Id: 0, Name: '' } }, t0)])));
    for (let n = 1; n <= 3; n++) {
      const amount = 1000 * n + id;
      const voucher: FortnoxRecord = {
        ApprovalState: 0, Comments: '', CostCenter: '', Description: `Hyra ${y}-0${n}`, Project: '', ReferenceNumber: '', ReferenceType: 'MANUAL',
        TransactionDate: `${y}-0${n}-15`, VoucherNumber: n, VoucherSeries: 'A', Year: id,
        VoucherRows: [
          { ...voucherRowTemplate(), Account: 5010, Debit: amount, Description: 'Lokalhyra' },
          { ...voucherRowTemplate(), Account: 1930, Credit: amount, Description: 'Företagskonto' },
        ],
      };
      company.vouchers.set(voucherKey(id, 'A', n), stored(voucher, t0 + n * 1000));
    }
    (company.voucherSeries.get(id)?.get('A') as Stored).data.NextVoucherNumber = 4;
  });

  const customers: [string, string, string][] = [['1', 'Åsa Öberg Konsult AB', 'Malmö'], ['2', 'Bäckströms Bygg', 'Lund'], ['3', 'Zeta Data AB', 'Göteborg'], ['10', 'Ängens Gård', 'Växjö']];
  customers.forEach(([nr, name, city], i) => company.customers.set(nr, stored({
    ...customerTemplate(), CustomerNumber: nr, Name: name, City: city, Address1: `Gatan ${i + 1}`, ZipCode: `21${i}00`, Email: `info${nr}@example.se`,
    OrganisationNumber: `55600${i}-000${i}`, Country: 'Sverige', CountryCode: 'SE', TermsOfPayment: '30', Active: nr !== '3',
  }, t0 + i * DAY)));
  company.suppliers.set('1', stored({ ...supplierTemplate(), SupplierNumber: '1', Name: 'Elbolaget i Småland AB', BG: '5050-1055', City: 'Växjö' }, t0));
  company.suppliers.set('2', stored({ ...supplierTemplate(), SupplierNumber: '2', Name: 'Kontorsvaror Sverige AB', PG: '90 20 03-3', IBAN: 'SE4550000000058398257466', Active: false }, t0 + DAY));
  const articles: [string, string, number][] = [['1', 'Snickeritimme', 650], ['2', 'Spik 100-pack', 89], ['101', 'Hammare', 249]];
  articles.forEach(([nr, desc, price], i) => company.articles.set(nr, stored({ ...articleTemplate(), ArticleNumber: nr, Description: desc, SalesPrice: price, VAT: 25, QuantityInStock: 10 * i, Active: i < 2 }, t0 + i * DAY)));
  company.projects.set('1', stored({ ...projectTemplate(), ProjectNumber: '1', Description: 'Köksrenovering', StartDate: `${thisYear}-01-10`, ProjectLeader: 'Åke' }, t0));
  company.projects.set('2', stored({ ...projectTemplate(), ProjectNumber: '2', Description: 'Altanbygge', Status: 'COMPLETED' }, t0));
  company.costCenters.set('SN', stored({ ...costCenterTemplate(), Code: 'SN', Description: 'Snickeri' }, t0));
  company.costCenters.set('AD', stored({ ...costCenterTemplate(), Code: 'AD', Description: 'Administration', Active: false }, t0));

  const invoiceDates = [`${thisYear}-02-01`, `${thisYear}-03-01`, `${thisYear}-04-01`];
  invoiceDates.forEach((date, i) => {
    const nr = String(i + 1);
    const qty = i + 1;
    const net = qty * 650;
    const vat = net * 0.25;
    company.invoices.set(nr, stored({
      ...invoiceTemplate(), DocumentNumber: nr, CustomerNumber: '1', CustomerName: 'Åsa Öberg Konsult AB', City: 'Malmö', InvoiceDate: date, DueDate: date.replace(/-01$/, '-28'),
      OCR: `${nr}34`, Booked: i < 2, Balance: i === 0 ? 0 : net + vat, Net: net, Gross: net, TotalVAT: vat, Total: net + vat, TotalToPay: net + vat, OutboundDate: date,
      YourReference: i === 1 ? 'Gandalf' : '', InvoiceRows: [{ ...invoiceRowTemplate(), ArticleNumber: '1', Description: 'Snickeritimme', DeliveredQuantity: String(qty), Price: 650, PriceExcludingVAT: 650, Total: net, TotalExcludingVAT: net, RowId: i + 1 }],
    }, t0 + i * DAY));
  });

  company.supplierInvoices.set('1', stored({
    ...supplierInvoiceTemplate(), GivenNumber: '1', SupplierNumber: '1', SupplierName: 'Elbolaget i Småland AB', InvoiceDate: `${thisYear}-03-05`, DueDate: `${thisYear}-04-04`,
    InvoiceNumber: 'E-1001', Total: '1250', VAT: '250', Balance: '1250', Booked: true,
    SupplierInvoiceRows: [
      { ...supplierInvoiceRowTemplate(), Account: 2440, Credit: 1250, Total: -1250 },
      { ...supplierInvoiceRowTemplate(), Account: 2641, Debit: 250, Total: 250 },
      { ...supplierInvoiceRowTemplate(), Account: 5010, Debit: 1000, Total: 1000 },
    ],
    Vouchers: [{ Number: 1, Series: 'F', Year: 3, ReferenceType: 'SUPPLIERINVOICE' }],
  }, t0));

  const pdf = (text: string): Buffer => Buffer.from(`%PDF-1.4\n% ${text}\n${'x'.repeat(200)}\n%%EOF\n`, 'latin1');
  const addFile = (f: Omit<SimFile, 'size' | 'content' | 'modified' | 'comments'> & { text: string }): SimFile => {
    const body = pdf(f.text);
    const file: SimFile = { id: f.id, archiveFileId: f.archiveFileId, name: f.name, store: f.store, folder: f.folder, contentType: f.contentType, size: body.length, content: () => body, comments: '', modified: t0 };
    company.files.set(file.id, file);
    return file;
  };
  const connected = addFile({ id: `0000000${index}-0000-4000-8000-000000000001`, archiveFileId: `0000000${index}-0000-4000-8000-0000000000a1`, name: 'elräkning mars.pdf', store: 'archive', folder: `Kopplade filer/${thisYear}/03`, contentType: 'application/pdf', text: 'elräkning' });
  const voucherFile = addFile({ id: `0000000${index}-0000-4000-8000-000000000002`, archiveFileId: `0000000${index}-0000-4000-8000-0000000000a2`, name: 'hyresavi.pdf', store: 'archive', folder: `Kopplade filer/${thisYear}/01`, contentType: 'application/pdf', text: 'hyra' });
  addFile({ id: `0000000${index}-0000-4000-8000-000000000003`, archiveFileId: `0000000${index}-0000-4000-8000-0000000000a3`, name: 'kvitto.pdf', store: 'inbox', folder: 'inbox_s', contentType: 'application/pdf', text: 'kvitto' });
  addFile({ id: `0000000${index}-0000-4000-8000-000000000004`, archiveFileId: `0000000${index}-0000-4000-8000-0000000000a4`, name: 'avtal.pdf', store: 'archive', folder: 'Avtal', contentType: 'application/pdf', text: 'avtal' });
  company.supplierInvoiceFileConnections.set(connected.id, stored({ FileId: connected.id, Name: connected.name, SupplierInvoiceNumber: '1', SupplierName: 'Elbolaget i Småland AB' }, t0));
  company.voucherFileConnections.set(voucherFile.id, stored({ FileId: voucherFile.id, VoucherDescription: `Hyra ${thisYear}-01`, VoucherNumber: '1', VoucherSeries: 'A', VoucherYear: 3 }, t0));
  return company;
}
