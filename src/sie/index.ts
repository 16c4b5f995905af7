/**
 * SIE 1–4 and 4I: read (whole or streaming), check, write. See docs/sie.md.
 *
 *   const { document, checksum, encoding } = parseSie(bytes);
 *   const { unbalancedVouchers, warnings } = checkSie(document);
 *   const { bytes: out } = writeSie(document, { ksumma: true });
 */
export { parseSie, readSie, SieReader, type SieReadOptions, type SieStreamOptions } from './reader.ts';
export { checkSie, SieChecker, type SieCheckResult, type UnbalancedVoucher, type BalanceMismatch, type ResultMismatch } from './checks.ts';
export { writeSie, type SieWriteOptions, type SieWriteResult } from './writer.ts';
export { SieFormatError } from './errors.ts';
export { decodeCp437, encodeCp437, toCp437Text, CP437_FALLBACKS } from './cp437.ts';
export { formatAmount, parseAmount, type Ore } from './values.ts';
export { emptyDocument } from './model.ts';
export type * from './model.ts';
