import { NoxError } from '../errors.ts';

/** A restore that cannot start or go on; `code` starts with `RESTORE_`. */
export class RestoreError extends NoxError {
  constructor(code: `RESTORE_${string}`, message: string, options?: { exitCode?: number; details?: Record<string, unknown>; cause?: unknown }) {
    super(code, message, options);
    this.name = 'RestoreError';
  }
}
