import { NoxError } from '../errors.ts';

/** A problem with the metadata database or a request to it; `code` starts with `DB_`. */
export class DatabaseError extends NoxError {
  constructor(code: `DB_${string}`, message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(code, message, options);
    this.name = 'DatabaseError';
  }
}
