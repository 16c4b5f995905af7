import { isPageNotFound, type JsonObject, type ListEnvelope } from './body.ts';

/** Fortnox's maximum page size. */
export const MAX_PAGE_SIZE = 500;

export interface ListPage<T = JsonObject> {
  items: T[];
  /** 1-based. */
  page: number;
  /** As reported by the latest page; may change while walking if records are added or removed. */
  totalPages: number;
  totalResources: number;
}

/**
 * Walks a list page by page, driven by `@TotalPages`, holding one page at a time. An empty list
 * (`@TotalPages: 0`) yields one empty page so callers still learn the total. A page past the end —
 * because records were deleted during the walk — answers 400 "Angiven sida hittades ej", which ends the walk.
 */
export async function* walkPages(fetchPage: (page: number) => Promise<ListEnvelope>): AsyncGenerator<ListPage> {
  for (let page = 1; ; page++) {
    let envelope: ListEnvelope;
    try {
      envelope = await fetchPage(page);
    } catch (e) {
      if (page > 1 && isPageNotFound(e)) return;
      throw e;
    }
    const { meta, items } = envelope;
    yield { items, page, totalPages: meta.totalPages, totalResources: meta.totalResources };
    if (page >= meta.totalPages) return;
  }
}
