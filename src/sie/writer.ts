import { KsummaAccumulator } from './checksum.ts';
import { encodeCp437, toCp437Text, type Cp437Substitution } from './cp437.ts';
import type { SieDocument, SieObjectRef, SieVoucher } from './model.ts';
import { formatAmount, formatDate, type Ore } from './values.ts';

export interface SieWriteOptions {
  /** Wrap the records in #KSUMMA markers with the CRC-32 of exactly what is written. Default false. */
  ksumma?: boolean;
  /** Default CRLF, as Fortnox writes. */
  lineEnding?: '\r\n' | '\n';
}

export interface SieWriteResult {
  /** The file, CP437-encoded. */
  bytes: Buffer;
  /** Characters CP437 lacks and what was written instead (e.g. `€` → `EUR`). */
  substitutions: Cp437Substitution[];
  /** The #KSUMMA value, when asked for. */
  checksum: number | undefined;
}

/**
 * A written field: `v` is its content as it goes into #KSUMMA, `out` how it appears on the line.
 * `undefined` is an absent optional field: `""` before a later field, nothing at the end.
 */
type Field = { v: string; out: string } | undefined;

/**
 * Writes a document as a SIE file in CP437, following SIE 4B: `#FLAGGA 0` unless the document says
 * otherwise, record groups in the spec's order, every text quoted with `\"` escapes, control
 * characters turned into spaces, amounts as `-?\d+\.\d\d`, numbered vouchers ascending within each
 * series, `{` and `}` on their own lines.
 */
export function writeSie(doc: SieDocument, options: SieWriteOptions = {}): SieWriteResult {
  const eol = options.lineEnding ?? '\r\n';
  const substitutions = new Map<string, string>();
  const ksumma = options.ksumma === true ? new KsummaAccumulator() : undefined;
  let summing = false;
  const lines: string[] = [];

  const text = (s: string | undefined): Field => {
    if (s === undefined) return undefined;
    // Control characters may not occur in SIE text (§5.7); Fortnox texts carry newlines and tabs.
    const safe = toCp437Text(s.replace(/\p{Cc}/gu, ' '));
    for (const { char, replacement } of safe.substitutions) if (!substitutions.has(char)) substitutions.set(char, replacement);
    return { v: safe.text, out: quote(safe.text) };
  };
  const bare = (s: string | number | undefined): Field => (s === undefined ? undefined : { v: String(s), out: String(s) });
  const amount = (ore: Ore): Field => bare(formatAmount(ore));
  const date = (iso: string | undefined): Field => bare(iso === undefined ? undefined : formatDate(iso));
  const list = (refs: readonly SieObjectRef[]): Field => {
    const parts = refs.flatMap((r) => [bare(r.dimension)!, text(r.id)!]);
    return { v: parts.map((p) => p.v).join(''), out: `{${parts.map((p) => p.out).join(' ')}}` };
  };

  const emit = (label: string, ...fields: Field[]) => {
    let n = fields.length;
    while (n > 0 && fields[n - 1] === undefined) n--;
    const kept = fields.slice(0, n).map((f) => f ?? { v: '', out: '""' });
    lines.push([label, ...kept.map((f) => f.out)].join(' '));
    if (summing) ksumma!.add(label, kept.map((f) => f.v));
  };
  const brace = (b: '{' | '}') => lines.push(b);

  const c = doc.company;
  emit('#FLAGGA', bare(doc.flag ?? 0));
  if (ksumma !== undefined) {
    lines.push('#KSUMMA');
    summing = true;
  }
  if (doc.program !== undefined) emit('#PROGRAM', text(doc.program.name), text(doc.program.version));
  emit('#FORMAT', bare('PC8'));
  if (doc.generated !== undefined) emit('#GEN', date(doc.generated.date), text(doc.generated.sign));
  if (doc.declaredType !== undefined) emit('#SIETYP', bare(doc.declaredType));
  if (doc.comment !== undefined) emit('#PROSA', text(doc.comment));
  if (c.companyType !== undefined) emit('#FTYP', text(c.companyType));
  if (c.programId !== undefined) emit('#FNR', text(c.programId));
  if (c.orgNumber !== undefined || c.acquisitionNumber !== undefined || c.activityNumber !== undefined) {
    emit('#ORGNR', text(c.orgNumber), text(c.acquisitionNumber), text(c.activityNumber));
  }
  if (c.sniCode !== undefined) emit('#BKOD', text(c.sniCode));
  if (c.address !== undefined) {
    // All four fields, even empty: a bare `#ADRESS` would read back as no address at all.
    const a = c.address;
    emit('#ADRESS', text(a.contact ?? ''), text(a.street ?? ''), text(a.postal ?? ''), text(a.phone ?? ''));
  }
  if (c.name !== undefined) emit('#FNAMN', text(c.name));
  for (const y of doc.financialYears) emit('#RAR', bare(y.yearIndex), date(y.start), date(y.end));
  if (doc.taxYear !== undefined) emit('#TAXAR', bare(doc.taxYear));
  if (doc.balancesUntil !== undefined) emit('#OMFATTN', date(doc.balancesUntil));
  if (doc.chartType !== undefined) emit('#KPTYP', text(doc.chartType));
  if (doc.currency !== undefined) emit('#VALUTA', text(doc.currency));

  for (const a of doc.accounts) {
    emit('#KONTO', bare(a.number), text(a.name));
    if (a.type !== undefined) emit('#KTYP', bare(a.number), bare(a.type));
    if (a.unit !== undefined) emit('#ENHET', bare(a.number), text(a.unit));
    for (const sru of a.sru) emit('#SRU', bare(a.number), text(sru));
  }
  for (const d of doc.dimensions) {
    if (d.parent === undefined) emit('#DIM', bare(d.number), text(d.name));
    else emit('#UNDERDIM', bare(d.number), text(d.name), bare(d.parent));
  }
  for (const o of doc.objects) emit('#OBJEKT', bare(o.dimension), text(o.id), text(o.name));

  for (const b of doc.ib) emit('#IB', bare(b.yearIndex), bare(b.account), amount(b.amount), bare(b.quantity));
  for (const b of doc.ub) emit('#UB', bare(b.yearIndex), bare(b.account), amount(b.amount), bare(b.quantity));
  for (const b of doc.oib) emit('#OIB', bare(b.yearIndex), bare(b.account), list([b.object]), amount(b.amount), bare(b.quantity));
  for (const b of doc.oub) emit('#OUB', bare(b.yearIndex), bare(b.account), list([b.object]), amount(b.amount), bare(b.quantity));
  for (const b of doc.res) emit('#RES', bare(b.yearIndex), bare(b.account), amount(b.amount), bare(b.quantity));
  for (const [label, balances] of [['#PSALDO', doc.psaldo], ['#PBUDGET', doc.pbudget]] as const) {
    for (const b of balances) {
      emit(label, bare(b.yearIndex), bare(b.period.replace('-', '')), bare(b.account), list(b.objects), amount(b.amount), bare(b.quantity));
    }
  }

  for (const v of ascendingVouchers(doc.vouchers)) {
    emit('#VER', text(v.series), bare(v.number), date(v.date), text(v.text), date(v.registeredOn), text(v.sign));
    brace('{');
    for (const r of v.rows) {
      // The transaction date defaults to the voucher date, so it is only written when it differs.
      emit(`#${r.kind}`, bare(r.account), list(r.objects), amount(r.amount), date(r.date === v.date ? undefined : r.date), text(r.text), bare(r.quantity), text(r.sign));
    }
    brace('}');
  }

  let checksum: number | undefined;
  if (ksumma !== undefined) {
    checksum = ksumma.value;
    lines.push(`#KSUMMA ${checksum}`);
  }
  // Every text has been made CP437-safe above, so this encoding substitutes nothing.
  const bytes = encodeCp437(lines.join(eol) + eol).bytes;
  return { bytes, substitutions: [...substitutions].map(([char, replacement]) => ({ char, replacement })), checksum };
}

/**
 * `"…"` with `\"` escapes. A value ending in backslashes cannot end inside quotes (`"C:\"` would read
 * as an escaped quote), so those backslashes go right after the closing quote, where they are literal.
 */
function quote(s: string): string {
  const m = /\\+$/.exec(s);
  const body = m === null ? s : s.slice(0, m.index);
  return `"${body.replaceAll('"', '\\"')}"${m === null ? '' : m[0]}`;
}

/**
 * Numbered vouchers of each series in ascending order (§11 #VER). Each series' vouchers are sorted
 * among the positions that series already holds, so the interleaving of series and the place of
 * unnumbered (4I) vouchers stay as they were.
 */
function ascendingVouchers(vouchers: readonly SieVoucher[]): SieVoucher[] {
  const out = [...vouchers];
  const positions = new Map<string, number[]>();
  vouchers.forEach((v, i) => {
    if (v.number === undefined) return;
    const p = positions.get(v.series);
    if (p === undefined) positions.set(v.series, [i]);
    else p.push(i);
  });
  for (const p of positions.values()) {
    const sorted = p.map((i) => vouchers[i]!).sort((a, b) => a.number! - b.number!);
    p.forEach((pos, k) => (out[pos] = sorted[k]!));
  }
  return out;
}
