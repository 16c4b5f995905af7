/** The Fortnox client's public surface; see docs/fortnox-client.md. */
export { FortnoxClient, type FortnoxClientOptions } from './client.ts';
export { FortnoxReader, type Download, type DownloadStream, type ListOptions, type SieType } from './reader.ts';
export { FortnoxWriter } from './writer.ts';
export { FortnoxOAuth, type AuthorizationRequest, type TokenSet } from './oauth.ts';
export { TokenManager, type TokenManagerOptions } from './token-manager.ts';
export { MemoryTokenStore, type StoredConnection, type TokenStore, type VersionedConnection } from './token-store.ts';
export { EncryptedTokenStore, deriveTokenKey } from './encrypted-token-store.ts';
export { RateLimiter, RateLimiterRegistry, type RateLimiterOptions, type RateLimiterStats } from './rate-limiter.ts';
export { CATALOGUE, DATA_SET_NAMES, BACKUP_SCOPES, detailLocation, type DataSet, type DataSetName, type RecordId } from './catalogue.ts';
export { assertReadablePath, assertNoSideEffects } from './path-guard.ts';
export { MAX_PAGE_SIZE, type ListPage } from './paging.ts';
export { fortnoxTimestamp, type HttpStats, type Query } from './http.ts';
export { decodeAccessToken, type AccessTokenClaims } from './jwt.ts';
export { toBool, toNumber, toText, emptyToNull } from './values.ts';
export type { JsonObject, JsonValue, PageMeta } from './body.ts';
export * from './errors.ts';
