/**
 * Calendar arithmetic on whole days for the data generator: day numbers (days since 1970-01-01),
 * `YYYY-MM-DD` strings, weekdays, and Swedish local business hours as epoch milliseconds.
 */

export const DAY_MS = 86_400_000;

const dayCache = new Map<string, number>();

export function dayOf(date: string): number {
  let day = dayCache.get(date);
  if (day === undefined) {
    day = Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
    // Dates repeat endlessly in a simulation; parsing each time dominated the generator's profile.
    if (dayCache.size < 100_000) dayCache.set(date, day);
  }
  return day;
}

export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: number): number {
  return (day + 4) % 7;
}

export function isWeekend(day: number): boolean {
  const w = weekday(day);
  return w === 0 || w === 6;
}

export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

export function lastDayOfMonth(date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** The day of the month of a day number. */
export function dayOfMonth(day: number): number {
  return new Date(day * DAY_MS).getUTCDate();
}

function lastSunday(year: number, month: number): number {
  const lastDay = Math.floor(Date.UTC(year, month, 0) / DAY_MS);
  return lastDay - weekday(lastDay);
}

/** Offset of Swedish local time from UTC in hours on a day (CET/CEST, EU rules). */
export function stockholmOffset(day: number): number {
  const year = new Date(day * DAY_MS).getUTCFullYear();
  return day >= lastSunday(year, 3) && day < lastSunday(year, 10) ? 2 : 1;
}

/** Epoch milliseconds of a Swedish local time of day (minutes after midnight) on a day. */
export function localTime(day: number, minutes: number): number {
  return day * DAY_MS + (minutes - stockholmOffset(day) * 60) * 60_000;
}

/** The Swedish local day a moment falls on. */
export function localDay(ms: number): number {
  const guess = Math.floor(ms / DAY_MS);
  return Math.floor((ms + stockholmOffset(guess) * 3_600_000) / DAY_MS);
}
