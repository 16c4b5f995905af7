import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { crc32 } from 'node:zlib';
import { checkSie } from './checks.ts';
import { encodeCp437 } from './cp437.ts';
import { SieFormatError } from './errors.ts';
import { parseSie, readSie } from './reader.ts';
import { tokenizeLine } from './tokenizer.ts';
import { formatAmount } from './values.ts';

const SAMPLES = new URL('../../../shared/sie/samples/', import.meta.url);
const HEAD = ['#FLAGGA 0', '#PROGRAM "Test" 1.0', '#FORMAT PC8', '#GEN 20240101', '#SIETYP 4', '#FNAMN "Testbolaget AB"'];

/** A CP437 file from lines (LF line ends unless given). */
function cp437(lines: string[], eol = '\n'): Buffer {
  return encodeCp437(lines.join(eol) + eol).bytes;
}

function malformedAt(lines: string[], line: number, message: RegExp, code = 'SIE_MALFORMED') {
  assert.throws(() => parseSie(cp437(lines)), (err: unknown) => {
    assert.ok(err instanceof SieFormatError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.exitCode, 2);
    assert.equal(err.line, line);
    assert.match(err.message, new RegExp(`^line ${line}: `));
    assert.match(err.message, message);
    return true;
  });
}

describe("the spec's own examples", () => {
  test('§11 #VER: a voucher with an object list, a transaction date, text, quantity and sign', () => {
    const r = parseSie(cp437([...HEAD, '#VER A 567 20081216 "Kontant lön" 20081217 "AN"', '{',
      '   #TRANS 7010 {"1" "456" "7" "47"} 13200.00', '   #TRANS 1910 {} -13200.00 20081216 "Kassa" 0 "AN"', '}']));
    assert.deepEqual(r.document.vouchers, [{
      series: 'A', number: 567, date: '2008-12-16', text: 'Kontant lön', registeredOn: '2008-12-17', sign: 'AN',
      rows: [
        { kind: 'TRANS', account: '7010', objects: [{ dimension: 1, id: '456' }, { dimension: 7, id: '47' }], amount: 1320000n, date: '2008-12-16', text: undefined, quantity: undefined, sign: undefined },
        { kind: 'TRANS', account: '1910', objects: [], amount: -1320000n, date: '2008-12-16', text: 'Kassa', quantity: '0', sign: 'AN' },
      ],
    }]);
  });

  test('§10.14: #KONTO 1915 "Kassa \\"special\\"" contributes #KONTO1915Kassa "special" to #KSUMMA', () => {
    const body = ['#KONTO 1915 "Kassa \\"special\\""', '#VER "" "" 20080101', '{', '#TRANS 7010 {"1" "456" "6" "47"} 1.00', '#TRANS 1910 {} -1.00', '}'];
    const expected = crc32(encodeCp437('#KONTO1915Kassa "special"' + '#VER20080101' + '#TRANS701014566471.00' + '#TRANS1910-1.00').bytes) >>> 0;
    const r = parseSie(cp437(['#FLAGGA 0', '#KSUMMA', ...body, `#KSUMMA ${expected}`]));
    assert.deepEqual(r.checksum, { status: 'valid', stored: expected, computed: expected });
    assert.equal(r.document.accounts[0]!.name, 'Kassa "special"');
  });

  test('§5.7: "" holds the place of an empty optional field before a later one', () => {
    const r = parseSie(cp437([...HEAD, '#VER "" "" 20080101 "Porto"', '{', '#TRANS 1510 {} 8000.00 "" "Faktnr: 891"', '#TRANS 3051 {} -8000.00', '}']));
    const v = r.document.vouchers[0]!;
    assert.deepEqual([v.series, v.number, v.text], ['', undefined, 'Porto']);
    assert.deepEqual([v.rows[0]!.date, v.rows[0]!.text], ['2008-01-01', 'Faktnr: 891']);
  });

  test('§11 #RTRANS: BL writes the #TRANS copy with another date; the pair is matched by position', () => {
    const r = parseSie(cp437([...HEAD, '#VER A 1 20091210', '{', '#RTRANS 1930 {} 0 20101007 "" "" "2 Christer Bengtsson"', '#TRANS 1930 {} 0 20091210 ""', '}']));
    assert.deepEqual(r.document.vouchers[0]!.rows.map((x) => [x.kind, x.date, x.sign]), [['RTRANS', '2010-10-07', '2 Christer Bengtsson'], ['TRANS', '2009-12-10', undefined]]);
    assert.deepEqual(r.warnings, []);
  });

  test('Fortnox 3.x: one-decimal amounts, "" placeholders and a trailing quantity 0', () => {
    const r = parseSie(cp437([...HEAD, '#RAR 0 20210501 20220430', '#IB 0 1221 137984.92 0', '#PSALDO 0 202110 1221 {} 24034.35 0',
      '#VER A 1 20210505 "Månadsavgift PG" 20210817', '{', '#TRANS 1920 {} -3.4 "" "" 0', '#TRANS 6570 {} 3.4 "" "" 0', '}']));
    assert.deepEqual(r.document.ib, [{ yearIndex: 0, account: '1221', amount: 13798492n, quantity: '0' }]);
    assert.deepEqual(r.document.psaldo, [{ yearIndex: 0, period: '2021-10', account: '1221', objects: [], amount: 2403435n, quantity: '0' }]);
    assert.equal(r.document.vouchers[0]!.rows[0]!.amount, -340n);
    assert.equal(r.document.financialYears[0]!.end, '2022-04-30');
  });
});

describe('sie-format.md §7 pitfalls', () => {
  test('1. bytes first: the reader gets the same model from any chunking of the raw bytes', async () => {
    for (const name of ['sie4sdk_typ4I_ksumma_utf8.si', 'avendo_typ4_btrans-rtrans_objects.se']) {
      const bytes = readFileSync(new URL(name, SAMPLES));
      const whole = parseSie(bytes);
      for (const size of [1, 7, 4096]) {
        const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
        const streamed = await readSie(chunks, { keepVouchers: true });
        assert.ok(isDeepStrictEqual(streamed, whole), `${name} in chunks of ${size}`);
      }
    }
  });

  test('2. encoding: UTF-8 is detected although #FORMAT says PC8, CP437 otherwise, a BOM is dropped', () => {
    const utf8 = Buffer.from([...HEAD, '#KONTO 1910 "Kassa åäö"'].join('\n'), 'utf8');
    assert.equal(parseSie(utf8).encoding, 'utf-8');
    assert.equal(parseSie(utf8).document.accounts[0]!.name, 'Kassa åäö');
    const pc8 = cp437([...HEAD, '#KONTO 1910 "Kassa åäö"']);
    assert.equal(parseSie(pc8).encoding, 'cp437');
    assert.equal(parseSie(pc8).document.accounts[0]!.name, 'Kassa åäö');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HEAD.join('\n'))]);
    assert.deepEqual([parseSie(bom).encoding, parseSie(bom).document.flag], ['utf-8', 0]);
    assert.equal(parseSie(cp437(HEAD)).encoding, 'cp437', 'pure ASCII is reported as the claimed PC8');
  });

  test('3. tokenizer: runs of spaces and tabs, quotes, \\" escapes, literal backslashes, bare and quoted list elements', () => {
    const fields = (line: string) => {
      const t = tokenizeLine(line, 1);
      assert.equal(t?.kind, 'record');
      return t.fields;
    };
    assert.deepEqual(fields('\t#TRANS\t 1930  {1 "0123"  "7" 47}\t-1.00   "a \\"b\\" c:\\x"  '), ['1930', ['1', '0123', '7', '47'], '-1.00', 'a "b" c:\\x']);
    assert.deepEqual(fields('#X {} { } ""'), [[], [], '']);
    assert.deepEqual(fields('#X "\\"Norstedts Revision\\""'), ['"Norstedts Revision"']);
    assert.deepEqual(fields('#X {"a}b" 1}'), [['a}b', '1']]);
    assert.deepEqual(fields('#VER D 13 20091025 100822//'), ['D', '13', '20091025', '100822//']);
    assert.deepEqual(tokenizeLine('   {  ', 1), { kind: 'open' });
    assert.deepEqual(tokenizeLine('\t}', 1), { kind: 'close' });
    assert.equal(tokenizeLine(' \t ', 1), undefined);
  });

  test('3. tokenizer: a quoted field ending in a backslash at the end of the line is read as a literal backslash', () => {
    const warnings: string[] = [];
    assert.deepEqual(tokenizeLine('#FNR "C:\\data\\"', 4, (m) => warnings.push(m)), { kind: 'record', label: '#FNR', fields: ['C:\\data\\'], quoted: [true] });
    assert.equal(warnings.length, 1);
  });

  test('3. tokenizer: CRLF, blank lines, indented braces and trailing blanks', () => {
    const r = parseSie(cp437(['', ...HEAD.map((l) => `${l}  `), '', '#VER A 1 20240105 "x"', '    {', '', '\t#TRANS 1910 {} 1.00 ', '\t#TRANS 3010 {} -1.00', '    }  ', ''], '\r\n'));
    assert.equal(r.lineEnding, 'crlf');
    assert.equal(r.counts.trans, 2);
    assert.equal(r.document.vouchers[0]!.text, 'x');
  });

  test('3. unknown labels and extra trailing fields are accepted, with one warning per unknown label', () => {
    const r = parseSie(cp437([...HEAD, '#FUTURE 1 2', '#FUTURE 3', '#KONTO 1910 "Kassa" extra "fields"', '#VER A 1 20240101', '{', '#NYRAD x', '#TRANS 1910 {} 0 20240101 "t" 1 "s" more', '}']));
    assert.equal(r.document.accounts[0]!.name, 'Kassa');
    assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['SIE_UNKNOWN_LABEL', 7], ['SIE_UNKNOWN_LABEL', 12]]);
    assert.match(r.warnings[0]!.message, /#FUTURE ignored \(2 times/);
    assert.equal(r.document.vouchers[0]!.rows[0]!.sign, 's');
  });

  test('3. labels are matched in any letter case', () => {
    assert.equal(parseSie(cp437([...HEAD, '#konto 1910 Kassa'])).document.accounts[0]!.name, 'Kassa');
  });

  test('3. unquoted text with spaces in #FNAMN is read as the whole name, with a warning', () => {
    const r = parseSie(cp437(['#FLAGGA 0', '#FNAMN Övningsbolaget AB']));
    assert.equal(r.document.company.name, 'Övningsbolaget AB');
    assert.equal(r.warnings[0]!.code, 'SIE_UNQUOTED_TEXT');
  });

  test('4. amounts: 0–2 decimals exact, more are rounded with a warning, a plus sign is an error', () => {
    const r = parseSie(cp437([...HEAD, '#UB 0 1910 1.005', '#UB 0 1920 -7', '#UB 0 1930 -0.5']));
    assert.deepEqual(r.document.ub.map((b) => b.amount), [101n, -700n, -50n]);
    assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['SIE_AMOUNT_DECIMALS', 7]]);
    malformedAt([...HEAD, '#UB 0 1910 +5.00'], 7, /amount "\+5\.00"/);
  });

  test('5. dates: invalid mandatory dates are errors, invalid optional ones are dropped with a warning, transdat defaults to the voucher date', () => {
    malformedAt([...HEAD, '#VER A 1 20230229', '{', '}'], 7, /voucher date "20230229" is not a real date/);
    malformedAt([...HEAD, '#VER A 1 2018-05-02', '{', '}'], 7, /not a real date/);
    const r = parseSie(cp437([...HEAD, '#VER A 1 20240229 "" 20240230', '{', '#TRANS 1910 {} 1 ""', '#TRANS 3010 {} -1 20240301', '}']));
    const v = r.document.vouchers[0]!;
    assert.deepEqual([v.date, v.registeredOn, v.text], ['2024-02-29', undefined, undefined]);
    assert.deepEqual(v.rows.map((x) => x.date), ['2024-02-29', '2024-03-01']);
    assert.deepEqual(r.warnings.map((w) => w.code), ['SIE_BAD_DATE']);
  });

  test('6. #RAR: broken and long years are kept as written; a missing year -1 is fine', () => {
    const r = parseSie(cp437([...HEAD, '#RAR 0 20210501 20221031']));
    assert.deepEqual(r.document.financialYears, [{ yearIndex: 0, start: '2021-05-01', end: '2022-10-31' }]);
    malformedAt([...HEAD, '#RAR 0 20221231 20220101'], 7, /ends .* before it starts/);
  });

  test('7. signs: debit positive, credit negative, for balances and rows alike', () => {
    const r = parseSie(cp437([...HEAD, '#RAR 0 20240101 20241231', '#IB 0 1910 100', '#UB 0 1910 50', '#RES 0 3010 -50',
      '#VER A 1 20240101', '{', '#TRANS 3010 {} -50', '#TRANS 1910 {} -50', '#TRANS 1510 {} 100', '}', '#IB 0 1510 0', '#UB 0 1510 100']));
    assert.deepEqual(r.document.res[0]!.amount, -5000n);
    const c = checkSie(r.document);
    assert.deepEqual([c.balanceMismatches, c.resultMismatches], [[], []]);
  });

  test('8. #RTRANS/#BTRANS are history: balances come from #TRANS rows, an #RTRANS without its copy is flagged', () => {
    const r = parseSie(cp437([...HEAD, '#VER A 1 20240101', '{', '#TRANS 1910 {} 10', '#BTRANS 3010 {} -10', '#RTRANS 3011 {} -10', '#TRANS 3011 {} -10', '}',
      '#VER A 2 20240101', '{', '#RTRANS 3011 {} -10', '#TRANS 1910 {} 10', '#TRANS 3011 {} -10', '#RTRANS 3011 {} 5', '}']));
    assert.deepEqual(checkSie(r.document).unbalancedVouchers, []);
    assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['SIE_RTRANS_UNPAIRED', 19]]);
    assert.deepEqual([r.counts.trans, r.counts.rtrans, r.counts.btrans], [4, 3, 1]);
  });

  test('9. empty vouchers, empty or quoted series and numbers, alphanumeric series; numbers out of order are flagged', () => {
    const r = parseSie(cp437([...HEAD, '#VER LEV1 "7" 20240101', '{', '}', '#VER "" "64" 20240102', '{', '}', '#VER B "" 20240103', '{', '}', '#VER LEV1 3 20240104', '{', '}']));
    assert.deepEqual(r.document.vouchers.map((v) => [v.series, v.number, v.rows.length]), [['LEV1', 7, 0], ['', 64, 0], ['B', undefined, 0], ['LEV1', 3, 0]]);
    assert.deepEqual(checkSie(r.document).warnings.map((w) => w.code), ['SIE_VOUCHER_ORDER']);
    malformedAt([...HEAD, '#VER A 1x 20240101', '{', '}'], 7, /voucher number "1x"/);
  });

  test('10. objects: pairs, ids with leading zeros kept, reserved dimensions used without #DIM, sub-dimension codes as written', () => {
    const r = parseSie(cp437([...HEAD, '#DIM 1 "Avdelning"', '#UNDERDIM 21 "Underavdelning" 1', '#OBJEKT 1 "0123" "Service"', '#OBJEKT 21 "012301" "Del"',
      '#VER A 1 20240101', '{', '#TRANS 7010 {1 "0123" 21 "012301" 6 47} 1', '#TRANS 1910 {} -1', '}']));
    assert.deepEqual(r.document.vouchers[0]!.rows[0]!.objects, [{ dimension: 1, id: '0123' }, { dimension: 21, id: '012301' }, { dimension: 6, id: '47' }]);
    assert.deepEqual(r.warnings, []);
    malformedAt([...HEAD, '#VER A 1 20240101', '{', '#TRANS 7010 {1} 1', '}'], 9, /pairs of dimension and object/);
  });

  test('11. #KSUMMA: a changed character makes it invalid; strict reading throws; a missing checksum is fine', () => {
    const valid = readFileSync(new URL('norstedts-revision_typ1_ksumma_escaped-quotes.se', SAMPLES));
    const changed = Buffer.from(valid);
    changed[changed.indexOf('Datakonsulterna')] = 'E'.charCodeAt(0);
    const r = parseSie(changed);
    assert.deepEqual([r.checksum.status, r.checksum.stored], ['invalid', 3130188017]);
    assert.ok(r.warnings.some((w) => w.code === 'SIE_KSUMMA_MISMATCH'));
    assert.throws(() => parseSie(changed, { requireValidChecksum: true }), { code: 'SIE_CHECKSUM_MISMATCH' });
    assert.equal(parseSie(cp437(HEAD)).checksum.status, 'absent');
  });

  test('11. #KSUMMA: an opening marker without its closing line means a truncated file', () => {
    const valid = readFileSync(new URL('norstedts-revision_typ1_ksumma_escaped-quotes.se', SAMPLES));
    const truncated = valid.subarray(0, valid.lastIndexOf('#KSUMMA'));
    assert.throws(() => parseSie(truncated), (err: unknown) => {
      assert.ok(err instanceof SieFormatError);
      assert.equal(err.code, 'SIE_TRUNCATED');
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /opens a #KSUMMA checksum on line 2 but has no closing #KSUMMA line/);
      return true;
    });
  });

  test('11. #KSUMMA: braces and blanks are not part of the checksum, but escaped quotes are', () => {
    const sum = (text: string) => crc32(encodeCp437(text).bytes) >>> 0;
    const ok = sum('#KONTO1910a "b"');
    assert.equal(parseSie(cp437(['#FLAGGA 0', '#KSUMMA', '#KONTO\t1910   "a \\"b\\""', `#KSUMMA ${ok}`])).checksum.status, 'valid');
    assert.equal(parseSie(cp437(['#FLAGGA 0', '#KSUMMA', '#KONTO 1910 "a b"', `#KSUMMA ${ok}`])).checksum.status, 'invalid');
  });

  test('13. #FLAGGA is kept as the file says', () => {
    assert.equal(parseSie(readFileSync(new URL('sie4j_imbalanced_utf8.si', SAMPLES))).document.flag, 1);
  });

  test('14. the unbalanced vouchers of the Sie4j file are found with their differences', () => {
    const c = checkSie(parseSie(readFileSync(new URL('sie4j_imbalanced_utf8.si', SAMPLES))).document);
    assert.deepEqual(c.unbalancedVouchers.map((u) => [u.series, u.number, formatAmount(u.difference)]), [['K', undefined, '0.55'], ['K', undefined, '-0.14']]);
  });
});

describe('malformed files name the line and the problem', () => {
  const cases: Array<[string, string[], number, RegExp, string?]> = [
    ['a line that is not a record', [...HEAD, 'KONTO 1910 Kassa'], 7, /expected a record starting with a #LABEL/],
    ['a row outside a voucher', [...HEAD, '#TRANS 1910 {} 1.00'], 7, /#TRANS outside a voucher/],
    ['a #VER not followed by {', [...HEAD, '#VER A 1 20240101', '#KONTO 1910 Kassa'], 8, /expected a line with \{ after the #VER on line 7/],
    ['a quote that is never closed', [...HEAD, '#KONTO 1910 "Kassa'], 7, /quoted field in #KONTO is not closed/],
    ['an object list that is never closed', [...HEAD, '#VER A 1 20240101', '{', '#TRANS 1910 {1 "2" 1.00', '}'], 9, /object list in #TRANS is not closed/],
    ['a row without an object list', [...HEAD, '#VER A 1 20240101', '{', '#TRANS 1910 1.00', '}'], 9, /should be an object list/],
    ['a non-numeric account', [...HEAD, '#KONTO 19X0 Kassa'], 7, /account number "19X0" is not numeric/],
    ['a stray }', [...HEAD, '}'], 7, /unexpected \}/],
    ['a #VER inside a voucher', [...HEAD, '#VER A 1 20240101', '{', '#VER A 2 20240101'], 9, /closing \} is missing/],
    ['a missing mandatory field', [...HEAD, '#IB 0 1910'], 7, /#IB is missing its amount/],
    ['a bad #KTYP', [...HEAD, '#KONTO 1910 Kassa', '#KTYP 1910 X'], 8, /not T, S, K or I/],
    ['a file ending inside a voucher', [...HEAD, '#VER A 1 20240101', '{', '#TRANS 1910 {} 1.00'], 9, /ends inside the voucher that starts on line 7/, 'SIE_TRUNCATED'],
  ];
  for (const [what, lines, line, message, code] of cases) {
    test(`${what} is rejected at line ${line}`, () => malformedAt(lines, line, message, code));
  }

  test('a file without line ends is rejected instead of filling memory', () => {
    assert.throws(() => parseSie(Buffer.alloc(2000, 0x41), { maxLineBytes: 1000 }), /line 1: line is longer than 1000 bytes/);
  });
});
