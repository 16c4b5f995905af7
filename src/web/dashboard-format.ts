import type { CompanyState, StatusReason } from './company-status.ts';
import { html, type SafeHtml } from './html.ts';
import { messages, type Locale } from '../i18n.ts';
import { datasetName, isDataset } from './record-columns.ts';

/** Words the dashboard, the company page and the run page share (status badges, data set names, durations). */
const m = messages(
  {
    reconnect: 'Behöver anslutas',
    failed: 'Misslyckades',
    warning: 'Varning',
    never: 'Aldrig säkerhetskopierad',
    running: 'Pågår',
    ok: 'OK',
    not_connected: 'Inte ansluten till Fortnox',
    reconnect_needed: 'Fortnox-behörigheten har återkallats eller gått ut',
    last_run_failed: 'Senaste säkerhetskopieringen misslyckades',
    last_run_partial: 'Senaste säkerhetskopieringen blev inte komplett',
    stale: 'Ingen lyckad säkerhetskopiering de senaste två dygnen',
    open_alerts: 'Det finns olästa larm',
    never_backed_up: 'Ingen säkerhetskopia har tagits ännu',
    queued: 'En säkerhetskopiering väntar på att starta',
    runQueued: 'Väntar',
    runRunning: 'Pågår',
    runSucceeded: 'Lyckades',
    runPartial: 'Delvis',
    runFailed: 'Misslyckades',
    runPending: 'Väntar',
    runSkipped: 'Hoppades över',
    seconds: '{s} s',
    minutes: '{m} min {s} s',
    hours: '{h} h {m} min',
  },
  {
    reconnect: 'Needs connecting',
    failed: 'Failed',
    warning: 'Warning',
    never: 'Never backed up',
    running: 'Running',
    ok: 'OK',
    not_connected: 'Not connected to Fortnox',
    reconnect_needed: 'The Fortnox consent was revoked or has expired',
    last_run_failed: 'The latest backup failed',
    last_run_partial: 'The latest backup was incomplete',
    stale: 'No successful backup in the last two days',
    open_alerts: 'There are unread alerts',
    never_backed_up: 'No backup has been taken yet',
    queued: 'A backup is waiting to start',
    runQueued: 'Queued',
    runRunning: 'Running',
    runSucceeded: 'Succeeded',
    runPartial: 'Partial',
    runFailed: 'Failed',
    runPending: 'Pending',
    runSkipped: 'Skipped',
    seconds: '{s} s',
    minutes: '{m} min {s} s',
    hours: '{h} h {m} min',
  },
);

const BADGE: Readonly<Record<CompanyState, string>> = { reconnect: 'bad', failed: 'bad', warning: 'warn', never: 'info', running: 'info', ok: 'ok' };

export function stateLabel(locale: Locale, state: CompanyState): string {
  return m(locale)(state);
}

export function stateBadge(locale: Locale, state: CompanyState): SafeHtml {
  return html`<span class="badge ${BADGE[state]}" data-state="${state}">${stateLabel(locale, state)}</span>`;
}

export function reasonText(locale: Locale, reason: StatusReason): string {
  return m(locale)(reason === 'running' ? 'running' : reason);
}

const RUN_KEYS = { queued: 'runQueued', running: 'runRunning', succeeded: 'runSucceeded', partial: 'runPartial', failed: 'runFailed', pending: 'runPending', skipped: 'runSkipped' } as const;
const RUN_BADGE = { queued: 'info', running: 'info', succeeded: 'ok', partial: 'warn', failed: 'bad', pending: 'info', skipped: 'info' } as const;
export type RunStatus = keyof typeof RUN_KEYS;

export function runStatusLabel(locale: Locale, status: RunStatus): string {
  return m(locale)(RUN_KEYS[status]);
}

export function runBadge(locale: Locale, status: RunStatus): SafeHtml {
  return html`<span class="badge ${RUN_BADGE[status]}">${runStatusLabel(locale, status)}</span>`;
}

/** A run's length, from its start to its end (or to now while it runs); '–' before it started. */
export function formatDuration(locale: Locale, from: string | null, to: string | null, now: Date = new Date()): string {
  if (from === null) return '–';
  const ms = (to === null ? now.getTime() : Date.parse(to)) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  const t = m(locale);
  if (s < 60) return t('seconds', { s });
  if (s < 3600) return t('minutes', { m: Math.floor(s / 60), s: s % 60 });
  return t('hours', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}

/** A data set's name for people (the technical name when we have none). */
export function datasetLabel(locale: Locale, dataset: string): string {
  return isDataset(dataset) ? datasetName(locale, dataset) : dataset;
}
