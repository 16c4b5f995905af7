import { isUtf8 } from 'node:buffer';
import { KsummaAccumulator } from './checksum.ts';
import { decodeCp437 } from './cp437.ts';
import { SieFormatError, malformed } from './errors.ts';
import {
  emptyDocument,
  type SieAccount,
  type SieBalance,
  type SieChecksum,
  type SieCounts,
  type SieDocument,
  type SieEncoding,
  type SieObjectRef,
  type SieParseResult,
  type SieRow,
  type SieRowKind,
  type SieType,
  type SieVoucher,
  type SieWarning,
} from './model.ts';
import { tokenizeLine, type SieField } from './tokenizer.ts';
import { isQuantity, parseAmount, parseDate, parseInteger, parsePeriod, type Ore } from './values.ts';

export interface SieReadOptions {
  /** Called once per voucher as soon as its block closes, so vouchers need not be held in memory. */
  onVoucher?: (voucher: SieVoucher, info: { line: number }) => void;
  /** Keep vouchers in `document.vouchers`. Default: true without `onVoucher`, false with it. */
  keepVouchers?: boolean;
  /** Throw SIE_CHECKSUM_MISMATCH instead of reporting `checksum.status: 'invalid'`. */
  requireValidChecksum?: boolean;
  /** Longest line accepted; guards memory against a file without line ends. Default 1 MiB. */
  maxLineBytes?: number;
}

const MAX_WARNINGS = 500;
const BALANCE_LABELS = ['ib', 'ub', 'res', 'oib', 'oub', 'psaldo', 'pbudget'] as const;

interface ParsedRecord {
  readonly label: string;
  readonly fields: readonly SieField[];
  readonly quoted: readonly boolean[];
  readonly line: number;
}

/**
 * Push-based SIE reader: feed it chunks of bytes in order with `push`, then call `end`.
 * Memory is bounded by the longest line plus whatever the caller keeps (vouchers are passed to
 * `onVoucher` one at a time). The #KSUMMA checksum is computed on the way.
 */
export class SieReader {
  readonly #options: SieReadOptions;
  readonly #keepVouchers: boolean;
  readonly #maxLineBytes: number;
  readonly #doc: SieDocument = emptyDocument();
  readonly #accounts = new Map<string, SieAccount>();
  readonly #counts: SieCounts = {
    accounts: 0, vouchers: 0, trans: 0, rtrans: 0, btrans: 0, transWithObjects: 0, dimensions: 0, objects: 0,
    ib: 0, ub: 0, res: 0, oib: 0, oub: 0, psaldo: 0, pbudget: 0,
  };
  readonly #warnings: SieWarning[] = [];
  #droppedWarnings = 0;
  readonly #unknownLabels = new Map<string, { count: number; line: number }>();
  readonly #seenHeaders = new Set<string>();

  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #lineNo = 0;
  #encoding: SieEncoding | undefined;
  #invalidUtf8Lines = 0;
  #crlf = 0;
  #lf = 0;

  #recordsBeforeKsumma = 0;
  #ksummaOpenLine: number | undefined;
  #ksummaClosed = false;
  #ksumma = new KsummaAccumulator();
  #checksum: SieChecksum = { status: 'absent', stored: undefined, computed: undefined };

  #voucher: SieVoucher | undefined;
  #voucherLine = 0;
  #inBlock = false;
  #rtransLine: number | undefined;

  constructor(options: SieReadOptions = {}) {
    this.#options = options;
    this.#keepVouchers = options.keepVouchers ?? options.onVoucher === undefined;
    this.#maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      let line: Buffer;
      if (this.#pending.length > 0) {
        line = Buffer.concat([...this.#pending, buf.subarray(start, nl)]);
        this.#pending = [];
        this.#pendingBytes = 0;
      } else {
        line = buf.subarray(start, nl);
      }
      this.#checkLineLength(line.length);
      this.#line(line, true, buf, nl + 1);
      start = nl + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      // Copy: the caller may reuse its chunk buffer.
      this.#pending.push(Buffer.from(rest));
      this.#pendingBytes += rest.length;
      this.#checkLineLength(this.#pendingBytes);
    }
  }

  /** Finishes reading. Throws SieFormatError for an unfinished voucher block or a missing closing #KSUMMA. */
  end(): SieParseResult {
    if (this.#pending.length > 0) {
      const line = Buffer.concat(this.#pending);
      this.#pending = [];
      this.#line(line, false, line, line.length);
    }
    if (this.#voucher !== undefined) {
      throw new SieFormatError(
        'SIE_TRUNCATED',
        `the file ends inside the voucher that starts on line ${this.#voucherLine} (its closing } is missing): the file is truncated or malformed`,
        this.#lineNo,
      );
    }
    if (this.#ksummaOpenLine !== undefined && !this.#ksummaClosed) {
      throw new SieFormatError(
        'SIE_TRUNCATED',
        `the file opens a #KSUMMA checksum on line ${this.#ksummaOpenLine} but has no closing #KSUMMA line: the file is truncated`,
        this.#lineNo,
      );
    }
    for (const [label, { count, line }] of this.#unknownLabels) {
      this.#warn('SIE_UNKNOWN_LABEL', `unknown label ${label} ignored (${count} time${count === 1 ? '' : 's'}, first on line ${line})`, line);
    }
    if (this.#invalidUtf8Lines > 0) {
      this.#warn('SIE_INVALID_UTF8', `${this.#invalidUtf8Lines} line(s) are not valid UTF-8 in a file read as UTF-8; bad bytes became U+FFFD`);
    }
    if (this.#droppedWarnings > 0) {
      this.#warnings.push({ code: 'SIE_MORE_WARNINGS', message: `${this.#droppedWarnings} more warnings not shown` });
    }
    this.#doc.accounts = [...this.#accounts.values()];
    return {
      document: this.#doc,
      sieType: this.#sieType(),
      encoding: this.#encoding ?? 'cp437',
      lineEnding: this.#crlf > 0 && this.#lf > 0 ? 'mixed' : this.#crlf > 0 ? 'crlf' : this.#lf > 0 ? 'lf' : 'none',
      checksum: this.#checksum,
      counts: this.#counts,
      warnings: this.#warnings,
    };
  }

  #checkLineLength(n: number): void {
    if (n > this.#maxLineBytes) {
      throw malformed(this.#lineNo + 1, `line is longer than ${this.#maxLineBytes} bytes; this is not a SIE file or it has no line ends`);
    }
  }

  #sieType(): SieType {
    const declared = this.#doc.declaredType;
    if (declared === undefined) return '1';
    if (declared === '4') {
      // 4E and 4I both say 4; only an import file (4I) is forbidden to carry balances (§6).
      return BALANCE_LABELS.every((k) => this.#counts[k] === 0) ? '4I' : '4';
    }
    if (declared === '1' || declared === '2' || declared === '3') return declared;
    this.#warn('SIE_BAD_TYPE', `#SIETYP ${JSON.stringify(declared)} is not 1–4; read as type ${this.#counts.vouchers > 0 ? 4 : 1}`);
    return this.#counts.vouchers > 0 ? '4' : '1';
  }

  #warn(code: string, message: string, line?: number): void {
    if (this.#warnings.length >= MAX_WARNINGS) {
      this.#droppedWarnings++;
      return;
    }
    this.#warnings.push(line === undefined ? { code, message } : { code, message, line });
  }

  /** `window`/`windowStart`: the bytes after this line that are already here, for encoding detection. */
  #line(bytes: Buffer, hadLf: boolean, window: Buffer, windowStart: number): void {
    this.#lineNo++;
    if (this.#lineNo === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      // A BOM is a definite answer, and it is not part of the first record.
      this.#encoding = 'utf-8';
      bytes = bytes.subarray(3);
    }
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 13) {
      end--;
      if (hadLf) this.#crlf++;
    } else if (hadLf) {
      this.#lf++;
    }
    const text = this.#decode(bytes.subarray(0, end), window, windowStart);
    const lineNo = this.#lineNo;
    const tokens = tokenizeLine(text, lineNo, (m) => this.#warn('SIE_TRAILING_BACKSLASH', m, lineNo));
    if (tokens === undefined) return;
    if (tokens.kind === 'open') {
      if (this.#voucher === undefined || this.#inBlock) throw malformed(lineNo, 'unexpected {: only a #VER record opens a block');
      this.#inBlock = true;
      return;
    }
    if (tokens.kind === 'close') {
      if (!this.#inBlock) throw malformed(lineNo, 'unexpected }: no voucher block is open');
      this.#closeVoucher();
      return;
    }
    this.#record({ label: tokens.label, fields: tokens.fields, quoted: tokens.quoted, line: lineNo });
  }

  #decode(bytes: Buffer, window: Buffer, windowStart: number): string {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return bytes.toString('latin1');
    if (this.#encoding === undefined) {
      // #FORMAT PC8 is only a claim. Decide on the first non-ASCII text: valid UTF-8 across this line
      // and the complete lines already buffered after it means UTF-8; CP437 text (åäö are 0x84/0x86/0x94)
      // is practically never valid UTF-8.
      const lastLf = window.lastIndexOf(10);
      const ahead = lastLf >= windowStart ? window.subarray(windowStart, lastLf) : Buffer.alloc(0);
      this.#encoding = isUtf8(bytes) && isUtf8(ahead) ? 'utf-8' : 'cp437';
    }
    if (this.#encoding === 'cp437') return decodeCp437(bytes);
    if (!isUtf8(bytes)) this.#invalidUtf8Lines++;
    return bytes.toString('utf8');
  }

  #record(rec: ParsedRecord): void {
    const label = rec.label.toUpperCase();
    if (label === '#KSUMMA') {
      this.#ksummaRecord(rec);
      return;
    }
    if (this.#ksummaOpenLine === undefined) {
      this.#recordsBeforeKsumma++;
    } else if (!this.#ksummaClosed) {
      this.#ksumma.add(rec.label, rec.fields);
    } else {
      this.#warn('SIE_AFTER_KSUMMA', `${rec.label} comes after the closing #KSUMMA and is not covered by the checksum`, rec.line);
    }

    if (this.#voucher !== undefined && !this.#inBlock) {
      throw malformed(rec.line, `expected a line with { after the #VER on line ${this.#voucherLine}, found ${rec.label}`);
    }
    if (this.#inBlock) {
      if (label === '#TRANS' || label === '#RTRANS' || label === '#BTRANS') {
        this.#row(rec, label.slice(1) as SieRowKind);
      } else if (label === '#VER') {
        throw malformed(rec.line, `#VER inside the voucher block that starts on line ${this.#voucherLine} (its closing } is missing)`);
      } else {
        this.#unknown(rec);
      }
      return;
    }
    const handler = SieReader.#HANDLERS[label];
    if (handler === undefined) {
      if (label === '#TRANS' || label === '#RTRANS' || label === '#BTRANS') {
        throw malformed(rec.line, `${rec.label} outside a voucher: rows belong between the { and } after a #VER`);
      }
      this.#unknown(rec);
      return;
    }
    handler.call(this, rec);
  }

  #unknown(rec: ParsedRecord): void {
    // Unknown labels must be ignored (§7.1); one warning per label, not per line.
    const u = this.#unknownLabels.get(rec.label);
    if (u === undefined) this.#unknownLabels.set(rec.label, { count: 1, line: rec.line });
    else u.count++;
  }

  #ksummaRecord(rec: ParsedRecord): void {
    if (rec.fields.length === 0 || rec.fields[0] === '') {
      if (this.#ksummaOpenLine !== undefined) {
        this.#warn('SIE_KSUMMA_DUPLICATE', 'a second opening #KSUMMA is ignored', rec.line);
        return;
      }
      if (this.#recordsBeforeKsumma > 1) {
        this.#warn('SIE_KSUMMA_LATE', 'the opening #KSUMMA should come right after #FLAGGA; records before it are not covered', rec.line);
      }
      this.#ksummaOpenLine = rec.line;
      return;
    }
    const text = this.#text(rec, 0, 'checksum')!;
    const stored = /^\d{1,10}$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : undefined;
    if (stored === undefined) throw malformed(rec.line, `#KSUMMA value ${JSON.stringify(text)} is not an unsigned 32-bit number`);
    if (this.#ksummaOpenLine === undefined) {
      this.#warn('SIE_KSUMMA_UNOPENED', 'closing #KSUMMA without an opening #KSUMMA line; the checksum cannot be verified', rec.line);
      this.#checksum = { status: 'invalid', stored, computed: undefined };
      this.#ksummaClosed = true;
      return;
    }
    if (this.#ksummaClosed) {
      this.#warn('SIE_KSUMMA_DUPLICATE', 'a second closing #KSUMMA is ignored', rec.line);
      return;
    }
    this.#ksummaClosed = true;
    const computed = this.#ksumma.value;
    this.#checksum = { status: computed === stored ? 'valid' : 'invalid', stored, computed };
    if (computed !== stored) {
      const why = this.#ksumma.lossy ? ' (some characters have no CP437 form, so the UTF-8 text cannot reproduce it)' : '';
      if (this.#options.requireValidChecksum) {
        throw new SieFormatError('SIE_CHECKSUM_MISMATCH', `#KSUMMA says ${stored} but the records give ${computed}${why}`, rec.line);
      }
      this.#warn('SIE_KSUMMA_MISMATCH', `#KSUMMA says ${stored} but the records give ${computed}${why}: the file was changed or damaged`, rec.line);
    }
  }

  // ---- field helpers --------------------------------------------------------------------------

  /** An optional text field; `""` and a missing field are both undefined. */
  #text(rec: ParsedRecord, i: number, what: string): string | undefined {
    const f = rec.fields[i];
    if (f === undefined) return undefined;
    if (typeof f !== 'string') throw malformed(rec.line, `${rec.label}: the ${what} (field ${i + 1}) should be a value, not an object list`);
    return f === '' ? undefined : f;
  }

  #required(rec: ParsedRecord, i: number, what: string): string {
    const v = this.#text(rec, i, what);
    if (v === undefined) throw malformed(rec.line, `${rec.label} is missing its ${what} (field ${i + 1})`);
    return v;
  }

  #int(rec: ParsedRecord, i: number, what: string): number {
    const v = this.#required(rec, i, what);
    const n = parseInteger(v);
    if (n === undefined) throw malformed(rec.line, `${rec.label}: the ${what} ${JSON.stringify(v)} is not a whole number`);
    return n;
  }

  #account(rec: ParsedRecord, i: number): string {
    const v = this.#required(rec, i, 'account number');
    if (!/^\d+$/.test(v)) throw malformed(rec.line, `${rec.label}: account number ${JSON.stringify(v)} is not numeric`);
    return v;
  }

  #amount(rec: ParsedRecord, i: number): Ore {
    const v = this.#required(rec, i, 'amount');
    const a = parseAmount(v);
    if (a === undefined) {
      throw malformed(rec.line, `${rec.label}: amount ${JSON.stringify(v)} is not a number like -1234.50 (a . for decimals, no + sign)`);
    }
    if (a.rounded) this.#warn('SIE_AMOUNT_DECIMALS', `${rec.label}: amount ${v} has more than 2 decimals; rounded to öre`, rec.line);
    return a.ore;
  }

  #date(rec: ParsedRecord, i: number, what: string): string {
    const v = this.#required(rec, i, what);
    const d = parseDate(v);
    if (d === undefined) throw malformed(rec.line, `${rec.label}: the ${what} ${JSON.stringify(v)} is not a real date in the form YYYYMMDD`);
    return d;
  }

  #optionalDate(rec: ParsedRecord, i: number, what: string): string | undefined {
    const v = this.#text(rec, i, what);
    if (v === undefined) return undefined;
    const d = parseDate(v);
    if (d === undefined) this.#warn('SIE_BAD_DATE', `${rec.label}: the ${what} ${JSON.stringify(v)} is not a real date (YYYYMMDD); ignored`, rec.line);
    return d;
  }

  #quantity(rec: ParsedRecord, i: number): string | undefined {
    const v = this.#text(rec, i, 'quantity');
    if (v === undefined) return undefined;
    if (!isQuantity(v)) {
      this.#warn('SIE_BAD_QUANTITY', `${rec.label}: quantity ${JSON.stringify(v)} is not a number; ignored`, rec.line);
      return undefined;
    }
    return v;
  }

  #objectList(rec: ParsedRecord, i: number): SieObjectRef[] {
    const f = rec.fields[i];
    if (f === undefined || typeof f === 'string') {
      throw malformed(rec.line, `${rec.label}: field ${i + 1} should be an object list such as {} or {1 "100"}, found ${f === undefined ? 'nothing' : JSON.stringify(f)}`);
    }
    if (f.length % 2 !== 0) throw malformed(rec.line, `${rec.label}: the object list {${f.join(' ')}} should hold pairs of dimension and object`);
    const refs: SieObjectRef[] = [];
    for (let k = 0; k < f.length; k += 2) {
      const dimension = parseInteger(f[k]!);
      if (dimension === undefined) throw malformed(rec.line, `${rec.label}: dimension ${JSON.stringify(f[k])} in the object list is not a number`);
      refs.push({ dimension, id: f[k + 1]! });
    }
    return refs;
  }

  /** Free text that a writer forgot to quote (`#FNAMN Övningsbolaget AB`) arrives as several fields. */
  #joinedText(rec: ParsedRecord, i: number, what: string): string | undefined {
    // Only when nothing is quoted: otherwise the extras are the unknown trailing fields §7.3 allows.
    if (rec.fields.length > i + 1 && rec.fields.slice(i).every((f, k) => typeof f === 'string' && !rec.quoted[i + k])) {
      this.#warn('SIE_UNQUOTED_TEXT', `${rec.label}: text with spaces is not quoted; read the rest of the line as the ${what}`, rec.line);
      return (rec.fields.slice(i) as string[]).join(' ');
    }
    return this.#text(rec, i, what);
  }

  #once(rec: ParsedRecord): void {
    const label = rec.label.toUpperCase();
    if (this.#seenHeaders.has(label)) this.#warn('SIE_DUPLICATE_RECORD', `${rec.label} appears more than once; the last one is used`, rec.line);
    this.#seenHeaders.add(label);
  }

  #accountEntry(rec: ParsedRecord, number: string): SieAccount {
    let a = this.#accounts.get(number);
    if (a === undefined) {
      if (rec.label.toUpperCase() !== '#KONTO') this.#warn('SIE_ACCOUNT_UNDECLARED', `${rec.label} for account ${number}, which has no #KONTO before it`, rec.line);
      a = { number, name: '', type: undefined, unit: undefined, sru: [] };
      this.#accounts.set(number, a);
    }
    return a;
  }

  // ---- records --------------------------------------------------------------------------------

  #balance(rec: ParsedRecord, list: SieBalance[], key: 'ib' | 'ub' | 'res'): void {
    list.push({ yearIndex: this.#int(rec, 0, 'year index'), account: this.#account(rec, 1), amount: this.#amount(rec, 2), quantity: this.#quantity(rec, 3) });
    this.#counts[key]++;
  }

  #objectBalance(rec: ParsedRecord, key: 'oib' | 'oub'): void {
    const objects = this.#objectList(rec, 2);
    const object = objects[0];
    if (object === undefined) throw malformed(rec.line, `${rec.label} needs one object {dimension object}, found {}`);
    if (objects.length > 1) this.#warn('SIE_EXTRA_OBJECTS', `${rec.label} has more than one object; only the first is used`, rec.line);
    this.#doc[key].push({
      yearIndex: this.#int(rec, 0, 'year index'), account: this.#account(rec, 1), object,
      amount: this.#amount(rec, 3), quantity: this.#quantity(rec, 4),
    });
    this.#counts[key]++;
  }

  #periodBalance(rec: ParsedRecord, key: 'psaldo' | 'pbudget'): void {
    const raw = this.#required(rec, 1, 'period');
    const period = parsePeriod(raw);
    if (period === undefined) throw malformed(rec.line, `${rec.label}: period ${JSON.stringify(raw)} is not a month in the form YYYYMM`);
    this.#doc[key].push({
      yearIndex: this.#int(rec, 0, 'year index'), period, account: this.#account(rec, 2), objects: this.#objectList(rec, 3),
      amount: this.#amount(rec, 4), quantity: this.#quantity(rec, 5),
    });
    this.#counts[key]++;
  }

  #ver(rec: ParsedRecord): void {
    const rawNumber = this.#text(rec, 1, 'voucher number');
    let number: number | undefined;
    if (rawNumber !== undefined) {
      if (!/^\d{1,15}$/.test(rawNumber)) throw malformed(rec.line, `#VER: voucher number ${JSON.stringify(rawNumber)} is not a whole number`);
      number = Number(rawNumber);
    }
    this.#voucher = {
      series: this.#text(rec, 0, 'series') ?? '',
      number,
      date: this.#date(rec, 2, 'voucher date'),
      text: this.#text(rec, 3, 'text'),
      registeredOn: this.#optionalDate(rec, 4, 'registration date'),
      sign: this.#text(rec, 5, 'sign'),
      rows: [],
    };
    this.#voucherLine = rec.line;
    this.#rtransLine = undefined;
  }

  #row(rec: ParsedRecord, kind: SieRowKind): void {
    const v = this.#voucher!;
    const row: SieRow = {
      kind,
      account: this.#account(rec, 0),
      objects: this.#objectList(rec, 1),
      amount: this.#amount(rec, 2),
      date: this.#optionalDate(rec, 3, 'transaction date') ?? v.date,
      text: this.#text(rec, 4, 'text'),
      quantity: this.#quantity(rec, 5),
      sign: this.#text(rec, 6, 'sign'),
    };
    // §11: an #RTRANS is followed at once by its #TRANS copy, which is the row that counts.
    if (this.#rtransLine !== undefined && kind !== 'TRANS') this.#rtransUnpaired();
    this.#rtransLine = kind === 'RTRANS' ? rec.line : undefined;
    v.rows.push(row);
    if (kind === 'TRANS') {
      this.#counts.trans++;
      if (row.objects.length > 0) this.#counts.transWithObjects++;
    } else if (kind === 'RTRANS') {
      this.#counts.rtrans++;
    } else {
      this.#counts.btrans++;
    }
  }

  #rtransUnpaired(): void {
    this.#warn('SIE_RTRANS_UNPAIRED', '#RTRANS is not followed by its #TRANS copy; the added row is missing from the balances', this.#rtransLine);
    this.#rtransLine = undefined;
  }

  #closeVoucher(): void {
    if (this.#rtransLine !== undefined) this.#rtransUnpaired();
    const v = this.#voucher!;
    this.#voucher = undefined;
    this.#inBlock = false;
    this.#counts.vouchers++;
    if (this.#keepVouchers) this.#doc.vouchers.push(v);
    this.#options.onVoucher?.(v, { line: this.#voucherLine });
  }

  /** Record handlers by label; `this` is the reader. */
  static readonly #HANDLERS: Readonly<Record<string, (this: SieReader, rec: ParsedRecord) => void>> = {
    '#FLAGGA'(rec) { this.#once(rec); this.#doc.flag = this.#int(rec, 0, 'flag'); },
    '#PROGRAM'(rec) { this.#once(rec); this.#doc.program = { name: this.#required(rec, 0, 'program name'), version: this.#text(rec, 1, 'version') }; },
    '#FORMAT'(rec) { this.#once(rec); this.#doc.format = this.#text(rec, 0, 'format'); },
    '#GEN'(rec) { this.#once(rec); this.#doc.generated = { date: this.#date(rec, 0, 'date'), sign: this.#text(rec, 1, 'sign') }; },
    '#SIETYP'(rec) { this.#once(rec); this.#doc.declaredType = this.#required(rec, 0, 'type number'); },
    '#PROSA'(rec) { this.#once(rec); this.#doc.comment = this.#joinedText(rec, 0, 'comment'); },
    '#FTYP'(rec) { this.#once(rec); this.#doc.company.companyType = this.#text(rec, 0, 'company type'); },
    '#FNR'(rec) { this.#once(rec); this.#doc.company.programId = this.#text(rec, 0, 'company id'); },
    '#ORGNR'(rec) {
      this.#once(rec);
      const c = this.#doc.company;
      c.orgNumber = this.#text(rec, 0, 'organisation number');
      c.acquisitionNumber = this.#text(rec, 1, 'acquisition number');
      c.activityNumber = this.#text(rec, 2, 'activity number');
    },
    '#BKOD'(rec) { this.#once(rec); this.#doc.company.sniCode = this.#text(rec, 0, 'SNI code'); },
    '#ADRESS'(rec) {
      this.#once(rec);
      this.#doc.company.address = {
        contact: this.#text(rec, 0, 'contact'), street: this.#text(rec, 1, 'street address'),
        postal: this.#text(rec, 2, 'postal address'), phone: this.#text(rec, 3, 'phone'),
      };
    },
    '#FNAMN'(rec) { this.#once(rec); this.#doc.company.name = this.#joinedText(rec, 0, 'company name'); },
    '#RAR'(rec) {
      const year = { yearIndex: this.#int(rec, 0, 'year index'), start: this.#date(rec, 1, 'start date'), end: this.#date(rec, 2, 'end date') };
      if (year.end < year.start) throw malformed(rec.line, `#RAR: the year ends (${year.end}) before it starts (${year.start})`);
      this.#doc.financialYears.push(year);
    },
    '#TAXAR'(rec) { this.#once(rec); this.#doc.taxYear = this.#int(rec, 0, 'taxation year'); },
    '#OMFATTN'(rec) { this.#once(rec); this.#doc.balancesUntil = this.#date(rec, 0, 'date'); },
    '#KPTYP'(rec) { this.#once(rec); this.#doc.chartType = this.#text(rec, 0, 'chart type'); },
    '#VALUTA'(rec) { this.#once(rec); this.#doc.currency = this.#text(rec, 0, 'currency'); },
    '#KONTO'(rec) {
      const number = this.#account(rec, 0);
      const existed = this.#accounts.has(number);
      const a = this.#accountEntry(rec, number);
      if (existed && a.name !== '') this.#warn('SIE_DUPLICATE_ACCOUNT', `#KONTO ${number} appears more than once; the last name is used`, rec.line);
      a.name = this.#joinedText(rec, 1, 'account name') ?? '';
      if (!existed) this.#counts.accounts++;
    },
    '#KTYP'(rec) {
      const a = this.#accountEntry(rec, this.#account(rec, 0));
      const t = this.#required(rec, 1, 'account type').toUpperCase();
      if (t !== 'T' && t !== 'S' && t !== 'K' && t !== 'I') throw malformed(rec.line, `#KTYP: account type ${JSON.stringify(t)} is not T, S, K or I`);
      a.type = t;
    },
    '#ENHET'(rec) { this.#accountEntry(rec, this.#account(rec, 0)).unit = this.#text(rec, 1, 'unit'); },
    '#SRU'(rec) { this.#accountEntry(rec, this.#account(rec, 0)).sru.push(this.#required(rec, 1, 'SRU code')); },
    '#DIM'(rec) {
      this.#doc.dimensions.push({ number: this.#int(rec, 0, 'dimension number'), name: this.#joinedText(rec, 1, 'name') ?? '', parent: undefined });
      this.#counts.dimensions++;
    },
    '#UNDERDIM'(rec) {
      this.#doc.dimensions.push({ number: this.#int(rec, 0, 'dimension number'), name: this.#text(rec, 1, 'name') ?? '', parent: this.#int(rec, 2, 'super-dimension') });
      this.#counts.dimensions++;
    },
    '#OBJEKT'(rec) {
      this.#doc.objects.push({ dimension: this.#int(rec, 0, 'dimension number'), id: this.#required(rec, 1, 'object number'), name: this.#joinedText(rec, 2, 'name') ?? '' });
      this.#counts.objects++;
    },
    '#IB'(rec) { this.#balance(rec, this.#doc.ib, 'ib'); },
    '#UB'(rec) { this.#balance(rec, this.#doc.ub, 'ub'); },
    '#RES'(rec) { this.#balance(rec, this.#doc.res, 'res'); },
    '#OIB'(rec) { this.#objectBalance(rec, 'oib'); },
    '#OUB'(rec) { this.#objectBalance(rec, 'oub'); },
    '#PSALDO'(rec) { this.#periodBalance(rec, 'psaldo'); },
    '#PBUDGET'(rec) { this.#periodBalance(rec, 'pbudget'); },
  '#VER'(rec) { this.#ver(rec); },
  };
}

/** Reads a whole SIE file held in memory (raw bytes as stored; a string is taken as UTF-8). */
export function parseSie(input: Uint8Array | string, options: SieReadOptions = {}): SieParseResult {
  const reader = new SieReader(options);
  reader.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  return reader.end();
}

export interface SieStreamOptions extends Omit<SieReadOptions, 'onVoucher'> {
  /** May return a promise: reading waits for it, so a slow consumer slows the reader down. */
  onVoucher?: (voucher: SieVoucher, info: { line: number }) => void | Promise<void>;
}

/**
 * Reads a SIE file from a stream (a Node Readable or any async iterable of byte chunks) line by
 * line. Vouchers go to `onVoucher` one at a time and are not kept unless `keepVouchers` is true,
 * so memory stays bounded however large the file is.
 */
export async function readSie(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, options: SieStreamOptions = {}): Promise<SieParseResult> {
  const { onVoucher, ...rest } = options;
  const queue: Array<[SieVoucher, { line: number }]> = [];
  const reader = new SieReader(onVoucher === undefined ? rest : { ...rest, onVoucher: (v, info) => queue.push([v, info]) });
  const drain = async () => {
    // At most one chunk's worth of vouchers waits here.
    for (const [v, info] of queue.splice(0)) await onVoucher!(v, info);
  };
  for await (const chunk of source) {
    reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    await drain();
  }
  const result = reader.end();
  await drain();
  return result;
}
