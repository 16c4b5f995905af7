import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.ts';

const SAMPLES = fileURLToPath(new URL('../../../shared/sie/samples/', import.meta.url));

/** Runs the CLI in-process and captures what it prints. */
async function cli(t: TestContext, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, 'log', (...a: unknown[]) => out.push(a.join(' ')));
  t.mock.method(console, 'error', (...a: unknown[]) => err.push(a.join(' ')));
  const code = await main(argv);
  t.mock.restoreAll();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('sie inspect --json has the documented fields', async (t) => {
  const { code, out } = await cli(t, 'sie', 'inspect', join(SAMPLES, 'sie4j_imbalanced_utf8.si'), '--json');
  assert.equal(code, 0);
  const j = JSON.parse(out) as Record<string, unknown>;
  for (const field of ['sieType', 'encoding', 'program', 'company', 'financialYears', 'counts', 'checksum', 'unbalancedVouchers', 'warnings']) {
    assert.ok(field in j, field);
  }
  assert.equal(j.sieType, '4I');
  assert.equal(j.encoding, 'utf-8');
  assert.equal(j.checksum, 'absent');
  assert.deepEqual(j.program, { name: 'Kassasystem', version: '1.0' });
  assert.deepEqual(j.company, { name: 'Övningsbolaget AB', orgNumber: '550226-1513' });
  assert.deepEqual(j.financialYears, []);
  const counts = j.counts as Record<string, number>;
  for (const k of ['accounts', 'vouchers', 'trans', 'rtrans', 'btrans', 'objects', 'ib', 'ub', 'res', 'psaldo']) assert.equal(typeof counts[k], 'number', k);
  assert.deepEqual([counts.vouchers, counts.trans], [2, 6]);
  assert.deepEqual((j.unbalancedVouchers as Array<Record<string, unknown>>).map(({ series, number, difference }) => ({ series, number, difference })), [
    { series: 'K', number: null, difference: '0.55' },
    { series: 'K', number: null, difference: '-0.14' },
  ]);
  assert.ok(Array.isArray(j.warnings));
});

test('sie inspect reports a valid #KSUMMA and financial years', async (t) => {
  const { out } = await cli(t, 'sie', 'inspect', join(SAMPLES, 'norstedts-revision_typ1_ksumma_escaped-quotes.se'), '--json');
  const j = JSON.parse(out) as { checksum: string; sieType: string; encoding: string; financialYears: unknown };
  assert.deepEqual([j.checksum, j.sieType, j.encoding], ['valid', '1', 'cp437']);
  assert.deepEqual(j.financialYears, [{ yearIndex: 0, start: '2009-07-01', end: '2010-06-30' }]);
});

test('sie inspect prints a Swedish summary, or English with --lang en', async (t) => {
  const file = join(SAMPLES, 'avendo_typ4_btrans-rtrans_objects.se');
  const sv = await cli(t, 'sie', 'inspect', file, '--lang', 'sv');
  assert.equal(sv.code, 0);
  assert.match(sv.out, /Företag: Övningsbolaget AB \(org\.nr 555555-5555\)/);
  assert.match(sv.out, /20 verifikationer \(76 #TRANS, 1 #RTRANS, 1 #BTRANS\)/);
  assert.match(sv.out, /Kontrollsumma \(#KSUMMA\): saknas/);
  const en = await cli(t, 'sie', 'inspect', file, '--lang', 'en');
  assert.match(en.out, /Company: Övningsbolaget AB/);
  assert.match(en.out, /Unbalanced vouchers: none/);
});

test('a malformed file fails with exit code 2 and names the file and the line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sie-'));
  const file = join(dir, 'bad.se');
  writeFileSync(file, '#FLAGGA 0\n#SIETYP 4\n#VER A 1 20240101\n{\n#TRANS 1910 {} +5.00\n}\n');
  const { code, out, err } = await cli(t, 'sie', 'inspect', file, '--json');
  assert.equal(code, 2);
  assert.equal(out, '');
  assert.match(err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 5: #TRANS: amount "\\+5\\.00"`));
});

test('a truncated #KSUMMA file fails with exit code 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sie-'));
  const file = join(dir, 'truncated.se');
  const bytes = readFileSync(join(SAMPLES, 'norstedts-revision_typ1_ksumma_escaped-quotes.se'));
  writeFileSync(file, bytes.subarray(0, bytes.length / 2));
  const { code, err } = await cli(t, 'sie', 'inspect', file);
  assert.equal(code, 2);
  assert.match(err, /truncated/);
});

test('a missing file or a wrong subcommand is a clear error with exit code 2', async (t) => {
  const missing = await cli(t, 'sie', 'inspect', '/no/such/file.se');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no such file: \/no\/such\/file\.se/);
  const wrong = await cli(t, 'sie', 'dump', 'x');
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /unknown or missing subcommand "dump"/);
  const lang = await cli(t, 'sie', 'inspect', 'x', '--lang', 'de');
  assert.equal(lang.code, 2);
});
