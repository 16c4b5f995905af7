import { isJsonObject, parseDetailEnvelope, type JsonObject } from './body.ts';
import { CATALOGUE, detailLocation, type DataSetName, type RecordId } from './catalogue.ts';
import type { FortnoxHttp, HttpStats, Query } from './http.ts';

/**
 * Writes, for restore only. A create (POST) is never repeated after an uncertain failure: it surfaces
 * as `FortnoxWriteUncertainError`, and the caller must look in Fortnox before trying again. Updates
 * (PUT) and deletes are idempotent and retried like reads.
 */
export class FortnoxWriter {
  readonly #http: FortnoxHttp;

  constructor(http: FortnoxHttp) {
    this.#http = http;
  }

  get tenantId(): string {
    return this.#http.tenantId;
  }

  get stats(): HttpStats {
    return this.#http.stats;
  }

  /** Reads back what is there now (restore plans by diffing); same guards as the reader. */
  async current(name: DataSetName, id: RecordId, options: { signal?: AbortSignal } = {}): Promise<JsonObject> {
    const set = CATALOGUE[name];
    const { path, query } = detailLocation(set, id);
    const body = await this.#http.json({ method: 'GET', path, query, signal: options.signal });
    return parseDetailEnvelope(body, set.detailKey, { method: 'GET', path });
  }

  async create(name: DataSetName, record: JsonObject, options: { financialYear?: number; signal?: AbortSignal } = {}): Promise<JsonObject> {
    const set = CATALOGUE[name];
    if (set.listPath === null) throw new RangeError(`${name} cannot be created`);
    const query: Query = options.financialYear === undefined ? {} : { financialyear: options.financialYear };
    const body = await this.#http.json({ method: 'POST', path: set.listPath, query, json: { [set.detailKey]: record }, signal: options.signal });
    return parseDetailEnvelope(body, set.detailKey, { method: 'POST', path: set.listPath });
  }

  async update(name: DataSetName, id: RecordId, record: JsonObject, options: { signal?: AbortSignal } = {}): Promise<JsonObject> {
    const set = CATALOGUE[name];
    const { path, query } = detailLocation(set, id);
    const body = await this.#http.json({ method: 'PUT', path, query, json: { [set.detailKey]: record }, signal: options.signal });
    return parseDetailEnvelope(body, set.detailKey, { method: 'PUT', path });
  }

  async delete(name: DataSetName, id: RecordId, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { path, query } = detailLocation(CATALOGUE[name], id);
    await this.#http.request({ method: 'DELETE', path, query, signal: options.signal });
  }

  /**
   * Uploads a file to the archive (`folder` is a path like `Kopplade filer`) or the inbox (`folder` is
   * an id like `inbox_v`). Non-ASCII names go as raw UTF-8, which is what Fortnox stores correctly.
   */
  async uploadFile(store: 'archive' | 'inbox', folder: string, name: string, bytes: Uint8Array, contentType = 'application/octet-stream', options: { signal?: AbortSignal } = {}): Promise<JsonObject> {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: contentType }), name);
    const query: Query = store === 'archive' ? { path: folder } : { folderid: folder };
    const body = await this.#http.json({ method: 'POST', path: `/3/${store}`, query, form, signal: options.signal });
    return isJsonObject(body) ? parseDetailEnvelope(body, 'File', { method: 'POST', path: `/3/${store}` }) : {};
  }

  /** Any other write, e.g. an action not in the catalogue. Side-effecting GET actions stay blocked. */
  raw(method: 'POST' | 'PUT' | 'DELETE', path: string, json?: unknown, options: { query?: Query; idempotent?: boolean; signal?: AbortSignal } = {}) {
    return this.#http.json({ method, path, json, query: options.query, idempotent: options.idempotent, signal: options.signal });
  }
}
