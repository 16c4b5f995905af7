import { SieChecker } from './checks.ts';
import type { SieCounts, SieEncoding, SieFinancialYear, SieChecksumStatus, SieType, SieWarning } from './model.ts';
import { readSie } from './reader.ts';
import { formatAmount } from './values.ts';

/** What `noxbackup sie inspect --json` prints. Fields may be added, never renamed. */
export interface SieInspection {
  sieType: SieType;
  /** #SIETYP as written. */
  declaredType: string | null;
  encoding: SieEncoding;
  lineEnding: 'crlf' | 'lf' | 'mixed' | 'none';
  program: { name: string; version: string | null } | null;
  generated: string | null;
  company: { name: string | null; orgNumber: string | null };
  financialYears: SieFinancialYear[];
  counts: SieCounts;
  checksum: SieChecksumStatus;
  checksumValue: { stored: number | null; computed: number | null };
  /** `difference` is a decimal string in kronor, e.g. `"-0.14"`. */
  unbalancedVouchers: Array<{ series: string; number: number | null; date: string; difference: string }>;
  balanceMismatches: number;
  resultMismatches: number;
  warnings: SieWarning[];
}

/**
 * Reads a SIE file as a stream and summarises it: type, encoding, company, counts, checksum and
 * the bookkeeping checks. Vouchers are checked as they pass, so memory stays flat for large files.
 */
export async function inspectSie(source: AsyncIterable<Uint8Array | string>): Promise<SieInspection> {
  const checker = new SieChecker();
  const r = await readSie(source, { onVoucher: (v, info) => checker.addVoucher(v, info) });
  const checks = checker.finish(r.document);
  const d = r.document;
  return {
    sieType: r.sieType,
    declaredType: d.declaredType ?? null,
    encoding: r.encoding,
    lineEnding: r.lineEnding,
    program: d.program === undefined ? null : { name: d.program.name, version: d.program.version ?? null },
    generated: d.generated?.date ?? null,
    company: { name: d.company.name ?? null, orgNumber: d.company.orgNumber ?? null },
    financialYears: d.financialYears,
    counts: r.counts,
    checksum: r.checksum.status,
    checksumValue: { stored: r.checksum.stored ?? null, computed: r.checksum.computed ?? null },
    unbalancedVouchers: checks.unbalancedVouchers.map((u) => ({
      series: u.series, number: u.number ?? null, date: u.date, difference: formatAmount(u.difference),
    })),
    balanceMismatches: checks.balanceMismatches.length,
    resultMismatches: checks.resultMismatches.length,
    warnings: [...r.warnings, ...checks.warnings],
  };
}

export type Lang = 'sv' | 'en';

const TEXT = {
  sv: {
    file: 'SIE-fil', type: 'Typ', encoding: 'teckenkodning', eol: 'radslut', program: 'Program', generated: 'Skapad',
    company: 'Företag', orgNumber: 'org.nr', years: 'Räkenskapsår', yearIndex: (i: number) => (i === 0 ? 'innevarande' : `${i}`),
    contents: 'Innehåll', accounts: 'konton', dimensions: 'dimensioner', objects: 'objekt', vouchers: 'verifikationer',
    checksum: 'Kontrollsumma (#KSUMMA)', status: { valid: 'giltig', invalid: 'OGILTIG', absent: 'saknas' },
    unbalanced: 'Verifikationer i obalans', none: 'inga', difference: 'differens', noSeries: '(utan serie och nummer)',
    mismatches: (b: number, r: number) => `Avstämning: ${b} konton där IB + transaktioner ≠ UB, ${r} konton där RES ≠ transaktioner`,
    warnings: 'Varningar', line: 'rad', missing: '–',
  },
  en: {
    file: 'SIE file', type: 'Type', encoding: 'encoding', eol: 'line ends', program: 'Program', generated: 'Generated',
    company: 'Company', orgNumber: 'org. no.', years: 'Financial years', yearIndex: (i: number) => (i === 0 ? 'current' : `${i}`),
    contents: 'Contents', accounts: 'accounts', dimensions: 'dimensions', objects: 'objects', vouchers: 'vouchers',
    checksum: 'Checksum (#KSUMMA)', status: { valid: 'valid', invalid: 'INVALID', absent: 'absent' },
    unbalanced: 'Unbalanced vouchers', none: 'none', difference: 'difference', noSeries: '(no series or number)',
    mismatches: (b: number, r: number) => `Reconciliation: ${b} accounts where IB + transactions ≠ UB, ${r} accounts where RES ≠ transactions`,
    warnings: 'Warnings', line: 'line', missing: '–',
  },
} as const;

/** The human-readable form of an inspection. Warning texts stay as the library wrote them (English). */
export function formatInspection(file: string, i: SieInspection, lang: Lang): string {
  const t = TEXT[lang];
  const c = i.counts;
  const out = [
    `${t.file}: ${file}`,
    `${t.type}: SIE ${i.sieType} (${t.encoding} ${i.encoding === 'cp437' ? 'CP437' : 'UTF-8'}, ${t.eol} ${i.lineEnding.toUpperCase()})`,
    `${t.program}: ${i.program === null ? t.missing : [i.program.name, i.program.version].filter((x) => x !== null).join(' ')}`,
    `${t.generated}: ${i.generated ?? t.missing}`,
    `${t.company}: ${i.company.name ?? t.missing}${i.company.orgNumber === null ? '' : ` (${t.orgNumber} ${i.company.orgNumber})`}`,
    `${t.years}: ${i.financialYears.length === 0 ? t.missing : i.financialYears.map((y) => `${t.yearIndex(y.yearIndex)} ${y.start} – ${y.end}`).join('; ')}`,
    `${t.contents}: ${c.accounts} ${t.accounts}, ${c.dimensions} ${t.dimensions}, ${c.objects} ${t.objects}, ` +
      `${c.vouchers} ${t.vouchers} (${c.trans} #TRANS, ${c.rtrans} #RTRANS, ${c.btrans} #BTRANS), ` +
      `#IB ${c.ib}, #UB ${c.ub}, #RES ${c.res}, #OIB ${c.oib}, #OUB ${c.oub}, #PSALDO ${c.psaldo}, #PBUDGET ${c.pbudget}`,
    `${t.checksum}: ${t.status[i.checksum]}${i.checksumValue.stored === null ? '' : ` (${i.checksumValue.stored})`}`,
    `${t.unbalanced}: ${i.unbalancedVouchers.length === 0 ? t.none : i.unbalancedVouchers.length}`,
    ...i.unbalancedVouchers.map((u) => `  ${[u.series, u.number].filter((x) => x !== null && x !== '').join(' ') || t.noSeries} ${u.date}: ${t.difference} ${u.difference}`),
    t.mismatches(i.balanceMismatches, i.resultMismatches),
    `${t.warnings}: ${i.warnings.length === 0 ? t.none : i.warnings.length}`,
    ...i.warnings.map((w) => `  ${w.line === undefined ? '' : `${t.line} ${w.line}: `}${w.message}`),
  ];
  return out.join('\n');
}
