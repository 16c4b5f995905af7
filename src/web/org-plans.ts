import type { OrganisationKind } from '../db/index.ts';
import type { Locale } from '../i18n.ts';

/** A subscription plan as the organisation page describes it. There are no payments in the app. */
export interface Plan {
  readonly id: string;
  /** The kind of organisation the plan is for. */
  readonly kind: OrganisationKind;
  readonly name: Readonly<Record<Locale, string>>;
  /** How the price is counted (no amounts here: the price list lives with the terms). */
  readonly pricing: Readonly<Record<Locale, string>>;
  readonly includes: Readonly<Record<Locale, readonly string[]>>;
}

const COMMON_SV = [
  'Automatisk säkerhetskopia av Fortnox varje natt, krypterad och lagrad i Sverige',
  'Historik över varje post med ändringar fält för fält',
  'Export som ZIP med JSON, CSV, SIE-filer och bilagor',
  'Självbetjänad återställning av register och assisterad återställning inom 48 timmar',
  'Larm när säkerhetskopieringen misslyckas, anslutningen måste förnyas, en leverantörs bankuppgifter ändras eller många poster raderas',
  'Granskningslogg över vem som sett, exporterat eller återställt vad',
];
const COMMON_EN = [
  'Automatic nightly backup of Fortnox, encrypted and stored in Sweden',
  'History of every record with field-level changes',
  'Export as a ZIP with JSON, CSV, SIE files and attachments',
  'Self-service restore of registers, and assisted restore within 48 hours',
  'Alerts when a backup fails, the connection needs renewing, a supplier\'s bank details change or many records are deleted',
  'Audit log of who saw, exported or restored what',
];

export const PLANS: readonly Plan[] = [
  {
    id: 'bas',
    kind: 'company',
    name: { sv: 'Bas', en: 'Basic' },
    pricing: { sv: 'Fast pris per månad för ett företag.', en: 'A fixed monthly price for one company.' },
    includes: { sv: ['Ett företag', ...COMMON_SV], en: ['One company', ...COMMON_EN] },
  },
  {
    id: 'byra',
    kind: 'firm',
    name: { sv: 'Byrå', en: 'Accounting firm' },
    pricing: { sv: 'Pris per anslutet klientföretag och månad.', en: 'A price per connected client company and month.' },
    includes: {
      sv: ['Obegränsat antal klientföretag i en översikt', 'Behörigheter per medarbetare: varje användare ser bara sina klientföretag', ...COMMON_SV],
      en: ['Any number of client companies in one overview', 'Permissions per employee: each user sees only their client companies', ...COMMON_EN],
    },
  },
];

export function plansFor(kind: OrganisationKind): Plan[] {
  return PLANS.filter((p) => p.kind === kind);
}

export function planById(id: string): Plan | undefined {
  return PLANS.find((p) => p.id === id);
}
