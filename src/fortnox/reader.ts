import { parseDetailEnvelope, parseListEnvelope, type JsonObject } from './body.ts';
import { CATALOGUE, detailLocation, type DataSetName, type RecordId } from './catalogue.ts';
import { FortnoxInvalidResponseError } from './errors.ts';
import type { FortnoxHttp, HttpStats, Query } from './http.ts';
import { MAX_PAGE_SIZE, walkPages, type ListPage } from './paging.ts';

export interface ListOptions {
  /** Passed through: `lastmodified`, `sortby`, `sortorder`, `filter`, `fromdate`, … (names lower-cased). */
  query?: Query;
  /** Required for per-financial-year data sets (the financial year's Id). */
  financialYear?: number;
  /** Default and maximum 500. */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface Download {
  contentType: string;
  body: Buffer;
}

export interface DownloadStream {
  contentType: string;
  contentLength: number | undefined;
  body: ReadableStream<Uint8Array>;
}

export type SieType = 1 | 2 | 3 | 4;

/**
 * The backup side's view of Fortnox: GET only, and only catalogue data sets plus the binary reads a
 * backup needs (invoice `/preview`, SIE, archive and inbox files). There is no method that takes a free
 * path, and the HTTP layer under it re-checks every final URL, so `/print`, `/email`, `/eprint` and
 * `/einvoice` cannot be reached from here.
 */
export class FortnoxReader {
  readonly #http: FortnoxHttp;

  constructor(http: FortnoxHttp) {
    this.#http = http;
  }

  get tenantId(): string {
    return this.#http.tenantId;
  }

  /** Requests sent, retries, statuses (429 count included) and rate-limiter waits. */
  get stats(): HttpStats {
    return this.#http.stats;
  }

  /** Fortnox's clock (from its last answer's `Date` header); undefined before the first answer. */
  serverNow(): Date | undefined {
    return this.#http.serverNow();
  }

  /** Pages of a data set's list, with totals for progress reporting. */
  async *pages(name: DataSetName, options: ListOptions = {}): AsyncGenerator<ListPage> {
    const set = CATALOGUE[name];
    if (set.listPath === null || set.listKey === null) throw new RangeError(`${name} is a single resource, not a list`);
    if (set.perFinancialYear && options.financialYear === undefined) throw new RangeError(`${name} is per financial year: pass financialYear`);
    const listPath = set.listPath;
    const listKey = set.listKey;
    const limit = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const base: Record<string, Query[string]> = { ...options.query };
    if (options.financialYear !== undefined) base.financialyear = options.financialYear;
    yield* walkPages(async (page) => {
      const query = { ...base, limit, page };
      const body = await this.#http.json({ method: 'GET', path: listPath, query, signal: options.signal });
      return parseListEnvelope(body, listKey, { method: 'GET', path: listPath });
    });
  }

  /** Every item of a data set's list, streamed page by page. */
  async *items(name: DataSetName, options: ListOptions = {}): AsyncGenerator<JsonObject> {
    for await (const page of this.pages(name, options)) yield* page.items;
  }

  /** One record's full detail. `id` may be the list item itself. */
  async detail(name: DataSetName, id: RecordId, options: { signal?: AbortSignal } = {}): Promise<JsonObject> {
    const set = CATALOGUE[name];
    const { path, query } = detailLocation(set, id);
    const body = await this.#http.json({ method: 'GET', path, query, signal: options.signal });
    return parseDetailEnvelope(body, set.detailKey, { method: 'GET', path });
  }

  companyInformation(options: { signal?: AbortSignal } = {}): Promise<JsonObject> {
    return this.detail('companyinformation', {}, options);
  }

  /** The invoice's PDF as the customer would see it, without marking it as sent (unlike `/print`). */
  invoicePreview(documentNumber: string | number, options: { signal?: AbortSignal } = {}): Promise<Download> {
    return this.#download(`/3/invoices/${encodeURIComponent(String(documentNumber))}/preview`, {}, options.signal);
  }

  /** The SIE file of one financial year, raw bytes untouched (its encoding is decided when parsing). */
  sie(type: SieType, financialYear: number, options: { query?: Query; signal?: AbortSignal } = {}): Promise<Download> {
    return this.#download(`/3/sie/${type}`, { ...options.query, financialyear: financialYear }, options.signal);
  }

  /** An archive file by its `Id` (what file connections point at). */
  archiveFile(id: string, options: { signal?: AbortSignal } = {}): Promise<Download> {
    return this.#download(`/3/archive/${encodeURIComponent(id)}`, {}, options.signal);
  }

  /** An archive file by its `ArchiveFileId` (what customer-invoice attachments point at). */
  archiveFileByFileId(archiveFileId: string, options: { signal?: AbortSignal } = {}): Promise<Download> {
    return this.#download('/3/archive', { fileid: archiveFileId }, options.signal);
  }

  inboxFile(id: string, options: { signal?: AbortSignal } = {}): Promise<Download> {
    return this.#download(`/3/inbox/${encodeURIComponent(id)}`, {}, options.signal);
  }

  /**
   * An archive file as a stream, for large files. Retries cover only the time until the headers
   * arrive; a failure while reading the stream surfaces to the reader of the stream.
   */
  async archiveFileStream(id: string, options: { signal?: AbortSignal } = {}): Promise<DownloadStream> {
    const res = await this.#http.request({ method: 'GET', path: `/3/archive/${encodeURIComponent(id)}`, accept: '*/*', stream: true, signal: options.signal });
    if (res.stream === null) throw new FortnoxInvalidResponseError({ method: 'GET', path: `/3/archive/${id}`, status: res.status }, 'no body');
    const length = Number(res.headers.get('content-length'));
    return { contentType: res.headers.get('content-type') ?? 'application/octet-stream', contentLength: Number.isFinite(length) && length >= 0 ? length : undefined, body: res.stream };
  }

  /** An archive folder listing (`Folder` with `Files` and `Folders`); root when `path` is omitted. */
  async archiveFolder(path?: string, options: { signal?: AbortSignal } = {}): Promise<JsonObject> {
    const body = await this.#http.json({ method: 'GET', path: '/3/archive', query: { path }, signal: options.signal });
    return parseDetailEnvelope(body, 'Folder', { method: 'GET', path: '/3/archive' });
  }

  /** An inbox folder (`inbox_s`, `inbox_v`, …); root when omitted. */
  async inboxFolder(id?: string, options: { signal?: AbortSignal } = {}): Promise<JsonObject> {
    const path = id === undefined ? '/3/inbox' : `/3/inbox/${encodeURIComponent(id)}`;
    const body = await this.#http.json({ method: 'GET', path, signal: options.signal });
    return parseDetailEnvelope(body, 'Folder', { method: 'GET', path });
  }

  async #download(path: string, query: Query, signal: AbortSignal | undefined): Promise<Download> {
    const res = await this.#http.request({ method: 'GET', path, query, accept: '*/*', signal });
    return { contentType: res.headers.get('content-type') ?? 'application/octet-stream', body: res.body };
  }
}
