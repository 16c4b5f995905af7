/**
 * The documents a Fortnox company holds: invoice PDFs (the `/preview` of a customer invoice), scanned
 * supplier invoices (PDF) and photographed till receipts (JPEG). Attachments are `SimFile`s whose bytes
 * are re-created on demand from a small description and a seed, padded to a size fixed in advance, so a
 * large company does not keep thousands of files in memory and every read returns the same bytes.
 */
import type { FortnoxRecord, SimCompany, SimFile } from './model.ts';
import { GrayCanvas, encodeJpeg } from './jpeg.ts';
import { PdfPage, buildPdf } from './pdf.ts';
import { Random } from './random.ts';
import { formatIbanForPrint } from './swedish.ts';
import { text as str, toOre as ore } from './values.ts';

export interface DocumentParty {
  name: string;
  street: string;
  zipCode: string;
  city: string;
  organisationNumber: string;
  vatNumber?: string;
  phone?: string;
  email?: string;
  bankgiro?: string;
  plusgiro?: string;
  iban?: string;
  bic?: string;
}

export interface DocumentRow {
  description: string;
  quantity: number;
  unit: string;
  /** Unit price excluding VAT, in öre. */
  priceOre: number;
  vatRate: number;
  /** Row total excluding VAT, in öre. */
  totalOre: number;
}

export interface InvoiceDocument {
  title: 'FAKTURA' | 'KREDITFAKTURA';
  seller: DocumentParty;
  buyer: DocumentParty;
  customerNumber: string;
  invoiceNumber: string;
  invoiceDate: string;
  dueDate: string;
  ocr: string;
  ourReference: string;
  yourReference: string;
  terms: string;
  rows: DocumentRow[];
  netOre: number;
  /** VAT per rate, in öre. */
  vatOre: Record<number, number>;
  roundOffOre: number;
  totalOre: number;
}

export interface ReceiptDocument {
  store: string;
  street: string;
  city: string;
  organisationNumber: string;
  date: string;
  time: string;
  receiptNumber: string;
  rows: { text: string; totalOre: number; vatRate: number }[];
  payment: 'KORT' | 'SWISH' | 'KONTANT';
  totalOre: number;
  vatOre: Record<number, number>;
}

/** `12 345,67` — Swedish grouping and decimal comma. */
export function formatAmount(ore: number): string {
  const sign = ore < 0 ? '-' : '';
  const abs = Math.abs(ore);
  const kr = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${sign}${kr},${String(abs % 100).padStart(2, '0')}`;
}

function formatQuantity(q: number): string {
  return Number.isInteger(q) ? String(q) : q.toFixed(2).replace('.', ',');
}

// ---------------------------------------------------------------------------------------------------
// Invoice layout (used for customer-invoice previews and for suppliers' invoices we receive)

export function layoutInvoicePdf(doc: InvoiceDocument, options: { padTo?: number; padSeed?: number } = {}): Buffer {
  const pages: PdfPage[] = [];
  const rowsPerPage = 22;
  const chunks: DocumentRow[][] = [];
  for (let i = 0; i < Math.max(1, doc.rows.length); i += rowsPerPage) chunks.push(doc.rows.slice(i, i + rowsPerPage));
  chunks.forEach((rows, pageIndex) => {
    const p = new PdfPage();
    const last = pageIndex === chunks.length - 1;
    p.text(50, 780, doc.seller.name, { size: 18, bold: true });
    p.text(545, 780, doc.title, { size: 18, bold: true, align: 'right' });
    p.text(545, 764, `Sida ${pageIndex + 1} av ${chunks.length}`, { size: 8, align: 'right', gray: 0.4 });
    p.text(50, 764, doc.seller.street, { size: 9 });
    p.text(50, 752, `${doc.seller.zipCode} ${doc.seller.city}`, { size: 9 });

    const facts: [string, string][] = [
      ['Fakturanummer', doc.invoiceNumber], ['Fakturadatum', doc.invoiceDate], ['Förfallodatum', doc.dueDate],
      ['Kundnummer', doc.customerNumber], ['OCR', doc.ocr], ['Betalningsvillkor', doc.terms],
      ['Vår referens', doc.ourReference], ['Er referens', doc.yourReference],
    ];
    p.rect(50, 600, 230, 130);
    facts.forEach(([label, value], i) => {
      p.text(58, 715 - i * 15, label, { size: 8, gray: 0.35 });
      p.text(272, 715 - i * 15, value, { size: 9, align: 'right' });
    });
    p.text(320, 712, doc.buyer.name, { size: 11, bold: true });
    p.text(320, 697, doc.buyer.street, { size: 10 });
    p.text(320, 683, `${doc.buyer.zipCode} ${doc.buyer.city}`, { size: 10 });
    if (doc.buyer.organisationNumber) p.text(320, 662, `Org.nr ${doc.buyer.organisationNumber}`, { size: 8, gray: 0.35 });

    const cols = { description: 50, quantity: 330, unit: 340, price: 440, vat: 480, total: 545 };
    p.text(cols.description, 575, 'Benämning', { size: 8, bold: true });
    p.text(cols.quantity, 575, 'Antal', { size: 8, bold: true, align: 'right' });
    p.text(cols.unit, 575, 'Enhet', { size: 8, bold: true });
    p.text(cols.price, 575, 'À-pris', { size: 8, bold: true, align: 'right' });
    p.text(cols.vat, 575, 'Moms', { size: 8, bold: true, align: 'right' });
    p.text(cols.total, 575, 'Belopp', { size: 8, bold: true, align: 'right' });
    p.line(50, 570, 545, 570);
    rows.forEach((row, i) => {
      const y = 556 - i * 14;
      p.text(cols.description, y, row.description.slice(0, 48), { size: 9 });
      p.text(cols.quantity, y, formatQuantity(row.quantity), { size: 9, align: 'right' });
      p.text(cols.unit, y, row.unit, { size: 9 });
      p.text(cols.price, y, formatAmount(row.priceOre), { size: 9, align: 'right' });
      p.text(cols.vat, y, `${row.vatRate} %`, { size: 9, align: 'right' });
      p.text(cols.total, y, formatAmount(row.totalOre), { size: 9, align: 'right' });
    });

    if (last) {
      let y = 230;
      p.line(320, y + 14, 545, y + 14);
      const totals: [string, number][] = [['Netto', doc.netOre]];
      for (const rate of Object.keys(doc.vatOre).map(Number).sort((a, b) => b - a)) totals.push([`Moms ${rate} %`, doc.vatOre[rate] ?? 0]);
      if (doc.roundOffOre !== 0) totals.push(['Öresavrundning', doc.roundOffOre]);
      for (const [label, ore] of totals) {
        p.text(330, y, label, { size: 9 });
        p.text(545, y, formatAmount(ore), { size: 9, align: 'right' });
        y -= 14;
      }
      p.rect(320, y - 8, 225, 22, 0.85);
      p.text(330, y, 'Att betala SEK', { size: 11, bold: true });
      p.text(540, y, formatAmount(doc.totalOre), { size: 11, bold: true, align: 'right' });
    }

    p.line(50, 110, 545, 110);
    const s = doc.seller;
    p.text(50, 96, 'Adress', { size: 7, bold: true });
    p.text(50, 86, s.name, { size: 7 });
    p.text(50, 77, s.street, { size: 7 });
    p.text(50, 68, `${s.zipCode} ${s.city}`, { size: 7 });
    p.text(200, 96, 'Kontakt', { size: 7, bold: true });
    if (s.phone) p.text(200, 86, `Telefon ${s.phone}`, { size: 7 });
    if (s.email) p.text(200, 77, s.email, { size: 7 });
    p.text(330, 96, 'Organisation', { size: 7, bold: true });
    p.text(330, 86, `Org.nr ${s.organisationNumber}`, { size: 7 });
    if (s.vatNumber) p.text(330, 77, `Momsreg.nr ${s.vatNumber}`, { size: 7 });
    p.text(330, 68, 'Godkänd för F-skatt', { size: 7 });
    p.text(450, 96, 'Betalning', { size: 7, bold: true });
    let py = 86;
    if (s.bankgiro) { p.text(450, py, `Bankgiro ${s.bankgiro}`, { size: 7 }); py -= 9; }
    if (s.plusgiro) { p.text(450, py, `Plusgiro ${s.plusgiro}`, { size: 7 }); py -= 9; }
    if (s.iban) { p.text(450, py, `IBAN ${formatIbanForPrint(s.iban)}`, { size: 6 }); py -= 9; }
    if (s.bic) p.text(450, py, `BIC ${s.bic}`, { size: 7 });
    pages.push(p);
  });
  return buildPdf(pages, {
    title: `${doc.title === 'FAKTURA' ? 'Faktura' : 'Kreditfaktura'} ${doc.invoiceNumber}`,
    author: doc.seller.name,
    creationDate: `D:${doc.invoiceDate.replace(/-/g, '')}120000`,
    ...options,
  });
}

/** The PDF behind `GET /3/invoices/{DocumentNumber}/preview`, drawn from the invoice as it is now. */
export function invoicePdf(company: SimCompany, invoice: FortnoxRecord): Buffer {
  const info = company.info;
  const profile = company.profile;
  const customer = company.customers.get(str(invoice.CustomerNumber))?.data;
  const rows = (Array.isArray(invoice.InvoiceRows) ? invoice.InvoiceRows : []) as FortnoxRecord[];
  const vatOre: Record<number, number> = {};
  for (const row of rows) {
    const rate = Number(row.VAT ?? 0);
    vatOre[rate] = (vatOre[rate] ?? 0) + Math.round((ore(row.Total) * rate) / 100);
  }
  // Rounding per row can differ from the invoice's own VAT by an öre; the invoice is the truth.
  const vatSum = Object.values(vatOre).reduce((s, v) => s + v, 0);
  const firstRate = Object.keys(vatOre).map(Number).sort((a, b) => b - a)[0];
  if (firstRate !== undefined) vatOre[firstRate] = (vatOre[firstRate] ?? 0) + ore(invoice.TotalVAT) - vatSum;
  return layoutInvoicePdf({
    title: str(invoice.Credit) === 'true' ? 'KREDITFAKTURA' : 'FAKTURA',
    seller: {
      name: str(info.CompanyName), street: str(info.Address), zipCode: str(info.ZipCode), city: str(info.City),
      organisationNumber: str(info.OrganizationNumber), vatNumber: profile?.vatNumber, phone: profile?.phone,
      email: profile?.email, bankgiro: profile?.bankgiro, plusgiro: profile?.plusgiro, iban: profile?.iban, bic: profile?.bic,
    },
    buyer: {
      name: str(invoice.CustomerName), street: str(invoice.Address1), zipCode: str(invoice.ZipCode), city: str(invoice.City),
      organisationNumber: str(invoice.OrganisationNumber || customer?.OrganisationNumber),
    },
    customerNumber: str(invoice.CustomerNumber),
    invoiceNumber: str(invoice.DocumentNumber),
    invoiceDate: str(invoice.InvoiceDate),
    dueDate: str(invoice.DueDate),
    ocr: str(invoice.OCR),
    ourReference: str(invoice.OurReference),
    yourReference: str(invoice.YourReference),
    terms: `${str(invoice.TermsOfPayment)} dagar netto`,
    rows: rows.map((r) => ({
      description: str(r.Description), quantity: Number(r.DeliveredQuantity ?? 0), unit: str(r.Unit),
      priceOre: ore(r.Price), vatRate: Number(r.VAT ?? 0), totalOre: ore(r.Total),
    })),
    netOre: ore(invoice.Net),
    vatOre,
    roundOffOre: ore(invoice.RoundOff),
    totalOre: ore(invoice.Total),
  });
}

// ---------------------------------------------------------------------------------------------------
// Receipts

export function receiptCanvas(doc: ReceiptDocument): GrayCanvas {
  const width = 384;
  const lineHeight = 22;
  const vatRates = Object.keys(doc.vatOre).length;
  const height = 40 + lineHeight * (9 + doc.rows.length + vatRates) + 60;
  const c = new GrayCanvas(width, height, 244);
  const right = (y: number, text: string, scale = 2): void => void c.text(width - 20 - GrayCanvas.textWidth(text, scale), y, text, scale);
  const center = (y: number, text: string, scale = 2): void => void c.text((width - GrayCanvas.textWidth(text, scale)) / 2, y, text, scale);
  let y = 24;
  center(y, doc.store.slice(0, 20), 3);
  y += lineHeight + 12;
  center(y, doc.street.slice(0, 28));
  y += lineHeight;
  center(y, doc.city.slice(0, 28));
  y += lineHeight;
  center(y, `ORG.NR ${doc.organisationNumber}`);
  y += lineHeight + 8;
  c.text(20, y, doc.date);
  right(y, doc.time);
  y += lineHeight;
  c.fillRect(20, y, width - 40, 2, 60);
  y += 12;
  for (const row of doc.rows) {
    c.text(20, y, row.text.slice(0, 18));
    right(y, formatAmount(row.totalOre));
    y += lineHeight;
  }
  c.fillRect(20, y, width - 40, 2, 60);
  y += 12;
  c.text(20, y, 'TOTALT', 3);
  right(y, formatAmount(doc.totalOre), 3);
  y += lineHeight + 10;
  for (const [rate, vat] of Object.entries(doc.vatOre)) {
    c.text(20, y, `MOMS ${rate}%`);
    right(y, formatAmount(vat));
    y += lineHeight;
  }
  c.text(20, y, doc.payment);
  right(y, formatAmount(doc.totalOre));
  y += lineHeight;
  center(y + 8, `KVITTO ${doc.receiptNumber}`);
  center(y + 8 + lineHeight, 'TACK FÖR BESÖKET!');
  return c;
}

export function receiptJpeg(doc: ReceiptDocument, options: { padTo?: number; padSeed?: number } = {}): Buffer {
  const canvas = receiptCanvas(doc);
  canvas.texture(new Random(options.padSeed ?? 0), 1.5);
  return encodeJpeg(canvas, { quality: 70, comment: `Kvitto ${doc.store}`, ...options });
}

// ---------------------------------------------------------------------------------------------------
// Generated attachments

export type GeneratedDocument = { kind: 'invoice-pdf'; doc: InvoiceDocument } | { kind: 'receipt-jpeg'; doc: ReceiptDocument };

/** Upper bounds of the unpadded documents, so that a size drawn in advance is always reachable. */
export const MIN_FILE_SIZE = { 'invoice-pdf': 8_000, 'receipt-jpeg': 36_000 } as const;
export const MAX_FILE_SIZE = 80_000;

/** A file size around 30 KB on average, between the kind's minimum and 80 KB. */
export function drawFileSize(rnd: Random, kind: GeneratedDocument['kind']): number {
  const min = MIN_FILE_SIZE[kind];
  // A skewed distribution (most scans are small, a few are large) with a mean near 30 KB.
  const u = rnd.float();
  const size = Math.round(min + (MAX_FILE_SIZE - min) * u * u * (kind === 'invoice-pdf' ? 0.84 : 0.3));
  return Math.min(MAX_FILE_SIZE, Math.max(min, size));
}

export function renderDocument(document: GeneratedDocument, size: number, seed: number): Buffer {
  return document.kind === 'invoice-pdf'
    ? layoutInvoicePdf(document.doc, { padTo: size, padSeed: seed })
    : receiptJpeg(document.doc, { padTo: size, padSeed: seed });
}

export interface GeneratedFileOptions {
  id: string;
  archiveFileId: string;
  name: string;
  store: SimFile['store'];
  folder: string;
  document: GeneratedDocument;
  size: number;
  seed: number;
  comments?: string;
  modified: number;
}

/** A file whose content is rendered again on each call; only the description is kept in memory. */
export function generatedFile(o: GeneratedFileOptions): SimFile {
  const { document, size, seed } = o;
  return {
    id: o.id,
    archiveFileId: o.archiveFileId,
    name: o.name,
    store: o.store,
    folder: o.folder,
    contentType: document.kind === 'invoice-pdf' ? 'application/pdf' : 'image/jpeg',
    size,
    content: () => renderDocument(document, size, seed),
    comments: o.comments ?? '',
    modified: o.modified,
  };
}
