import type { Locale } from './db/index.ts';

export type { Locale };
export const LOCALES: readonly Locale[] = ['sv', 'en'];
/** Swedish first: a visitor who has chosen nothing gets Swedish. */
export const DEFAULT_LOCALE: Locale = 'sv';

export function isLocale(value: unknown): value is Locale {
  return value === 'sv' || value === 'en';
}

type Vars = Readonly<Record<string, string | number>>;

/** A translator for one locale: `t('key', {n: 3})` replaces `{n}`. */
export type Translate<K extends string> = (key: K, vars?: Vars) => string;

/**
 * Messages live beside the pages that use them, one object per module, with Swedish and English both
 * required for every key (the compiler checks that the English has every Swedish key).
 */
export function messages<K extends string>(sv: Readonly<Record<K, string>>, en: Readonly<Record<K, string>>): (locale: Locale) => Translate<K> {
  return (locale) => (key, vars) => {
    const text = (locale === 'en' ? en : sv)[key];
    return vars === undefined ? text : text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  };
}

const DATE_FORMATS = {
  // With seconds: two backups in the same minute (a manual one after a nightly one) must be told apart.
  sv: new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'medium' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Stockholm', dateStyle: 'medium', timeStyle: 'medium' }),
};
const NUMBER_FORMATS = { sv: new Intl.NumberFormat('sv-SE'), en: new Intl.NumberFormat('en-GB') };

/** Times are shown in Swedish time, whatever the server's zone. */
export function formatDateTime(locale: Locale, at: string | Date | null | undefined): string {
  if (at === null || at === undefined) return '–';
  const d = typeof at === 'string' ? new Date(at) : at;
  return Number.isNaN(d.getTime()) ? '–' : DATE_FORMATS[locale].format(d);
}

export function formatNumber(locale: Locale, n: number): string {
  return NUMBER_FORMATS[locale].format(n);
}

export function formatBytes(locale: Locale, n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? String(v) : new Intl.NumberFormat(locale === 'sv' ? 'sv-SE' : 'en-GB', { maximumFractionDigits: 1 }).format(v)} ${units[i] ?? ''}`;
}
