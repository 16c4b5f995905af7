import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { text as asText } from './values.ts';
import { DEFAULT_START } from './clock.ts';
import { MAX_FILE_SIZE, formatAmount, invoicePdf, layoutInvoicePdf, receiptJpeg, type InvoiceDocument } from './documents.ts';
import { generateCompany } from './generate.ts';
import { GrayCanvas, encodeJpeg } from './jpeg.ts';
import { PdfPage, buildPdf } from './pdf.ts';

/** Checks a PDF's frame: header, trailer, and that every xref entry points at its `N 0 obj`. */
function assertValidPdf(pdf: Buffer): void {
  const text = pdf.toString('latin1');
  assert.ok(text.startsWith('%PDF-1.4\n'), 'header');
  assert.ok(text.endsWith('%%EOF\n'), 'ends with %%EOF');
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
  assert.equal(text.slice(startxref, startxref + 5), 'xref\n');
  const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(text.slice(startxref)) ?? [];
  assert.equal(first, '0');
  const entries = text.slice(startxref).split('\n').slice(2, 2 + Number(count));
  assert.equal(entries[0], '0000000000 65535 f ');
  entries.slice(1).forEach((entry, i) => {
    assert.match(entry, /^\d{10} 00000 n $/);
    const offset = Number(entry.slice(0, 10));
    assert.equal(text.slice(offset, offset + `${i + 1} 0 obj`.length), `${i + 1} 0 obj`, `object ${i + 1} at ${offset}`);
  });
  assert.match(text, /trailer\n<< \/Size \d+ \/Root 1 0 R/);
}

function assertValidJpeg(jpeg: Buffer): void {
  assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8], 'SOI');
  assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9], 'EOI');
  // Walk the marker segments up to the scan: each must be well formed.
  const seen = new Set<number>();
  let i = 2;
  while (i < jpeg.length) {
    assert.equal(jpeg[i], 0xff, `marker at ${i}`);
    const marker = jpeg[i + 1] as number;
    seen.add(marker);
    const length = jpeg.readUInt16BE(i + 2);
    if (marker === 0xda) break;
    i += 2 + length;
  }
  for (const [marker, name] of [[0xe0, 'APP0'], [0xdb, 'DQT'], [0xc0, 'SOF0'], [0xc4, 'DHT'], [0xda, 'SOS']] as const) assert.ok(seen.has(marker), name);
}

const doc: InvoiceDocument = {
  title: 'FAKTURA',
  seller: { name: 'Åkessons Bygg AB', street: 'Storgatan 1', zipCode: '111 22', city: 'Stockholm', organisationNumber: '556677-8899', bankgiro: '123-4567', iban: 'SE4550000000058398257466', bic: 'ESSESESS' },
  buyer: { name: 'Öbergs Café (HB)', street: 'Ängsvägen 2', zipCode: '222 21', city: 'Lund', organisationNumber: '969123-4560' },
  customerNumber: '12', invoiceNumber: '1001', invoiceDate: '2026-03-01', dueDate: '2026-03-31', ocr: '100153', ourReference: 'Åsa', yourReference: 'Sören',
  terms: '30 dagar netto', rows: [{ description: 'Arbetstid snickare \\ (kväll)', quantity: 2.5, unit: 'h', priceOre: 65000, vatRate: 25, totalOre: 162500 }],
  netOre: 162500, vatOre: { 25: 40625 }, roundOffOre: -25, totalOre: 203100,
};

describe('documents', () => {
  test('formats amounts the Swedish way', () => {
    assert.equal(formatAmount(123456789), '1 234 567,89');
    assert.equal(formatAmount(-5), '-0,05');
  });

  test('writes a PDF with a correct cross-reference table and Swedish letters in WinAnsi', () => {
    const pdf = layoutInvoicePdf(doc);
    assertValidPdf(pdf);
    const text = pdf.toString('latin1');
    assert.ok(text.includes('/Encoding /WinAnsiEncoding'));
    assert.ok(text.includes('(Åkessons Bygg AB)'), 'å as the WinAnsi byte 0xC5');
    assert.ok(text.includes('(Öbergs Café \\(HB\\))'), 'parentheses escaped');
    assert.ok(text.includes('Arbetstid snickare \\\\ \\(kväll\\)'), 'backslash escaped');
  });

  test('pads a PDF or a JPEG to exactly the size asked for, with the same bytes each time', () => {
    for (const size of [8_000, 9_999, 10_000, 10_001, 31_337, MAX_FILE_SIZE]) {
      const a = layoutInvoicePdf(doc, { padTo: size, padSeed: size });
      assert.equal(a.length, size);
      assertValidPdf(a);
      assert.deepEqual(a, layoutInvoicePdf(doc, { padTo: size, padSeed: size }));
    }
    const canvas = new GrayCanvas(64, 48);
    canvas.text(2, 2, 'ÅÄÖ 12', 1);
    for (const size of [2_000, 70_000, 65_541, 65_540]) assert.equal(encodeJpeg(canvas, { padTo: size, padSeed: 1 }).length, size);
    assert.throws(() => layoutInvoicePdf(doc, { padTo: 100 }), RangeError);
  });

  test('writes a baseline JPEG receipt that decoders accept', () => {
    const jpeg = receiptJpeg({
      store: 'Café Ängen', street: 'Sjögatan 3', city: '831 30 Östersund', organisationNumber: '556677-8899', date: '2026-01-02', time: '12:34',
      receiptNumber: '4711', rows: [{ text: 'KAFFE', totalOre: 3500, vatRate: 12 }], payment: 'KORT', totalOre: 3500, vatOre: { 12: 375 },
    }, { padTo: 40_000, padSeed: 3 });
    assert.equal(jpeg.length, 40_000);
    assertValidJpeg(jpeg);
  });

  test('generated attachments have exactly their announced size, valid structure and stable bytes', () => {
    const c = generateCompany({ seed: 3, size: 'small', index: 0, tenantId: 1, now: DEFAULT_START });
    assert.ok(c.files.size > 10);
    for (const f of c.files.values()) {
      const bytes = f.content();
      assert.equal(bytes.length, f.size, f.name);
      if (f.contentType === 'application/pdf') assertValidPdf(bytes);
      else assertValidJpeg(bytes);
      assert.deepEqual(f.content(), bytes);
    }
  });

  test('renders an invoice preview from the invoice record', () => {
    const c = generateCompany({ seed: 3, size: 'small', index: 0, tenantId: 1, now: DEFAULT_START });
    const invoice = [...c.invoices.values()][0]?.data ?? {};
    const pdf = invoicePdf(c, invoice);
    assertValidPdf(pdf);
    const text = pdf.toString('latin1');
    assert.ok(text.includes(`(${asText(invoice.OCR)})`));
    assert.ok(text.includes(`(Bankgiro ${c.profile?.bankgiro ?? ''})`));
    assert.deepEqual(invoicePdf(c, invoice), pdf);
  });

  test('a multi-page document gets one page object per page', () => {
    const pages = [new PdfPage().text(50, 800, 'Sida 1'), new PdfPage().text(50, 800, 'Sida 2')];
    const pdf = buildPdf(pages);
    assertValidPdf(pdf);
    assert.match(pdf.toString('latin1'), /\/Count 2/);
  });
});
