import { NoxError } from '../errors.ts';

/**
 * A SIE file that cannot be read: bad syntax, a missing mandatory field, a truncated file.
 * Carries the 1-based line number so a user can open the file at the spot. Exit code 2: bad input.
 */
export class SieFormatError extends NoxError {
  readonly line: number | undefined;

  constructor(code: 'SIE_MALFORMED' | 'SIE_TRUNCATED' | 'SIE_CHECKSUM_MISMATCH', message: string, line?: number) {
    super(code, line === undefined ? message : `line ${line}: ${message}`, { exitCode: 2, details: line === undefined ? {} : { line } });
    this.name = 'SieFormatError';
    this.line = line;
  }
}

/** Shorthand for the commonest case: a record that breaks the syntax or misses a mandatory field. */
export function malformed(line: number, message: string): SieFormatError {
  return new SieFormatError('SIE_MALFORMED', message, line);
}
