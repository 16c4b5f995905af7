/**
 * The `/3/...` endpoints: every read a backup needs and the writes a restore needs, each guarded by
 * its Fortnox scope. Handlers work on one company (the token's tenant) and return a `Reply`.
 */
import { text } from './values.ts';
import { badRequest, bytes, json, notFound, Router, type Reply } from './http.ts';
import { getStoreItem, getStoreRoot, upload, connectSupplierInvoiceFile, connectVoucherFile } from './files.ts';
import { isDate, listReply, sortedBy, invalidParameter } from './listing.ts';
import { voucherKey, type FortnoxRecord, type SimCompany, type Stored } from './model.ts';
import {
  ACCOUNT_LIST_FIELDS, ACCOUNT_NOT_FOUND, FINANCIAL_YEAR_LIST_FIELDS, FINANCIAL_YEAR_NOT_FOUND, INVOICES, SIMPLE_RESOURCES,
  SUPPLIER_INVOICES, SUPPLIER_INVOICE_FILE_CONNECTIONS, VOUCHER_FILE_CONNECTIONS, VOUCHER_LIST_FIELDS, VOUCHER_NOT_FOUND,
  VOUCHER_SERIES_LIST_FIELDS, VOUCHER_SERIES_NOT_FOUND, projectListItem, type ResourceDef, type Scope,
} from './resources.ts';
import type { Simulator } from './simulator.ts';
import {
  createAccount, createInvoice, createSimple, createSupplierInvoice, createVoucher, updateAccount, updateInvoice, updateSimple, type WriteContext,
} from './writes.ts';

export interface ApiContext {
  sim: Simulator;
  company: SimCompany;
  /** Origin the client used (from the Host header), for `@url`. */
  base: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: Buffer;
  contentType: string | undefined;
}

export interface ApiRoute {
  scope: Scope;
  handler(ctx: ApiContext): Reply;
}

function writeContext(ctx: ApiContext): WriteContext {
  return { company: ctx.company, now: ctx.sim.clock.now(), today: ctx.sim.today(), changed: (c) => ctx.sim.sortCache.invalidate(c) };
}

const enc = encodeURIComponent;
const recordUrl = (ctx: ApiContext, def: ResourceDef, key: string): string => `${ctx.base}/3/${def.path}/${enc(key)}`;

function detail(ctx: ApiContext, def: ResourceDef, stored: Stored): FortnoxRecord {
  const key = text(stored.data[def.key]);
  const extra: FortnoxRecord = def === INVOICES ? { '@urlTaxReductionList': `${ctx.base}/3/taxreductions?filter=invoices&referencenumber=${key}` } : {};
  return { '@url': recordUrl(ctx, def, key), ...extra, ...stored.data };
}

function sorted(ctx: ApiContext, collection: Map<string, Stored>, field: string, tieBreak: string, cacheKey = field): Stored[] {
  return ctx.sim.sortCache.get(collection, cacheKey, () => sortedBy(collection.values(), field, tieBreak));
}

/** The financial year a request means: `financialyear` (id), `financialyeardate`, or today's. */
function financialYear(ctx: ApiContext, fallbackToLatest = true): Stored {
  const id = ctx.query.get('financialyear');
  const date = ctx.query.get('financialyeardate');
  const years = ctx.company.financialYears;
  let year: Stored | undefined;
  if (id !== null && id !== '') {
    year = years.find((y) => text(y.data.Id) === id);
  } else if (date !== null && date !== '') {
    if (!isDate(date)) throw invalidParameter('financialyeardate');
    year = ctx.sim.financialYearFor(ctx.company, date);
  } else {
    year = ctx.sim.financialYearFor(ctx.company) ?? (fallbackToLatest ? years.at(-1) : undefined);
  }
  if (year === undefined) throw badRequest(...FINANCIAL_YEAR_NOT_FOUND);
  return year;
}

function simpleRoutes(router: Router<ApiRoute>, def: ResourceDef): void {
  const base = `/3/${def.path}`;
  router.add('GET', base, {
    scope: def.scope,
    handler: (ctx) => {
      const collection = def.collection(ctx.company);
      const fy = def.dateField !== undefined && ctx.query.get('financialyear') !== null ? financialYear(ctx).data : undefined;
      return listReply(ctx.query, {
        plural: def.plural, sortFields: def.sortFields, filters: def.filters, search: def.search, dateField: def.dateField, today: ctx.sim.today(),
        ...(fy === undefined ? {} : { dateRange: [text(fy.FromDate), text(fy.ToDate)] as const }),
        sorted: (field) => sorted(ctx, collection, field, def.key),
        item: (r) => projectListItem(recordUrl(ctx, def, text(r[def.key])), r, def.listFields, def.quirks),
      });
    },
  });
  router.add('GET', `${base}/{id}`, {
    scope: def.scope,
    handler: (ctx) => {
      const stored = def.collection(ctx.company).get(ctx.params.id as string);
      if (stored === undefined) throw notFound(...def.notFound);
      return json(200, { [def.singular]: detail(ctx, def, stored) });
    },
  });
}

function writeRoutes(router: Router<ApiRoute>): void {
  for (const def of SIMPLE_RESOURCES.filter((d) => ['customers', 'suppliers', 'articles', 'projects', 'costcenters'].includes(d.path))) {
    router.add('POST', `/3/${def.path}`, { scope: def.scope, handler: (ctx) => json(201, { [def.singular]: detail(ctx, def, createSimple(def, writeContext(ctx), ctx.body)) }) });
    router.add('PUT', `/3/${def.path}/{id}`, { scope: def.scope, handler: (ctx) => json(200, { [def.singular]: detail(ctx, def, updateSimple(def, writeContext(ctx), ctx.params.id as string, ctx.body)) }) });
  }
  router.add('POST', '/3/invoices', { scope: 'invoice', handler: (ctx) => json(201, { Invoice: detail(ctx, INVOICES, createInvoice(INVOICES, writeContext(ctx), ctx.body)) }) });
  router.add('PUT', '/3/invoices/{id}', { scope: 'invoice', handler: (ctx) => json(200, { Invoice: detail(ctx, INVOICES, updateInvoice(INVOICES, writeContext(ctx), ctx.params.id as string, ctx.body)) }) });
  router.add('POST', '/3/supplierinvoices', {
    scope: 'supplierinvoice',
    handler: (ctx) => json(201, { SupplierInvoice: detail(ctx, SUPPLIER_INVOICES, createSupplierInvoice(SUPPLIER_INVOICES, writeContext(ctx), ctx.body)) }),
  });
  router.add('POST', '/3/supplierinvoicefileconnections', {
    scope: 'connectfile',
    handler: (ctx) => json(201, { SupplierInvoiceFileConnection: detail(ctx, SUPPLIER_INVOICE_FILE_CONNECTIONS, connectSupplierInvoiceFile(writeContext(ctx), ctx.body)) }),
  });
  router.add('POST', '/3/voucherfileconnections', {
    scope: 'connectfile',
    handler: (ctx) => {
      const q = ctx.query.get('financialyear');
      const stored = connectVoucherFile(writeContext(ctx), q === null ? undefined : Number(q), ctx.body);
      return json(201, { VoucherFileConnection: detail(ctx, VOUCHER_FILE_CONNECTIONS, stored) });
    },
  });
}

// ---- Bookkeeping: financial years, accounts, voucher series, vouchers, SIE ----

const yearUrl = (ctx: ApiContext, id: number): string => `${ctx.base}/3/financialyears/${id}`;
const accountUrl = (ctx: ApiContext, r: FortnoxRecord, year: number): string => `${ctx.base}/3/accounts/${text(r.Number)}?financialyear=${year}`;
const voucherUrl = (ctx: ApiContext, r: FortnoxRecord): string => `${ctx.base}/3/vouchers/${enc(text(r.VoucherSeries))}/${text(r.VoucherNumber)}?financialyear=${text(r.Year)}`;
const seriesUrl = (ctx: ApiContext, r: FortnoxRecord): string => `${ctx.base}/3/voucherseries/${enc(text(r.Code))}`;

function bookkeepingRoutes(router: Router<ApiRoute>): void {
  router.add('GET', '/3/financialyears', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const date = ctx.query.get('date') ?? ctx.query.get('Date');
      if (date !== null && date !== '' && !isDate(date)) throw invalidParameter('date');
      const years = ctx.company.financialYears;
      const wanted = date === null || date === '' ? years : years.filter((y) => text(y.data.FromDate) <= date && date <= text(y.data.ToDate));
      return listReply(ctx.query, {
        plural: 'FinancialYears', sortFields: { id: 'Id', fromdate: 'FromDate' }, filters: {}, search: {}, today: ctx.sim.today(),
        sorted: (field) => sortedBy(wanted, field, 'Id'),
        item: (r) => projectListItem(yearUrl(ctx, Number(r.Id)), r, FINANCIAL_YEAR_LIST_FIELDS, {}),
      });
    },
  });
  router.add('GET', '/3/financialyears/{id}', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const y = ctx.company.financialYears.find((x) => text(x.data.Id) === ctx.params.id);
      if (y === undefined) throw notFound(...FINANCIAL_YEAR_NOT_FOUND);
      return json(200, { FinancialYear: { '@url': yearUrl(ctx, Number(y.data.Id)), ...y.data } });
    },
  });

  router.add('GET', '/3/accounts', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const yearId = Number(financialYear(ctx).data.Id);
      const accounts = ctx.company.accounts.get(yearId) ?? new Map<string, Stored>();
      return listReply(ctx.query, {
        plural: 'Accounts', sortFields: { number: 'Number' }, today: ctx.sim.today(),
        filters: { active: (r) => r.Active === true, inactive: (r) => r.Active === false },
        search: { sru: { field: 'SRU', match: 'exact' }, description: { field: 'Description', match: 'substring' } },
        sorted: (field) => sorted(ctx, accounts, field, 'Number'),
        item: (r) => projectListItem(accountUrl(ctx, r, yearId), r, ACCOUNT_LIST_FIELDS, {}),
      });
    },
  });
  router.add('GET', '/3/accounts/{number}', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const yearId = Number(financialYear(ctx).data.Id);
      const a = ctx.company.accounts.get(yearId)?.get(ctx.params.number as string);
      if (a === undefined) throw notFound(...ACCOUNT_NOT_FOUND);
      return json(200, { Account: { '@url': accountUrl(ctx, a.data, yearId), ...a.data } });
    },
  });
  router.add('POST', '/3/accounts', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const yearId = Number(financialYear(ctx).data.Id);
      const a = createAccount(writeContext(ctx), yearId, ctx.body);
      return json(201, { Account: { '@url': accountUrl(ctx, a.data, yearId), ...a.data } });
    },
  });
  router.add('PUT', '/3/accounts/{number}', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const yearId = Number(financialYear(ctx).data.Id);
      const a = updateAccount(writeContext(ctx), yearId, ctx.params.number as string, ctx.body, () => notFound(...ACCOUNT_NOT_FOUND));
      return json(200, { Account: { '@url': accountUrl(ctx, a.data, yearId), ...a.data } });
    },
  });

  router.add('GET', '/3/voucherseries', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const yearId = Number(financialYear(ctx).data.Id);
      const series = ctx.company.voucherSeries.get(yearId) ?? new Map<string, Stored>();
      return listReply(ctx.query, {
        plural: 'VoucherSeriesCollection', sortFields: { code: 'Code' }, filters: {}, search: {}, today: ctx.sim.today(),
        sorted: (field) => sorted(ctx, series, field, 'Code'),
        item: (r) => projectListItem(seriesUrl(ctx, r), r, VOUCHER_SERIES_LIST_FIELDS, {}),
      });
    },
  });
  router.add('GET', '/3/voucherseries/{code}', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const yearId = Number(financialYear(ctx).data.Id);
      const s = ctx.company.voucherSeries.get(yearId)?.get(ctx.params.code as string);
      if (s === undefined) throw notFound(...VOUCHER_SERIES_NOT_FOUND);
      return json(200, { VoucherSeries: { '@url': seriesUrl(ctx, s.data), ...s.data } });
    },
  });

  const voucherList = (ctx: ApiContext, series: string | undefined): Reply => {
    const yearId = Number(financialYear(ctx).data.Id);
    const all = ctx.company.vouchers;
    const cacheKey = `${yearId}:${series ?? '*'}`;
    const inYear = (): Stored[] => [...all.values()].filter((v) => v.data.Year === yearId && (series === undefined || v.data.VoucherSeries === series));
    return listReply(ctx.query, {
      plural: 'Vouchers', sortFields: { vouchernumber: 'VoucherNumber', transactiondate: 'TransactionDate' }, filters: {}, search: {},
      dateField: 'TransactionDate', today: ctx.sim.today(),
      sorted: (field) => ctx.sim.sortCache.get(all, `${cacheKey}:${field}`, () =>
        inYear().sort((a, b) => (field === 'VoucherNumber' ? 0 : text(a.data[field]).localeCompare(text(b.data[field])))
          || text(a.data.VoucherSeries).localeCompare(text(b.data.VoucherSeries)) || Number(a.data.VoucherNumber) - Number(b.data.VoucherNumber))),
      item: (r) => projectListItem(voucherUrl(ctx, r), r, VOUCHER_LIST_FIELDS, {}),
    });
  };
  router.add('GET', '/3/vouchers', { scope: 'bookkeeping', handler: (ctx) => voucherList(ctx, undefined) });
  router.add('GET', '/3/vouchers/sublist', { scope: 'bookkeeping', handler: (ctx) => voucherList(ctx, undefined) });
  router.add('GET', '/3/vouchers/sublist/{series}', { scope: 'bookkeeping', handler: (ctx) => voucherList(ctx, ctx.params.series) });
  router.add('GET', '/3/vouchers/{series}/{number}', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const yearId = Number(financialYear(ctx).data.Id);
      const v = ctx.company.vouchers.get(voucherKey(yearId, ctx.params.series as string, Number(ctx.params.number)));
      if (v === undefined) throw notFound(...VOUCHER_NOT_FOUND);
      return json(200, { Voucher: { '@url': voucherUrl(ctx, v.data), ...v.data } });
    },
  });
  router.add('POST', '/3/vouchers', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const explicit = ctx.query.get('financialyear') !== null || ctx.query.get('financialyeardate') !== null;
      const v = createVoucher(writeContext(ctx), explicit ? financialYear(ctx) : undefined, ctx.body);
      return json(201, { Voucher: { '@url': voucherUrl(ctx, v.data), ...v.data } });
    },
  });

  router.add('GET', '/3/sie/{type}', {
    scope: 'bookkeeping',
    handler: (ctx) => {
      const type = Number(ctx.params.type);
      if (![1, 2, 3, 4].includes(type)) throw invalidParameter('type');
      const yearId = Number(financialYear(ctx).data.Id);
      const file = ctx.sim.kit.exportSie(ctx.company, type as 1 | 2 | 3 | 4, yearId, ctx.sim.clock.now());
      return bytes(file, 'application/octet-stream', { 'Content-Disposition': `attachment; filename="SIE${type}_${yearId}.se"` });
    },
  });
}

// ---- Invoice documents and their side effects ----

function invoiceOr404(ctx: ApiContext): Stored {
  const inv = ctx.company.invoices.get(ctx.params.id as string);
  if (inv === undefined) throw notFound(...INVOICES.notFound);
  return inv;
}

/** Marks an invoice sent, as `/print`, `/email`, `/eprint` and `/einvoice` do in Fortnox. */
function markSent(ctx: ApiContext, inv: Stored, flag: 'printed' | 'emailed' | 'eprinted' | 'einvoiced'): void {
  ctx.company.sideEffects[flag].add(text(inv.data.DocumentNumber));
  inv.data.Sent = true;
  inv.modified = ctx.sim.clock.now();
  ctx.sim.sortCache.invalidate(ctx.company.invoices);
}

function documentRoutes(router: Router<ApiRoute>): void {
  const pdf = (ctx: ApiContext, inv: Stored): Reply => bytes(ctx.sim.kit.invoicePdf(ctx.company, inv.data), 'application/pdf');
  router.add('GET', '/3/invoices/{id}/preview', { scope: 'invoice', handler: (ctx) => pdf(ctx, invoiceOr404(ctx)) });
  router.add('GET', '/3/invoices/{id}/print', {
    scope: 'invoice',
    handler: (ctx) => {
      const inv = invoiceOr404(ctx);
      markSent(ctx, inv, 'printed');
      return pdf(ctx, inv);
    },
  });
  for (const [action, flag] of [['email', 'emailed'], ['eprint', 'eprinted'], ['einvoice', 'einvoiced']] as const) {
    router.add('GET', `/3/invoices/{id}/${action}`, {
      scope: 'invoice',
      handler: (ctx) => {
        const inv = invoiceOr404(ctx);
        markSent(ctx, inv, flag);
        return json(200, { Invoice: detail(ctx, INVOICES, inv) });
      },
    });
  }
}

function fileRoutes(router: Router<ApiRoute>): void {
  for (const store of ['archive', 'inbox'] as const) {
    router.add('GET', `/3/${store}`, { scope: store, handler: (ctx) => getStoreRoot(ctx.base, ctx.company, store, ctx.query) });
    router.add('GET', `/3/${store}/{id}`, { scope: store, handler: (ctx) => getStoreItem(ctx.base, ctx.company, store, ctx.params.id as string) });
    router.add('POST', `/3/${store}`, { scope: store, handler: (ctx) => upload(ctx.base, writeContext(ctx), store, ctx.query, ctx.contentType, ctx.body) });
  }
}

export function apiRouter(): Router<ApiRoute> {
  const router = new Router<ApiRoute>();
  router.add('GET', '/3/companyinformation', { scope: 'companyinformation', handler: (ctx) => json(200, { CompanyInformation: ctx.company.info }) });
  for (const def of SIMPLE_RESOURCES) simpleRoutes(router, def);
  writeRoutes(router);
  bookkeepingRoutes(router);
  documentRoutes(router);
  fileRoutes(router);
  return router;
}
