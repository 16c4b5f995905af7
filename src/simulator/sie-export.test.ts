import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_START } from './clock.ts';
import { decodeCp437 } from './cp437.ts';
import { generateCompany } from './generate.ts';
import { exportSie, sieQuote } from './sie-export.ts';

const company = generateCompany({ seed: 11, size: 'small', index: 0, tenantId: 4711, now: DEFAULT_START });

/** Splits a SIE line into fields: quoted strings with `\"`, object lists kept whole, bare words. */
function fields(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\"|[^"])*)"|(\{[^}]*\})|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : (m[2] ?? m[3] ?? ''));
  return out;
}

const ore = (s: string): number => Math.round(Number(s) * 100);

function parse(bytes: Buffer): { lines: string[]; ib: Map<string, number>; ub: Map<string, number>; res: Map<string, number>; trans: Map<number, number>; psaldo: Map<number, number>; vers: number[] } {
  const lines = decodeCp437(bytes).split('\r\n');
  const ib = new Map<string, number>();
  const ub = new Map<string, number>();
  const res = new Map<string, number>();
  const trans = new Map<number, number>();
  const psaldo = new Map<number, number>();
  const vers: number[] = [];
  let sum: number | undefined;
  for (const line of lines) {
    const f = fields(line.trim());
    const [label, a, b, c, d, e] = f;
    if (label === '#IB') ib.set(`${a} ${b}`, ore(c ?? ''));
    if (label === '#UB') ub.set(`${a} ${b}`, ore(c ?? ''));
    if (label === '#RES') res.set(`${a} ${b}`, ore(c ?? ''));
    if (label === '#PSALDO' && a === '0' && d === '{}') psaldo.set(Number(c), (psaldo.get(Number(c)) ?? 0) + ore(e ?? ''));
    if (label === '#VER') sum = 0;
    if (label === '#TRANS') {
      trans.set(Number(a), (trans.get(Number(a)) ?? 0) + ore(c ?? ''));
      sum = (sum ?? 0) + ore(c ?? '');
    }
    if (label === '}' && sum !== undefined) {
      vers.push(sum);
      sum = undefined;
    }
  }
  return { lines, ib, ub, res, trans, psaldo, vers };
}

describe('exportSie', () => {
  test('writes CP437 with CRLF and the header records Fortnox writes', () => {
    const bytes = exportSie(company, 4, 4, DEFAULT_START);
    assert.ok(!bytes.includes(0xc3), 'no UTF-8 sequences');
    const { lines } = parse(bytes);
    assert.equal(lines[0], '#FLAGGA 0');
    for (const prefix of ['#PROGRAM "Fortnox"', '#FORMAT PC8', '#GEN 20261120', '#SIETYP 4', '#FNAMN "', '#ORGNR 559', '#ADRESS ', '#RAR 0 20260501 20270430', '#RAR -1 20250501 20260430', '#KPTYP ', '#KONTO 1930 "Företagskonto/checkkonto/affärskonto"', '#KTYP 1930 T', '#SRU 1930 7281', '#DIM 1 ', '#DIM 6 ', '#OBJEKT 1 ']) {
      assert.ok(lines.some((l) => l.startsWith(prefix)), prefix);
    }
    assert.ok(bytes.includes(Buffer.from([0x94])), 'ö as 0x94');
  });

  test('type 4: every voucher balances, IB + transactions = UB and RES = transactions per account', () => {
    for (const year of [1, 2, 3, 4]) {
      const { ib, ub, res, trans, vers, psaldo } = parse(exportSie(company, 4, year, DEFAULT_START));
      assert.ok(vers.length > 0);
      assert.ok(vers.every((s) => s === 0), 'balanced vouchers');
      const accounts = new Set([...trans.keys(), ...[...ib.keys(), ...ub.keys(), ...res.keys()].filter((k) => k.startsWith('0 ')).map((k) => Number(k.slice(2)))]);
      for (const account of accounts) {
        const moved = trans.get(account) ?? 0;
        if (account < 3000) assert.equal((ib.get(`0 ${account}`) ?? 0) + moved, ub.get(`0 ${account}`) ?? 0, `account ${account} in year ${year}`);
        else assert.equal(res.get(`0 ${account}`) ?? 0, moved, `result account ${account} in year ${year}`);
        assert.equal(psaldo.get(account) ?? 0, moved, `period balances of ${account}`);
      }
      assert.equal([...ib.entries()].filter(([k]) => k.startsWith('0 ')).reduce((s, [, v]) => s + v, 0), 0, 'IB sums to zero');
      if (year > 1) for (const [k, v] of ub) if (k.startsWith('-1 ') && !k.endsWith(' 2099') && !k.endsWith(' 2091')) assert.equal(ib.get(`0 ${k.slice(3)}`) ?? 0, v, `IB ${k}`);
    }
  });

  test('types 1–3 carry balances but no vouchers; type 3 adds object balances and objects', () => {
    const one = parse(exportSie(company, 1, 3, DEFAULT_START)).lines;
    assert.ok(one.some((l) => l.startsWith('#UB 0 ')) && !one.some((l) => l.startsWith('#VER') || l.startsWith('#PSALDO') || l.startsWith('#DIM')));
    const two = parse(exportSie(company, 2, 3, DEFAULT_START)).lines;
    assert.ok(two.some((l) => l.startsWith('#PSALDO 0 ')) && two.some((l) => l.startsWith('#OMFATTN 20260430')));
    const three = parse(exportSie(company, 3, 3, DEFAULT_START)).lines;
    assert.ok(three.some((l) => /^#OUB 0 \d+ \{[16] "[^"]+"\} /.test(l)));
    assert.ok(three.some((l) => /^#PSALDO 0 \d{6} \d+ \{[16] "[^"]+"\} /.test(l)));
    assert.ok(!three.some((l) => l.startsWith('#VER')));
  });

  test('quotes text fields and escapes quotes the way SIE readers expect', () => {
    assert.equal(sieQuote('Kassa "special"'), '"Kassa \\"special\\""');
    assert.equal(sieQuote('C:\\Mapp\\'), '"C:\\Mapp/"');
    assert.equal(sieQuote('rad1\nrad2\t!'), '"rad1 rad2 !"');
  });

  test('refuses an unknown financial year', () => {
    assert.throws(() => exportSie(company, 4, 99, DEFAULT_START), RangeError);
  });
});
