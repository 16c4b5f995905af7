/** Tenants: connecting Fortnox companies, listing them, and finding the one a user means. */
export { addServiceAccountTenant, addSimulatorTenant, registerConnection, disconnectTenant, fortnoxApp, type ConnectedTenant } from './connect.ts';
export { startOAuthConnect, type OAuthConnect } from './oauth-connect.ts';
export { listTenants, resolveTenant, type TenantSummary } from './list.ts';
export { TenantError } from './errors.ts';
