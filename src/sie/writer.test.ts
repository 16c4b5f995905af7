import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { decodeCp437 } from './cp437.ts';
import { emptyDocument, type SieDocument, type SieVoucher } from './model.ts';
import { parseSie } from './reader.ts';
import { writeSie } from './writer.ts';

function voucher(series: string, number: number | undefined, text?: string): SieVoucher {
  return {
    series, number, date: '2024-03-01', text, registeredOn: undefined, sign: undefined,
    rows: [
      { kind: 'TRANS', account: '1910', objects: [], amount: 12550n, date: '2024-03-01', text: undefined, quantity: undefined, sign: undefined },
      { kind: 'TRANS', account: '3010', objects: [{ dimension: 1, id: '0123' }], amount: -12550n, date: '2024-03-02', text: 'Sålt', quantity: '-2.5', sign: 'AN' },
    ],
  };
}

function doc(patch: Partial<SieDocument> = {}): SieDocument {
  const d = emptyDocument();
  d.flag = 0;
  d.format = 'PC8';
  d.program = { name: 'Noxbackup', version: '0.1.0' };
  d.generated = { date: '2024-03-31', sign: undefined };
  d.declaredType = '4';
  d.company.name = 'Testbolaget AB';
  return Object.assign(d, patch);
}

const text = (d: SieDocument, options = {}) => decodeCp437(writeSie(d, options).bytes);

test('writes CP437 with CRLF, quoted texts, bare numbers and two-decimal amounts', () => {
  const out = text(doc({ vouchers: [voucher('A', 1, 'Försäljning')] }));
  assert.equal(out, [
    '#FLAGGA 0', '#PROGRAM "Noxbackup" "0.1.0"', '#FORMAT PC8', '#GEN 20240331', '#SIETYP 4', '#FNAMN "Testbolaget AB"',
    '#VER "A" 1 20240301 "Försäljning"', '{', '#TRANS 1910 {} 125.50', '#TRANS 3010 {1 "0123"} -125.50 20240302 "Sålt" -2.5 "AN"', '}', '',
  ].join('\r\n'));
  const bytes = writeSie(doc({ vouchers: [voucher('A', 1, 'Försäljning')] })).bytes;
  assert.equal(bytes.indexOf(Buffer.from('ä')), -1, 'not UTF-8');
  assert.ok(bytes.includes(Buffer.from([0x94, 0x72, 0x73, 0x84])), 'ö r s ä in CP437');
});

test('escapes quotes, keeps backslashes literal and turns control characters into spaces', () => {
  const d = doc({ comment: 'Rad 1\nRad\t2 "citat" C:\\mapp\\' });
  assert.match(text(d), /#PROSA "Rad 1 Rad 2 \\"citat\\" C:\\mapp"\\\r\n/);
  assert.equal(parseSie(writeSie(d).bytes).document.comment, 'Rad 1 Rad 2 "citat" C:\\mapp\\');
});

test('maps characters CP437 lacks to documented stand-ins and reports them', () => {
  const d = doc({ comment: 'Pris 10 € – “offert” ’23' });
  const r = writeSie(d);
  assert.equal(parseSie(r.bytes).document.comment, 'Pris 10 EUR - "offert" \'23');
  assert.deepEqual(r.substitutions, [{ char: '€', replacement: 'EUR' }, { char: '–', replacement: '-' }, { char: '“', replacement: '"' }, { char: '”', replacement: '"' }, { char: '’', replacement: "'" }]);
});

test('writes "" for an empty optional field before a later one and leaves trailing ones out', () => {
  const v = voucher('', undefined);
  v.rows[0]!.text = 'Kassa';
  v.sign = 'AN';
  const out = text(doc({ vouchers: [v] }));
  assert.match(out, /#VER "" "" 20240301 "" "" "AN"\r\n/);
  assert.match(out, /#TRANS 1910 \{\} 125.50 "" "Kassa"\r\n/);
});

test('puts numbered vouchers of each series in ascending order, leaving other series and unnumbered vouchers in place', () => {
  const d = doc({ vouchers: [voucher('A', 3), voucher('B', 2), voucher('', undefined), voucher('A', 1), voucher('B', 1), voucher('A', 2)] });
  assert.deepEqual(parseSie(writeSie(d).bytes).document.vouchers.map((v) => `${v.series}${v.number ?? '-'}`), ['A1', 'B1', '-', 'A2', 'B2', 'A3']);
});

test('#KSUMMA covers exactly what is written, between the markers', () => {
  const d = doc({ vouchers: [voucher('A', 1, 'Köp "x"')] });
  const r = writeSie(d, { ksumma: true, lineEnding: '\n' });
  const lines = decodeCp437(r.bytes).split('\n');
  assert.deepEqual([lines[0], lines[1], lines.at(-2)], ['#FLAGGA 0', '#KSUMMA', `#KSUMMA ${r.checksum}`]);
  const parsed = parseSie(r.bytes);
  assert.deepEqual(parsed.checksum, { status: 'valid', stored: r.checksum, computed: r.checksum });
  // Independent of our accumulator: labels and contents only, as the spec's C routine sees them.
  const content = '#PROGRAMNoxbackup0.1.0#FORMATPC8#GEN20240331#SIETYP4#FNAMNTestbolaget AB#VERA120240301Köp "x"#TRANS1910125.50#TRANS301010123-125.5020240302SåltAN'
    .replace('SåltAN', 'Sålt-2.5AN');
  assert.equal(r.checksum, crc32(Buffer.from(content.replace('ö', '\x94').replace('å', '\x86'), 'latin1')) >>> 0);
});

test('keeps #FLAGGA as the document says (a backup never changes it)', () => {
  assert.match(text(doc({ flag: 1 })), /^#FLAGGA 1\r\n/);
});

test('a document built from scratch reads back identically', () => {
  const d = doc({
    comment: 'Export', taxYear: 2025, balancesUntil: '2024-12-31', chartType: 'EUBAS97', currency: 'SEK',
    financialYears: [{ yearIndex: 0, start: '2024-01-01', end: '2024-12-31' }, { yearIndex: -1, start: '2023-01-01', end: '2023-12-31' }],
    accounts: [{ number: '1910', name: 'Kassa', type: 'T', unit: 'st', sru: ['7281', '7282'] }],
    dimensions: [{ number: 1, name: 'Kostnadsställe', parent: undefined }, { number: 21, name: 'Under', parent: 1 }],
    objects: [{ dimension: 1, id: '0123', name: 'Syd' }],
    ib: [{ yearIndex: 0, account: '1910', amount: 100n, quantity: undefined }],
    ub: [{ yearIndex: 0, account: '1910', amount: -99999999999999n, quantity: '3' }],
    res: [{ yearIndex: -1, account: '3010', amount: 5n, quantity: undefined }],
    oib: [{ yearIndex: 0, account: '1910', object: { dimension: 1, id: '0123' }, amount: 1n, quantity: undefined }],
    oub: [{ yearIndex: 0, account: '1910', object: { dimension: 1, id: '0123' }, amount: 2n, quantity: undefined }],
    psaldo: [{ yearIndex: 0, period: '2024-01', account: '3010', objects: [], amount: -1n, quantity: undefined }],
    pbudget: [{ yearIndex: 0, period: '2024-02', account: '3010', objects: [{ dimension: 1, id: '0123' }], amount: -2n, quantity: '1.25' }],
    vouchers: [voucher('A', 1, 'Första')],
  });
  d.company = {
    name: 'Testbolaget AB', orgNumber: '556677-8899', acquisitionNumber: '1', activityNumber: undefined, programId: '42',
    companyType: 'AB', sniCode: '62010', address: { contact: 'Anna', street: undefined, postal: '123 45 Staden', phone: undefined },
  };
  for (const lineEnding of ['\r\n', '\n'] as const) {
    assert.deepEqual(parseSie(writeSie(d, { lineEnding, ksumma: true }).bytes).document, d);
  }
});
