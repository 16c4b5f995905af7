/**
 * The simulator's state: the companies, the simulated clock, consents and tokens, the rate limiter,
 * injected faults and the counters tests read. The HTTP layer (server.ts) is a thin shell over it.
 */
import { text } from './values.ts';
import { DEFAULT_START, SimClock, fortnoxDate } from './clock.ts';
import { Faults } from './faults.ts';
import type { CompanyKit } from './kit.ts';
import { SortCache } from './listing.ts';
import { emptySideEffects, type SimCompany, type SimulatorSize, type Stored } from './model.ts';
import { OAuthServer, type TenantInfo } from './oauth.ts';
import { Random } from './random.ts';
import { SlidingWindowLimiter } from './rate-limit.ts';

export interface SimulatorConfig {
  seed: number;
  size: SimulatorSize;
  companies: number;
  emptyCompanies: number;
  clientId: string;
  clientSecret: string;
  rateLimit: number;
  rateWindowMs: number;
  timeScale: number;
  /** Simulated start instant (epoch ms). */
  start: number;
}

export const DEFAULT_CLIENT_ID = 'noxbackup-sim';
export const DEFAULT_CLIENT_SECRET = 'sim-secret';

export interface Counters {
  /** Requests per endpoint, keyed like `GET /3/customers/{CustomerNumber}`. */
  requests: Record<string, number>;
  total: number;
  /** Requests answered 429 (by the limiter or an injected storm). */
  rateLimited: number;
}

const emptyCounters = (): Counters => ({ requests: {}, total: 0, rateLimited: 0 });

export class Simulator {
  readonly config: Readonly<SimulatorConfig>;
  readonly kit: CompanyKit;
  readonly clock: SimClock;
  readonly companies = new Map<number, SimCompany>();
  readonly sortCache = new SortCache();
  oauth!: OAuthServer;
  limiter: SlidingWindowLimiter;
  faults: Faults;
  #counters = new Map<number | 'none', Counters>();
  #random: Random;
  #emptyCreated = 0;
  #days = 0;

  constructor(config: SimulatorConfig, kit: CompanyKit) {
    this.config = Object.freeze({ ...config });
    this.kit = kit;
    this.clock = new SimClock(config.start ?? DEFAULT_START);
    this.#random = new Random(config.seed);
    this.limiter = new SlidingWindowLimiter(config.rateLimit, config.rateWindowMs / config.timeScale);
    this.faults = new Faults(() => this.#random.float());
    this.#populate();
  }

  /** Regenerates every company from the seed and forgets tokens, faults and counters. */
  reset(): void {
    this.companies.clear();
    this.sortCache.invalidate();
    this.limiter.reset();
    this.faults.clear();
    this.#counters.clear();
    this.#random = new Random(this.config.seed);
    this.#emptyCreated = 0;
    this.#populate();
  }

  #populate(): void {
    this.oauth = new OAuthServer({
      clientId: this.config.clientId, clientSecret: this.config.clientSecret, now: () => this.clock.now(), tenants: () => this.tenants(),
    });
    const ids = tenantIds(this.config.seed, this.config.companies + this.config.emptyCompanies);
    for (let index = 0; index < this.config.companies; index++) {
      const tenantId = ids[index] as number;
      this.#add(this.kit.generateCompany({ seed: this.config.seed, size: this.config.size, index, tenantId, now: this.clock.now() }));
    }
    for (let i = 0; i < this.config.emptyCompanies; i++) this.createEmptyCompany(undefined, ids[this.config.companies + i]);
  }

  #add(company: SimCompany): void {
    this.companies.set(company.tenantId, company);
    this.oauth.grantServiceConsent(company.tenantId);
  }

  /**
   * A company with no registers, invoices, vouchers or files, but with the financial years, chart of
   * accounts and voucher series a new Fortnox company starts with: the target of a restore.
   */
  createEmptyCompany(name?: string, tenantId?: number): SimCompany {
    const n = ++this.#emptyCreated;
    const id = tenantId ?? Math.max(0, ...this.companies.keys()) + 1;
    const base = this.kit.generateCompany({ seed: this.config.seed + 7919 * n, size: 'small', index: this.config.companies + n - 1, tenantId: id, now: this.clock.now() });
    const now = this.clock.now();
    for (const m of [base.vouchers, base.customers, base.suppliers, base.articles, base.projects, base.costCenters, base.invoices, base.supplierInvoices, base.files, base.supplierInvoiceFileConnections, base.voucherFileConnections]) m.clear();
    for (const series of base.voucherSeries.values()) for (const s of series.values()) { s.data.NextVoucherNumber = 1; s.modified = now; }
    for (const accounts of base.accounts.values()) for (const a of accounts.values()) { a.data.BalanceBroughtForward = 0; a.data.BalanceCarriedForward = 0; }
    base.info = { ...base.info, CompanyName: name ?? `Tomt Bolag ${n} AB`, DatabaseNumber: id, OrganizationNumber: `5591${String(n % 100).padStart(2, '0')}-${String(1000 + n)}` };
    base.sideEffects = emptySideEffects();
    this.#add(base);
    return base;
  }

  tenants(): TenantInfo[] {
    return [...this.companies.values()].map((c) => ({ tenantId: c.tenantId, name: text(c.info.CompanyName ?? ''), orgNumber: text(c.info.OrganizationNumber ?? '') }));
  }

  today(): string {
    return fortnoxDate(this.clock.now());
  }

  /** The financial year containing a date (default today), or undefined. */
  financialYearFor(company: SimCompany, date: string = this.today()): Stored | undefined {
    return company.financialYears.find((y) => text(y.data.FromDate) <= date && date <= text(y.data.ToDate));
  }

  /** Runs `days` simulated business days: each moves the clock a day and lets the generator act. */
  runBusinessDays(days: number, tenantId?: number): { tenantId: number; day: string; summary: unknown }[] {
    const out: { tenantId: number; day: string; summary: unknown }[] = [];
    const targets = [...this.companies.values()].filter((c) => tenantId === undefined || c.tenantId === tenantId);
    for (let d = 0; d < days; d++) {
      this.clock.advance(86_400_000);
      const dayStart = this.clock.now();
      this.#days++;
      for (const company of targets) {
        const rnd = new Random(this.config.seed).fork(`day:${company.tenantId}:${this.#days}`);
        out.push({ tenantId: company.tenantId, day: fortnoxDate(dayStart), summary: this.kit.simulateBusinessDay(company, rnd, dayStart) });
      }
    }
    this.sortCache.invalidate();
    return out;
  }

  count(tenantId: number | undefined, key: string, rateLimited = false): void {
    const k = tenantId ?? 'none';
    let c = this.#counters.get(k);
    if (c === undefined) this.#counters.set(k, (c = emptyCounters()));
    c.requests[key] = (c.requests[key] ?? 0) + 1;
    c.total++;
    if (rateLimited) c.rateLimited++;
  }

  counters(tenantId?: number): Counters {
    const sum = emptyCounters();
    for (const [k, c] of this.#counters) {
      if (tenantId !== undefined && k !== tenantId) continue;
      for (const [key, n] of Object.entries(c.requests)) sum.requests[key] = (sum.requests[key] ?? 0) + n;
      sum.total += c.total;
      sum.rateLimited += c.rateLimited;
    }
    return sum;
  }

  resetCounters(): void {
    this.#counters.clear();
    for (const c of this.companies.values()) c.sideEffects = emptySideEffects();
  }
}

/** Tenant ids that look like Fortnox database numbers, fixed by the seed. */
function tenantIds(seed: number, n: number): number[] {
  const rnd = new Random(seed).fork('tenants');
  const ids = new Set<number>();
  while (ids.size < n) ids.add(rnd.int(1_000_000, 9_999_999));
  return [...ids];
}
