import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { checkSie } from './checks.ts';
import { parseSie } from './reader.ts';
import { writeSie } from './writer.ts';
import { formatAmount } from './values.ts';
import type { SieChecksumStatus, SieEncoding, SieType } from './model.ts';

const SAMPLES = new URL('../../../shared/sie/samples/', import.meta.url);
const sample = (name: string) => readFileSync(new URL(name, SAMPLES));

interface Expected {
  sieType: SieType;
  encoding: SieEncoding;
  lineEnding: 'lf' | 'crlf';
  ver: number; trans: number; rtrans: number; btrans: number; transWithObjects: number;
  unbalanced: string[];
  konto: number; ib: number; ub: number; res: number; psaldo: number; objekt: number;
  checksum: SieChecksumStatus; ksumma?: number;
  company: string;
}

// sie-format.md §5, row by row. `sieType` 4I where a #SIETYP 4 file carries no balances (§1: vouchers only).
const EXPECTED: Record<string, Expected> = {
  'fortnox-bokforing-2011_typ4.si': {
    sieType: '4', encoding: 'cp437', lineEnding: 'lf', ver: 165, trans: 869, rtrans: 0, btrans: 0, transWithObjects: 1, unbalanced: [],
    konto: 133, ib: 48, ub: 48, res: 0, psaldo: 0, objekt: 3, checksum: 'absent', company: 'Testföretaget AB',
  },
  'norstedts-revision_typ1_ksumma_escaped-quotes.se': {
    sieType: '1', encoding: 'cp437', lineEnding: 'lf', ver: 0, trans: 0, rtrans: 0, btrans: 0, transWithObjects: 0, unbalanced: [],
    konto: 351, ib: 28, ub: 27, res: 63, psaldo: 0, objekt: 0, checksum: 'valid', ksumma: 3130188017, company: 'Datakonsulterna AB',
  },
  'avendo_typ4_btrans-rtrans_objects.se': {
    sieType: '4', encoding: 'cp437', lineEnding: 'lf', ver: 20, trans: 76, rtrans: 1, btrans: 1, transWithObjects: 13, unbalanced: [],
    konto: 565, ib: 20, ub: 42, res: 38, psaldo: 293, objekt: 8, checksum: 'absent', company: 'Övningsbolaget AB',
  },
  'bl-administration_typ3_psaldo-objects.se': {
    sieType: '3', encoding: 'cp437', lineEnding: 'lf', ver: 0, trans: 0, rtrans: 0, btrans: 0, transWithObjects: 0, unbalanced: [],
    konto: 117, ib: 54, ub: 54, res: 26, psaldo: 116, objekt: 23, checksum: 'absent', company: 'SEEE Speak Easy Executive English AB',
  },
  'visma-fakturering_typ4I_backslash-path.si': {
    sieType: '4I', encoding: 'cp437', lineEnding: 'lf', ver: 1, trans: 3, rtrans: 0, btrans: 0, transWithObjects: 0, unbalanced: [],
    konto: 3, ib: 0, ub: 0, res: 0, psaldo: 0, objekt: 0, checksum: 'absent', company: 'Övningsbolaget AB',
  },
  'es-kassasystem_typ4_crlf.se': {
    sieType: '4I', encoding: 'cp437', lineEnding: 'crlf', ver: 10, trans: 83, rtrans: 0, btrans: 0, transWithObjects: 0, unbalanced: [],
    konto: 11, ib: 0, ub: 0, res: 0, psaldo: 0, objekt: 0, checksum: 'absent', company: 'Övningskund AB',
  },
  'sie4j_quotes-test_utf8.si': {
    sieType: '4I', encoding: 'utf-8', lineEnding: 'lf', ver: 1, trans: 3, rtrans: 0, btrans: 0, transWithObjects: 0, unbalanced: [],
    konto: 0, ib: 0, ub: 0, res: 0, psaldo: 0, objekt: 0, checksum: 'absent', company: 'Övningsbolaget AB',
  },
  'sie4j_imbalanced_utf8.si': {
    sieType: '4I', encoding: 'utf-8', lineEnding: 'lf', ver: 2, trans: 6, rtrans: 0, btrans: 0, transWithObjects: 0, unbalanced: ['0.55', '-0.14'],
    konto: 0, ib: 0, ub: 0, res: 0, psaldo: 0, objekt: 0, checksum: 'absent', company: 'Övningsbolaget AB',
  },
  'sie4sdk_typ4I_ksumma_utf8.si': {
    sieType: '4I', encoding: 'utf-8', lineEnding: 'lf', ver: 5, trans: 12, rtrans: 0, btrans: 0, transWithObjects: 4, unbalanced: [],
    konto: 2, ib: 0, ub: 0, res: 0, psaldo: 0, objekt: 5, checksum: 'valid', ksumma: 2089216536, company: 'Målerifirman Axelsson & Johnsson AB',
  },
  'sie4sdk_typ4I_ksumma_DERIVED-cp437.si': {
    sieType: '4I', encoding: 'cp437', lineEnding: 'lf', ver: 5, trans: 12, rtrans: 0, btrans: 0, transWithObjects: 4, unbalanced: [],
    konto: 2, ib: 0, ub: 0, res: 0, psaldo: 0, objekt: 5, checksum: 'valid', ksumma: 2089216536, company: 'Målerifirman Axelsson & Johnsson AB',
  },
};

for (const [name, e] of Object.entries(EXPECTED)) {
  describe(name, () => {
    const bytes = sample(name);
    const r = parseSie(bytes);

    test('has the type, encoding and line ends of sie-format.md §5', () => {
      assert.equal(r.sieType, e.sieType);
      assert.equal(r.encoding, e.encoding);
      assert.equal(r.lineEnding, e.lineEnding);
      assert.equal(r.document.company.name, e.company);
    });

    test('has the record counts of sie-format.md §5', () => {
      const c = r.counts;
      assert.deepEqual(
        [c.vouchers, c.trans, c.rtrans, c.btrans, c.transWithObjects, c.accounts, c.ib, c.ub, c.res, c.psaldo, c.objects],
        [e.ver, e.trans, e.rtrans, e.btrans, e.transWithObjects, e.konto, e.ib, e.ub, e.res, e.psaldo, e.objekt],
      );
      assert.equal(r.document.vouchers.length, e.ver);
      assert.equal(r.document.accounts.length, e.konto);
    });

    test('has the #KSUMMA status of sie-format.md §5', () => {
      assert.equal(r.checksum.status, e.checksum);
      if (e.ksumma !== undefined) assert.deepEqual([r.checksum.stored, r.checksum.computed], [e.ksumma, e.ksumma]);
    });

    test('has the unbalanced vouchers of sie-format.md §5', () => {
      assert.deepEqual(checkSie(r.document).unbalancedVouchers.map((u) => formatAmount(u.difference)), e.unbalanced);
    });

    test('reads back the same model after writing it as CP437, with and without #KSUMMA', () => {
      for (const ksumma of [false, true]) {
        const written = writeSie(r.document, { ksumma });
        const again = parseSie(written.bytes);
        assert.ok(isDeepStrictEqual(again.document, r.document), 'documents differ');
        assert.equal(again.checksum.status, ksumma ? 'valid' : 'absent');
        assert.equal(again.encoding, 'cp437');
        assert.deepEqual(writeSie(again.document, { ksumma }).bytes, written.bytes, 'writer output is not byte-stable');
      }
    });

    test('does not touch the raw bytes it reads', () => {
      assert.deepEqual(bytes, sample(name));
    });
  });
}

test('the Fortnox 2011 test file fails IB + transactions = UB for 29 of its 48 accounts with balances', () => {
  const r = parseSie(sample('fortnox-bokforing-2011_typ4.si'));
  const withBalances = new Set([...r.document.ib, ...r.document.ub].map((b) => b.account));
  const checks = checkSie(r.document);
  assert.equal(withBalances.size, 48);
  assert.equal(checks.balanceMismatches.filter((m) => withBalances.has(m.account)).length, 29);
  // Six more balance-sheet accounts have transactions but neither #IB nor #UB.
  assert.deepEqual(checks.balanceMismatches.filter((m) => !withBalances.has(m.account)).map((m) => m.account), ['2110', '2610', '2611', '2621', '2640', '2641']);
});

test('the Avendo and BL files reconcile: IB + transactions = UB and RES = transactions', () => {
  for (const name of ['avendo_typ4_btrans-rtrans_objects.se', 'bl-administration_typ3_psaldo-objects.se']) {
    const checks = checkSie(parseSie(sample(name)).document);
    assert.deepEqual([checks.balanceMismatches, checks.resultMismatches, checks.warnings], [[], [], []], name);
  }
});

test('Σ #PSALDO of year 0 without objects equals Σ #TRANS per account in the Avendo file', () => {
  const d = parseSie(sample('avendo_typ4_btrans-rtrans_objects.se')).document;
  const psaldo = new Map<string, bigint>();
  for (const p of d.psaldo) if (p.yearIndex === 0 && p.objects.length === 0) psaldo.set(p.account, (psaldo.get(p.account) ?? 0n) + p.amount);
  const trans = new Map<string, bigint>();
  for (const v of d.vouchers) for (const r of v.rows) if (r.kind === 'TRANS') trans.set(r.account, (trans.get(r.account) ?? 0n) + r.amount);
  for (const [account, sum] of trans) assert.equal(psaldo.get(account) ?? 0n, sum, account);
});

test('the Visma file keeps the backslashes of its Windows path literal', () => {
  const d = parseSie(sample('visma-fakturering_typ4I_backslash-path.si')).document;
  assert.equal(d.company.programId, 'C:\\Documents and Settings\\All Users\\Application Data\\SPCS\\Visma Spcs Fakturering\\Företag\\Övningsbolaget');
  const v = d.vouchers[0]!;
  assert.deepEqual([v.series, v.number, v.date], ['B', undefined, '2011-03-04']);
  assert.deepEqual(v.rows.map((r) => [r.date, r.text]), Array(3).fill(['2011-03-04', 'Faktnr: 891, Namn: Karl Svensson']));
});

test('the Norstedts file reads "\\"Norstedts Revision\\"" with its quotes', () => {
  const d = parseSie(sample('norstedts-revision_typ1_ksumma_escaped-quotes.se')).document;
  assert.deepEqual(d.program, { name: '"Norstedts Revision"', version: '2010.1.1' });
  assert.equal(d.comment, 'Exporterat av "Norstedts Revision"');
});

test('the Avendo voucher with #BTRANS and #RTRANS balances on its #TRANS rows alone', () => {
  const d = parseSie(sample('avendo_typ4_btrans-rtrans_objects.se')).document;
  const v = d.vouchers.find((x) => x.series === 'B' && x.number === 14)!;
  assert.deepEqual(v.rows.map((r) => [r.kind, r.account, formatAmount(r.amount)]), [
    ['TRANS', '2641', '16.81'], ['BTRANS', '1910', '-157.00'], ['RTRANS', '1920', '-157.00'], ['TRANS', '1920', '-157.00'], ['TRANS', '7690', '140.19'],
  ]);
});

test('multi-pair object lists keep string object ids', () => {
  const d = parseSie(sample('sie4sdk_typ4I_ksumma_DERIVED-cp437.si')).document;
  const v = d.vouchers.find((x) => x.number === 567)!;
  assert.deepEqual(v.rows[0]!.objects, [{ dimension: 1, id: '456' }, { dimension: 6, id: '47' }]);
  assert.deepEqual(d.objects[0], { dimension: 1, id: '0123', name: 'Serviceavdelningen' });
  assert.deepEqual(d.dimensions.find((x) => x.number === 21), { number: 21, name: 'Underavdelning', parent: 1 });
});

test('the UTF-8 and CP437 forms of the Sie4Sdk file give the same model', () => {
  assert.ok(isDeepStrictEqual(parseSie(sample('sie4sdk_typ4I_ksumma_utf8.si')).document, parseSie(sample('sie4sdk_typ4I_ksumma_DERIVED-cp437.si')).document));
});
