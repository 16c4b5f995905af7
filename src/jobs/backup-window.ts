import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.ts';

/** The nightly window backups are spread across, in local time of `timeZone`. */
export interface BackupWindow {
  /** Minutes after local midnight. */
  readonly startMinute: number;
  /** Window length in minutes (1 … 1440); it may run past midnight (e.g. 23:00-03:00). */
  readonly lengthMinutes: number;
  readonly timeZone: string;
}

export const DEFAULT_BACKUP_WINDOW = '01:00-05:00';
export const DEFAULT_TIME_ZONE = 'Europe/Stockholm';

/** Parses `HH:MM-HH:MM`; throws ConfigError naming `variable` when it is not that. */
export function parseBackupWindow(text: string, timeZone = DEFAULT_TIME_ZONE, variable = 'NOX_BACKUP_WINDOW'): BackupWindow {
  const m = /^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$/.exec(text);
  const problem = () => new ConfigError([`${variable}: expected a local time range like "01:00-05:00", got ${JSON.stringify(text)}`]);
  if (m === null) throw problem();
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (end > 1440 || end % 1440 === start) throw problem();
  const length = end > start ? end - start : end + 1440 - start;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ConfigError([`NOX_BACKUP_TIME_ZONE: unknown time zone ${JSON.stringify(timeZone)}`]);
  }
  return Object.freeze({ startMinute: start, lengthMinutes: length, timeZone });
}

/** `NOX_BACKUP_WINDOW` (default 01:00-05:00) in `NOX_BACKUP_TIME_ZONE` (default Europe/Stockholm). */
export function backupWindowFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): BackupWindow {
  return parseBackupWindow(env.NOX_BACKUP_WINDOW || DEFAULT_BACKUP_WINDOW, env.NOX_BACKUP_TIME_ZONE || DEFAULT_TIME_ZONE);
}

/**
 * Where in the window a tenant's backup starts, as a fraction in [0, 1): from a hash of the tenant
 * id, so it is the same every night and on every process, and tenants spread evenly.
 */
export function tenantOffset(tenantId: string): number {
  return createHash('sha256').update(tenantId, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  return formatter(dateFormats, timeZone, () => new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })).format(at);
}

// Building an Intl.DateTimeFormat costs about a millisecond; a firm's dashboard plans hundreds of runs.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const partFormats = new Map<string, Intl.DateTimeFormat>();

function formatter(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = cache.get(timeZone);
  if (f === undefined) {
    f = make();
    cache.set(timeZone, f);
  }
  return f;
}

/** The instant of a local wall-clock time (`minutes` after midnight of `date`) in a time zone. */
export function zonedInstant(date: string, minutes: number, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, 0, minutes);
  // Two rounds settle the offset except inside a DST gap, where the nearest real instant is fine.
  let guess = wall - offsetMs(new Date(wall), timeZone);
  guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(partFormats, timeZone, () => new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }))
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The night (by the local date its window starts on) a tenant's backup is due, and when. */
export interface PlannedRun {
  readonly night: string;
  readonly at: Date;
  readonly windowStart: Date;
  readonly windowEnd: Date;
}

/** The latest planned run at or before `now` (tonight's if its time has come, else last night's). */
export function latestPlannedRun(window: BackupWindow, tenantId: string, now: Date): PlannedRun {
  const today = localDate(now, window.timeZone);
  const yesterday = localDate(new Date(zonedInstant(today, 12 * 60, window.timeZone).getTime() - 24 * 3600_000), window.timeZone);
  const today_ = plannedRun(window, tenantId, today);
  return today_.at.getTime() <= now.getTime() ? today_ : plannedRun(window, tenantId, yesterday);
}

export function plannedRun(window: BackupWindow, tenantId: string, night: string): PlannedRun {
  const windowStart = zonedInstant(night, window.startMinute, window.timeZone);
  const windowEnd = zonedInstant(night, window.startMinute + window.lengthMinutes, window.timeZone);
  const at = new Date(windowStart.getTime() + Math.floor(tenantOffset(tenantId) * (windowEnd.getTime() - windowStart.getTime())));
  return { night, at, windowStart, windowEnd };
}
