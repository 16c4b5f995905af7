import type { Ore } from './values.ts';

/**
 * The typed content of a SIE file. Dates are ISO `YYYY-MM-DD`, periods `YYYY-MM`, amounts integer
 * öre (bigint), quantities decimal strings, account and object numbers strings (leading zeros kept).
 * Optional fields that were missing or `""` in the file are undefined.
 */
export interface SieDocument {
  /** #FLAGGA: 0 as exported; an importer sets 1. A backup never changes it. */
  flag: number | undefined;
  /** #FORMAT as claimed by the file (normally `PC8`); the detected encoding is in the parse result. */
  format: string | undefined;
  /** #SIETYP as written (`1`–`4`); undefined when missing, which the spec reads as type 1. */
  declaredType: string | undefined;
  program: { name: string; version: string | undefined } | undefined;
  /** #GEN */
  generated: { date: string; sign: string | undefined } | undefined;
  /** #PROSA */
  comment: string | undefined;
  company: SieCompany;
  /** #RAR, in file order. */
  financialYears: SieFinancialYear[];
  /** #TAXAR */
  taxYear: number | undefined;
  /** #OMFATTN: last date the period balances cover. */
  balancesUntil: string | undefined;
  /** #KPTYP, e.g. `EUBAS97`. */
  chartType: string | undefined;
  /** #VALUTA (ISO 4217); undefined means SEK. */
  currency: string | undefined;
  /** #KONTO with its #KTYP, #ENHET and #SRU, in order of first appearance. */
  accounts: SieAccount[];
  /** #DIM and #UNDERDIM. */
  dimensions: SieDimension[];
  /** #OBJEKT */
  objects: SieObject[];
  ib: SieBalance[];
  ub: SieBalance[];
  res: SieBalance[];
  oib: SieObjectBalance[];
  oub: SieObjectBalance[];
  psaldo: SiePeriodBalance[];
  pbudget: SiePeriodBalance[];
  /** #VER blocks. Empty when read in streaming mode with `keepVouchers: false`. */
  vouchers: SieVoucher[];
}

export interface SieCompany {
  /** #FNAMN, the legal name. */
  name: string | undefined;
  /** #ORGNR as written, e.g. `556639-1537` (some writers leave out the hyphen). */
  orgNumber: string | undefined;
  /** #ORGNR's optional förvärvsnummer and verksamhetsnummer. */
  acquisitionNumber: string | undefined;
  activityNumber: string | undefined;
  /** #FNR: the exporting program's own company id (Fortnox: its company number). */
  programId: string | undefined;
  /** #FTYP: AB, E, HB … */
  companyType: string | undefined;
  /** #BKOD: SNI code. */
  sniCode: string | undefined;
  /** #ADRESS */
  address: { contact: string | undefined; street: string | undefined; postal: string | undefined; phone: string | undefined } | undefined;
}

export interface SieFinancialYear {
  /** 0 = current year, -1 = previous year, … */
  yearIndex: number;
  start: string;
  end: string;
}

/** Account type from #KTYP: T asset, S liability/equity, K cost, I income. */
export type SieAccountType = 'T' | 'S' | 'K' | 'I';

export interface SieAccount {
  number: string;
  /** Empty when the account was only mentioned by #KTYP/#ENHET/#SRU without a #KONTO. */
  name: string;
  type: SieAccountType | undefined;
  /** #ENHET: quantity unit. */
  unit: string | undefined;
  /** #SRU codes; an account may have several. */
  sru: string[];
}

export interface SieDimension {
  number: number;
  name: string;
  /** Set for #UNDERDIM: the super-dimension. */
  parent: number | undefined;
}

export interface SieObject {
  dimension: number;
  id: string;
  name: string;
}

/** One `dimension object` pair of an object list. */
export interface SieObjectRef {
  dimension: number;
  id: string;
}

export interface SieBalance {
  yearIndex: number;
  account: string;
  amount: Ore;
  quantity: string | undefined;
}

export interface SieObjectBalance extends SieBalance {
  object: SieObjectRef;
}

export interface SiePeriodBalance extends SieBalance {
  /** `YYYY-MM` */
  period: string;
  /** Empty for the account total. */
  objects: SieObjectRef[];
}

export interface SieVoucher {
  /** May be empty in 4I files: the importer assigns it. */
  series: string;
  /** Undefined when empty (4I). */
  number: number | undefined;
  date: string;
  text: string | undefined;
  /** Registration date. */
  registeredOn: string | undefined;
  sign: string | undefined;
  /** Rows in file order. Balances come from the TRANS rows only; RTRANS/BTRANS are history (§11). */
  rows: SieRow[];
}

/** TRANS: a row. RTRANS: a row added later (followed by its TRANS copy). BTRANS: a row struck out. */
export type SieRowKind = 'TRANS' | 'RTRANS' | 'BTRANS';

export interface SieRow {
  kind: SieRowKind;
  account: string;
  objects: SieObjectRef[];
  amount: Ore;
  /** Transaction date; the voucher date when the file leaves it out. */
  date: string;
  text: string | undefined;
  quantity: string | undefined;
  sign: string | undefined;
}

/** `4I` is an import file (vouchers only); the file itself only says `#SIETYP 4`. */
export type SieType = '1' | '2' | '3' | '4' | '4I';

export type SieEncoding = 'cp437' | 'utf-8';

export type SieChecksumStatus = 'valid' | 'invalid' | 'absent';

export interface SieChecksum {
  status: SieChecksumStatus;
  /** The value in the closing `#KSUMMA` line. */
  stored: number | undefined;
  /** The CRC-32 computed over the records between the markers. */
  computed: number | undefined;
}

export interface SieWarning {
  code: string;
  message: string;
  line?: number;
}

/** How many records of each kind the file held (counted while reading, also in streaming mode). */
export interface SieCounts {
  accounts: number;
  vouchers: number;
  trans: number;
  rtrans: number;
  btrans: number;
  /** TRANS rows with a non-empty object list. */
  transWithObjects: number;
  dimensions: number;
  objects: number;
  ib: number;
  ub: number;
  res: number;
  oib: number;
  oub: number;
  psaldo: number;
  pbudget: number;
}

export interface SieParseResult {
  document: SieDocument;
  sieType: SieType;
  encoding: SieEncoding;
  lineEnding: 'crlf' | 'lf' | 'mixed' | 'none';
  checksum: SieChecksum;
  counts: SieCounts;
  warnings: SieWarning[];
}

export function emptyDocument(): SieDocument {
  return {
    flag: undefined, format: undefined, declaredType: undefined, program: undefined, generated: undefined, comment: undefined,
    company: {
      name: undefined, orgNumber: undefined, acquisitionNumber: undefined, activityNumber: undefined, programId: undefined,
      companyType: undefined, sniCode: undefined, address: undefined,
    },
    financialYears: [], taxYear: undefined, balancesUntil: undefined, chartType: undefined, currency: undefined,
    accounts: [], dimensions: [], objects: [],
    ib: [], ub: [], res: [], oib: [], oub: [], psaldo: [], pbudget: [], vouchers: [],
  };
}
