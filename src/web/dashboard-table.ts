import { COMPANY_STATES, type CompanyOverview, type CompanyState } from './company-status.ts';

/** The firm table's columns that sort. Default: `status`, worst first (problems first). */
export const SORT_KEYS = ['name', 'status', 'last', 'next'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

export interface TableQuery {
  readonly sort: SortKey;
  readonly dir: SortDir;
  /** Part of a name or an organisation number ('' : all). */
  readonly q: string;
  /** One state, or undefined for all. */
  readonly status: CompanyState | undefined;
  /** 1-based. */
  readonly page: number;
}

export const PAGE_SIZE = 50;

/** Reads the table's query string; anything unknown falls back to the default (never an error). */
export function parseTableQuery(query: unknown): TableQuery {
  const q = (query ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof q[name] === 'string' ? q[name] : '');
  const sort = (SORT_KEYS as readonly string[]).includes(text('sort')) ? (text('sort') as SortKey) : 'status';
  const dir: SortDir = text('dir') === 'desc' ? 'desc' : 'asc';
  const status = (COMPANY_STATES as readonly string[]).includes(text('status')) ? (text('status') as CompanyState) : undefined;
  const page = Math.max(1, Math.min(100_000, Number.parseInt(text('page'), 10) || 1));
  return { sort, dir, q: text('q').trim().slice(0, 100), status, page };
}

const digits = (s: string) => s.replace(/\D/g, '');

function matches(row: CompanyOverview, q: string): boolean {
  if (q === '') return true;
  const needle = q.toLocaleLowerCase('sv');
  if (row.company.name.toLocaleLowerCase('sv').includes(needle)) return true;
  const d = digits(q);
  return d !== '' && row.company.orgNumber !== null && digits(row.company.orgNumber).includes(d);
}

const time = (iso: string | null | undefined): number | undefined => (iso === null || iso === undefined ? undefined : Date.parse(iso));
const collator = new Intl.Collator('sv', { sensitivity: 'base', numeric: true });

/**
 * Filters and sorts the firm table. Rows without a value for the sort column (never backed up, no
 * schedule) go last in either direction; ties keep problems first, then the name.
 */
export function arrangeTable(rows: readonly CompanyOverview[], query: TableQuery): { rows: CompanyOverview[]; total: number; pages: number } {
  const rank = (r: CompanyOverview) => COMPANY_STATES.indexOf(r.status.state);
  const byName = (a: CompanyOverview, b: CompanyOverview) => collator.compare(a.company.name, b.company.name) || a.company.id.localeCompare(b.company.id);
  const sign = query.dir === 'desc' ? -1 : 1;
  const optional = (a: number | undefined, b: number | undefined) => (a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : sign * (a - b));
  const compare = (a: CompanyOverview, b: CompanyOverview): number => {
    switch (query.sort) {
      case 'name':
        return sign * byName(a, b);
      case 'status':
        return sign * (rank(a) - rank(b)) || byName(a, b);
      case 'last':
        return optional(time(a.status.lastRun?.finishedAt), time(b.status.lastRun?.finishedAt)) || rank(a) - rank(b) || byName(a, b);
      case 'next':
        return optional(a.nextRun?.getTime(), b.nextRun?.getTime()) || rank(a) - rank(b) || byName(a, b);
    }
  };
  const filtered = rows.filter((r) => matches(r, query.q) && (query.status === undefined || r.status.state === query.status)).sort(compare);
  const pages = Math.max(1, Math.ceil(filtered.length / PAGE_SIZE));
  const page = Math.min(query.page, pages);
  return { rows: filtered.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE), total: filtered.length, pages };
}

/** The table's query string with some parameters changed (defaults left out, so links stay short). */
export function tableHref(query: TableQuery, change: Partial<TableQuery>): string {
  const next = { ...query, ...change };
  const params = new URLSearchParams();
  if (next.q !== '') params.set('q', next.q);
  if (next.status !== undefined) params.set('status', next.status);
  if (next.sort !== 'status') params.set('sort', next.sort);
  if (next.dir !== 'asc') params.set('dir', next.dir);
  if (next.page !== 1) params.set('page', String(next.page));
  const s = params.toString();
  return s === '' ? '/dashboard' : `/dashboard?${s}`;
}
