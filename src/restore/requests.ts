/**
 * Assisted restore requests: the terms promise a restore within 48 hours of a request. Each request
 * carries its deadline from the moment it is made; lists show the time left and flag what is overdue.
 */
import type { Db } from '../db/open-database.ts';
import type { RestoreRequestStatus } from '../db/database.ts';
import {
  createRestoreRequest, getRestoreRequest, listRestoreRequests, updateRestoreRequest, type NewRestoreRequest, type RestoreRequest,
} from '../db/restore-requests.ts';
import { RestoreError } from './errors.ts';

export const REQUEST_STATUSES: readonly RestoreRequestStatus[] = ['open', 'in_progress', 'done', 'rejected'];
const OPEN: readonly RestoreRequestStatus[] = ['open', 'in_progress'];

export interface RequestWithClock extends RestoreRequest {
  /** Milliseconds until the deadline (negative when overdue); null once done or rejected. */
  readonly timeLeftMs: number | null;
  readonly overdue: boolean;
}

export async function requestRestore(db: Db, tenantId: string, input: NewRestoreRequest): Promise<RestoreRequest> {
  const what = (input.snapshotId ?? '') !== '' || (input.datasets?.length ?? 0) > 0 || (input.records?.length ?? 0) > 0 || input.description.trim() !== '';
  if (!what) throw new RestoreError('RESTORE_REQUEST_EMPTY', 'Say what to restore: a snapshot, data sets, records or a description.', { exitCode: 2 });
  if (input.requestedBy.trim() === '') throw new RestoreError('RESTORE_REQUEST_EMPTY', 'Say who asks for the restore (--by).', { exitCode: 2 });
  for (const r of input.records ?? []) {
    if (!/^[a-z]+:.+$/.test(r)) throw new RestoreError('RESTORE_REQUEST_BAD_RECORD', `Records are dataset:key, e.g. customers:1042; got ${JSON.stringify(r)}.`, { exitCode: 2 });
  }
  return createRestoreRequest(db, tenantId, input);
}

/** Requests with their clock, earliest deadline first; by default only the open ones. */
export async function listRequests(db: Db, options: { tenantId?: string; all?: boolean; now?: Date } = {}): Promise<RequestWithClock[]> {
  const now = (options.now ?? new Date()).getTime();
  const rows = await listRestoreRequests(db, { tenantId: options.tenantId, status: options.all === true ? undefined : OPEN });
  return rows.map((r) => withClock(r, now));
}

/**
 * Moves a request on. Finishing it (done or rejected) needs who handled it and what came of it (for
 * done, the restore run or report; for rejected, why), so the record answers the customer's question.
 */
export async function handleRequest(
  db: Db,
  tenantId: string,
  id: string,
  changes: { status: RestoreRequestStatus; handledBy?: string; result?: string; report?: string; now?: Date },
): Promise<RequestWithClock> {
  const current = await getRestoreRequest(db, tenantId, id);
  if (current === undefined) throw new RestoreError('RESTORE_REQUEST_NOT_FOUND', `No restore request ${id} for tenant ${tenantId}.`, { exitCode: 2 });
  if (!REQUEST_STATUSES.includes(changes.status)) throw new RestoreError('RESTORE_REQUEST_BAD_STATUS', `Status must be one of ${REQUEST_STATUSES.join(', ')}.`, { exitCode: 2 });
  if (!OPEN.includes(current.status)) throw new RestoreError('RESTORE_REQUEST_CLOSED', `Request ${id} is already ${current.status}.`, { exitCode: 2 });
  const handledBy = changes.handledBy ?? current.handledBy ?? undefined;
  if (changes.status !== 'open' && (handledBy === undefined || handledBy.trim() === '')) {
    throw new RestoreError('RESTORE_REQUEST_NO_HANDLER', 'Say who handles the request (--by).', { exitCode: 2 });
  }
  if (changes.status === 'rejected' && (changes.result ?? '').trim() === '') {
    throw new RestoreError('RESTORE_REQUEST_NO_RESULT', 'A rejected request needs the reason (--result).', { exitCode: 2 });
  }
  if (changes.status === 'done' && (changes.result ?? '').trim() === '' && (changes.report ?? '').trim() === '') {
    throw new RestoreError('RESTORE_REQUEST_NO_RESULT', 'A done request needs the result or the restore report (--result, --report).', { exitCode: 2 });
  }
  const updated = await updateRestoreRequest(db, tenantId, id, {
    status: changes.status, handledBy: handledBy ?? null,
    ...(changes.result === undefined ? {} : { result: changes.result }), ...(changes.report === undefined ? {} : { report: changes.report }),
    at: changes.now,
  });
  return withClock(updated, (changes.now ?? new Date()).getTime());
}

function withClock(r: RestoreRequest, now: number): RequestWithClock {
  if (!OPEN.includes(r.status)) {
    // A finished request was late if it was finished after its deadline.
    return { ...r, timeLeftMs: null, overdue: r.updatedAt > r.deadlineAt };
  }
  const left = Date.parse(r.deadlineAt) - now;
  return { ...r, timeLeftMs: left, overdue: left < 0 };
}

/** "1 d 3 h 20 min left", "overdue by 2 h 5 min", "done". */
export function formatTimeLeft(r: RequestWithClock): string {
  if (r.timeLeftMs === null) return r.overdue ? `${r.status} (late)` : r.status;
  const span = duration(Math.abs(r.timeLeftMs));
  return r.timeLeftMs < 0 ? `OVERDUE by ${span}` : `${span} left`;
}

function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d > 0 ? `${d} d` : '', h > 0 ? `${h} h` : '', `${m} min`].filter((x) => x !== '').join(' ');
}
