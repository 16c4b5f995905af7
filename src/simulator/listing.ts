/**
 * Fortnox's list semantics, shared by every list endpoint: paging (`limit`, `page`, `offset`),
 * `sortby`/`sortorder`, `filter`, `lastmodified`, `fromdate`/`todate` and the per-resource search
 * parameters, answered in the `MetaInformation` envelope. Sorted orders are cached per collection and
 * thrown away on writes, so a page of 500 from a large company costs a slice, not a sort.
 */
import { text } from './values.ts';
import { badRequest, json, type Reply } from './http.ts';
import type { FortnoxRecord, Json, Stored } from './model.ts';
import type { RecordFilter, SearchParam } from './resources.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;

/** Error codes and messages for list parameters (see docs/simulator.md for which are Fortnox's own). */
export const INVALID_FILTER = () => badRequest('Ett ogiltigt filter har använts.', 2000587);
export const PAGE_NOT_FOUND = () => badRequest('Angiven sida hittades ej (24).', 2000588);
export const invalidParameter = (name: string) => badRequest(`Ogiltig parameter: ${name}.`, 2000588);

const COLLATOR = new Intl.Collator('sv', { numeric: true });

export function compareValues(a: Json | undefined, b: Json | undefined): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  return COLLATOR.compare(text(a), text(b));
}

/** Sorted views of collections, rebuilt lazily after `invalidate`. */
export class SortCache {
  #cache = new WeakMap<object, Map<string, Stored[]>>();

  get(collection: object, key: string, build: () => Stored[]): Stored[] {
    let perCollection = this.#cache.get(collection);
    if (perCollection === undefined) this.#cache.set(collection, (perCollection = new Map<string, Stored[]>()));
    let sorted = perCollection.get(key);
    if (sorted === undefined) perCollection.set(key, (sorted = build()));
    return sorted;
  }

  invalidate(collection?: object): void {
    if (collection === undefined) this.#cache = new WeakMap();
    else this.#cache.delete(collection);
  }
}

export function sortedBy(items: Iterable<Stored>, field: string, tieBreak: string): Stored[] {
  return [...items].sort((a, b) => compareValues(a.data[field], b.data[field]) || compareValues(a.data[tieBreak], b.data[tieBreak]));
}

/** Epoch ms of a wall-clock time in Europe/Stockholm (Fortnox's time zone for timestamps). */
export function stockholmToEpoch(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  let guess = asUtc - stockholmOffset(asUtc);
  guess = asUtc - stockholmOffset(guess);
  return guess;
}

const OFFSET_FORMAT = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Stockholm', timeZoneName: 'longOffset' });

function stockholmOffset(ms: number): number {
  const name = OFFSET_FORMAT.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(name);
  if (m === null) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

/** `YYYY-MM-DD`, `YYYY-MM-DD HH:mm` or `YYYY-MM-DD HH:mm:ss` in Swedish time → epoch ms. */
export function parseFortnoxTimestamp(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value.trim());
  if (m === null) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  const [y, mo, d, h, mi, s] = [n(1), n(2), n(3), n(4), n(5), n(6)];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  return stockholmToEpoch(y, mo, d, h, mi, s);
}

export function isDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

export interface ListSpec {
  plural: string;
  sortFields: Readonly<Record<string, string>>;
  filters: Readonly<Record<string, RecordFilter>>;
  search: Readonly<Record<string, SearchParam>>;
  /** Field `fromdate`/`todate` (and a date range) apply to. */
  dateField?: string;
  /** An inclusive date range on `dateField` (from `financialyear` on invoices). */
  dateRange?: readonly [string, string];
  today: string;
  /** The collection sorted ascending by a field (cached by the caller). */
  sorted(field: string): Stored[];
  item(record: FortnoxRecord): FortnoxRecord;
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw invalidParameter(name);
  return n;
}

export function listReply(query: URLSearchParams, spec: ListSpec): Reply {
  // Fortnox caps the page size at 500 (fortnox-api.md §3.1); larger values are served as 500.
  const limit = Math.min(intParam(query, 'limit', DEFAULT_LIMIT, 1), MAX_LIMIT);
  const page = intParam(query, 'page', 1, 1);
  const offset = intParam(query, 'offset', 0, 0);

  const sortFields = Object.entries(spec.sortFields);
  const sortby = query.get('sortby');
  let field = sortFields[0]?.[1] ?? '';
  if (sortby !== null && sortby !== '') {
    const f = spec.sortFields[sortby.toLowerCase()];
    if (f === undefined) throw invalidParameter('sortby');
    field = f;
  }
  const sortorder = (query.get('sortorder') ?? 'ascending').toLowerCase();
  if (sortorder !== 'ascending' && sortorder !== 'descending') throw invalidParameter('sortorder');

  const predicates: ((r: Stored) => boolean)[] = [];
  const filter = query.get('filter');
  if (filter !== null && filter !== '') {
    const f = spec.filters[filter.toLowerCase()];
    if (f === undefined) throw INVALID_FILTER();
    predicates.push((r) => f(r.data, spec.today));
  }
  const lastmodified = query.get('lastmodified');
  if (lastmodified !== null && lastmodified !== '') {
    const since = parseFortnoxTimestamp(lastmodified);
    if (since === undefined) throw invalidParameter('lastmodified');
    predicates.push((r) => r.modified >= since);
  }
  for (const [name, s] of Object.entries(spec.search)) {
    const raw = query.get(name);
    if (raw === null || raw === '') continue;
    const wanted = raw.toLowerCase();
    predicates.push((r) => {
      const v = r.data[s.field];
      if (v === null || v === undefined) return false;
      const value = text(v).toLowerCase();
      if (s.match === 'substring') return value.includes(wanted);
      return value === wanted;
    });
  }
  if (spec.dateField !== undefined) {
    const df = spec.dateField;
    for (const [name, cmp] of [['fromdate', (v: string, d: string) => v >= d], ['todate', (v: string, d: string) => v <= d]] as const) {
      const raw = query.get(name);
      if (raw === null || raw === '') continue;
      if (!isDate(raw)) throw invalidParameter(name);
      predicates.push((r) => typeof r.data[df] === 'string' && cmp(r.data[df], raw));
    }
    if (spec.dateRange !== undefined) {
      const [from, to] = spec.dateRange;
      predicates.push((r) => typeof r.data[df] === 'string' && r.data[df] >= from && r.data[df] <= to);
    }
  }

  let items = spec.sorted(field);
  if (sortorder === 'descending') items = items.toReversed();
  if (predicates.length > 0) items = items.filter((r) => predicates.every((p) => p(r)));
  if (offset > 0) items = items.slice(offset);

  const total = items.length;
  const totalPages = Math.ceil(total / limit);
  if (page > Math.max(totalPages, 1)) throw PAGE_NOT_FOUND();
  const pageItems = items.slice((page - 1) * limit, page * limit).map((r) => spec.item(r.data));
  return json(200, {
    MetaInformation: { '@TotalResources': total, '@TotalPages': totalPages, '@CurrentPage': page },
    [spec.plural]: pageItems,
  });
}
