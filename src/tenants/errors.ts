import { NoxError } from '../errors.ts';

/**
 * Tenant errors a user can act on. Codes: `TENANT_UNKNOWN`, `TENANT_AMBIGUOUS`, `TENANT_REQUIRED`
 * (several tenants and none chosen), `TENANT_NONE` (nothing connected yet), `TENANT_CONNECT_FAILED`,
 * `TENANT_OAUTH_DENIED`, `TENANT_OAUTH_STATE`, `TENANT_RECONNECT_NEEDED`.
 */
export class TenantError extends NoxError {
  constructor(code: string, message: string, options?: { exitCode?: number; details?: Record<string, unknown>; cause?: unknown }) {
    super(code, message, options);
    this.name = 'TenantError';
  }
}
