/**
 * Generates a whole, realistic Swedish company deterministically from a seed: identity, registers, a
 * BAS chart per financial year (a calendar year, a shortened transition year, then broken years
 * May–April, the last one open up to `now`), and every day of business in between, booked into
 * balanced vouchers with attached scans and receipts. Company `index` n of a multi-company simulator is
 * a different company drawn from the same seed.
 */
import { CompanyActivity, type DayRates } from './activity.ts';
import { ACCOUNT } from './bas.ts';
import { DAY_MS, dateOf, dayOf, isWeekend, localDay, localTime } from './calendar.ts';
import { emptyCompany, type GeneratorSettings, type SimCompany, type SimulatorSize, type Stored } from './model.ts';
import { Random } from './random.ts';
import { buildArticle, buildCostCenter, buildCustomer, buildProject, buildSupplier } from './registers.ts';
import {
  domainFor, emailFor, luhnCheckDigit, formatOrganisationNumber, randomAddress, randomBankgiro, randomCompanyName, randomIban, randomPhone,
  randomPlusgiro, vatNumberFor,
} from './swedish.ts';
import { text } from './values.ts';

export interface GenerateOptions {
  seed: number;
  size: SimulatorSize;
  index: number;
  tenantId: number;
  /** Simulated epoch milliseconds; the books are filled up to the day before. */
  now: number;
}

/** Target contents per size (DESIGN.md §8); vouchers follow from the activity. */
export interface SizeProfile {
  customers: number;
  suppliers: number;
  articles: number;
  projects: number;
  costCenters: number;
  invoices: number;
  supplierInvoices: number;
  receipts: number;
  manualVouchers: number;
  inboxFiles: number;
  employees: number;
  vatPeriod: GeneratorSettings['vatPeriod'];
  /** Scale of opening balances. */
  scale: number;
}

export const SIZES: Readonly<Record<SimulatorSize, SizeProfile>> = {
  small: {
    customers: 25, suppliers: 12, articles: 30, projects: 5, costCenters: 5, invoices: 40, supplierInvoices: 30, receipts: 6,
    manualVouchers: 3, inboxFiles: 2, employees: 0, vatPeriod: 'quarter', scale: 0.2,
  },
  medium: {
    customers: 1_000, suppliers: 400, articles: 1_500, projects: 100, costCenters: 30, invoices: 6_000, supplierInvoices: 4_000, receipts: 600,
    manualVouchers: 90, inboxFiles: 60, employees: 6, vatPeriod: 'month', scale: 1,
  },
  large: {
    customers: 5_000, suppliers: 2_000, articles: 7_500, projects: 500, costCenters: 150, invoices: 30_000, supplierInvoices: 20_000,
    receipts: 3_000, manualVouchers: 450, inboxFiles: 300, employees: 30, vatPeriod: 'month', scale: 5,
  },
};

const CREDIT_SHARE = 0.03;

/**
 * The financial years of a company seen at `today`: a calendar year, a four-month transition year to a
 * May–April year, and broken years from then on, the last containing `today`.
 */
export function plannedFinancialYears(today: string): [string, string][] {
  const year = Number(today.slice(0, 4));
  const start = Number(today.slice(5, 7)) >= 5 ? year : year - 1;
  const years: [string, string][] = [
    [`${start - 2}-01-01`, `${start - 2}-12-31`],
    [`${start - 1}-01-01`, `${start - 1}-04-30`],
  ];
  for (let y = start - 1; y <= start; y++) years.push([`${y}-05-01`, `${y + 1}-04-30`]);
  return years;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A moment in [from, to), skewed towards `from` (most register records were created long ago). */
function pastMoment(rnd: Random, from: number, to: number): number {
  const u = rnd.float();
  return Math.floor(from + (to - from) * u * u);
}

export function generateCompany(options: GenerateOptions): SimCompany {
  const { seed, size, index, tenantId, now } = options;
  const profile = SIZES[size];
  const root = new Random(seed).fork(`company-${index}`);
  const identityRnd = root.fork('identity');
  const registerRnd = root.fork('registers');
  const historyRnd = root.fork('history');
  const settings: GeneratorSettings = { seed: hashString(`${seed}:${index}`), size, employees: profile.employees, vatPeriod: profile.vatPeriod };

  const today = localDay(now);
  const years = plannedFinancialYears(dateOf(today));
  const firstDay = dayOf((years[0] as [string, string])[0]);
  const historyStart = localTime(firstDay, 8 * 60);

  // Identity. Organisation numbers of the simulator's companies differ by construction: the serial part
  // steps through a full cycle modulo 10^6 as the index grows.
  const name = randomCompanyName(identityRnd, 'AB');
  const serial = (hashString(String(seed)) % 1_000_000 + index * 7919) % 1_000_000;
  const nine = `559${String(serial).padStart(6, '0')}`;
  const organisationNumber = formatOrganisationNumber(nine + String(luhnCheckDigit(nine)));
  const address = randomAddress(identityRnd);
  const iban = randomIban(identityRnd);
  const company: SimCompany = {
    ...emptyCompany(tenantId, {
      Address: address.street, City: address.city, CompanyName: name, CountryCode: 'SE', DatabaseNumber: tenantId,
      OrganizationNumber: organisationNumber, VisitAddress: address.street, VisitCity: address.city, VisitCountryCode: 'SE',
      VisitZipCode: address.zipCode, ZipCode: address.zipCode,
    }),
    profile: {
      vatNumber: vatNumberFor(organisationNumber), phone: randomPhone(identityRnd, address.areaCode), email: emailFor('info', name),
      www: `www.${domainFor(name)}`, bankgiro: randomBankgiro(identityRnd), plusgiro: identityRnd.bool(0.3) ? randomPlusgiro(identityRnd) : '',
      iban: iban.iban, bic: iban.bic,
    },
    generator: settings,
  };

  // Registers, created over the company's life (modified before the history starts for most).
  const registersFrom = historyStart - 400 * DAY_MS;
  const registersTo = now - 3_600_000;
  const orgNumbers = new Set<string>([organisationNumber]);
  const put = (map: Map<string, Stored>, key: string, data: Stored['data']): void => {
    map.set(key, { data, modified: pastMoment(registerRnd, registersFrom, registersTo) });
  };
  for (let i = 0; i < profile.costCenters; i++) {
    const cc = buildCostCenter(registerRnd, i);
    put(company.costCenters, text(cc.Code), cc);
  }
  for (let i = 1; i <= profile.projects; i++) {
    const start = dateOf(firstDay + registerRnd.int(0, Math.max(1, today - firstDay - 30)));
    put(company.projects, String(i), buildProject(registerRnd, String(i), start, dateOf(today)));
  }
  for (let i = 1; i <= profile.customers; i++) put(company.customers, String(i), buildCustomer(registerRnd, String(i), orgNumbers));
  for (let i = 1; i <= profile.suppliers; i++) put(company.suppliers, String(i), buildSupplier(registerRnd, String(i), orgNumbers));
  const descriptions = new Set<string>();
  for (let i = 1; i <= profile.articles; i++) put(company.articles, String(1000 + i), buildArticle(registerRnd, String(1000 + i), descriptions));

  // The first year opens with balances brought from before the simulated history.
  const s = profile.scale;
  const opening = new Map<number, number>([
    [ACCOUNT.bank, Math.round(historyRnd.int(300_000, 900_000) * s) * 100],
    [1220, Math.round(historyRnd.int(120_000, 300_000) * s) * 100],
    [1229, -Math.round(historyRnd.int(20_000, 60_000) * s) * 100],
    [2081, size === 'small' ? -25_000_00 : -50_000_00],
  ]);
  opening.set(ACCOUNT.retainedEarnings, -[...opening.values()].reduce((a, b) => a + b, 0));

  const [first, ...later] = years as [[string, string], ...[string, string][]];
  const activity = new CompanyActivity(company, historyRnd, { plannedYears: later, reservedCustomerShare: 0.03 });
  activity.ledger.openYear(first[0], first[1], historyStart - 30 * DAY_MS, opening);

  let weekdays = 0;
  for (let d = firstDay; d < today; d++) if (!isWeekend(d)) weekdays++;
  const days = Math.max(1, today - firstDay);
  const rates: DayRates = {
    invoices: profile.invoices / Math.max(1, weekdays) / (1 + CREDIT_SHARE),
    supplierInvoices: profile.supplierInvoices / Math.max(1, weekdays),
    receipts: profile.receipts / days / 0.8,
    manualVouchers: profile.manualVouchers / Math.max(1, weekdays),
    creditShare: CREDIT_SHARE,
    cancelShare: 0.015,
    draftShare: 0.05,
    attachShare: size === 'small' ? 0.85 : 0.8,
  };
  for (let d = firstDay; d < today; d++) activity.runDay(d, rates);
  for (let i = 0; i < profile.inboxFiles; i++) activity.inboxFile(today - 1 - historyRnd.int(0, 20));
  // Make sure the year containing today exists even when nothing happened yet today.
  activity.ensureYear(dateOf(today), now - 3_600_000);
  return company;
}
