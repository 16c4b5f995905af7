import { FortnoxBadRequestError, FortnoxNotFoundError, type FortnoxReader, type JsonObject, type JsonValue } from '../fortnox/index.ts';
import type { Repository } from '../repository/repository.ts';
import { RestoreError } from './errors.ts';
import { isObject, isRegisterDataSet, REGISTER_DATASETS, registerId, sameValue, writableRegisterFields, type RegisterDataSet } from './fields.ts';

export type PlanAction = 'create' | 'update' | 'unchanged' | 'blocked';

export interface FieldChange {
  readonly field: string;
  /** What Fortnox holds now (undefined: the record does not exist). */
  readonly now: JsonValue | undefined;
  readonly snapshot: JsonValue;
}

export interface PlanItem {
  readonly dataset: RegisterDataSet;
  /** The layout key (accounts: `year/number`). */
  readonly key: string;
  readonly action: PlanAction;
  readonly changes: readonly FieldChange[];
  /** What apply sends: every writable field for a create, only the changed ones for an update. */
  readonly body: JsonObject;
  /** Why an item is blocked (e.g. its financial year does not exist in Fortnox). */
  readonly message?: string;
}

export interface RestorePlan {
  readonly tenantId: string;
  readonly snapshotId: string;
  readonly createdAt: string;
  /** Whether ledger figures (opening balances) are written: only into a new, empty company. */
  readonly ledger: boolean;
  readonly items: readonly PlanItem[];
}

export interface RecordRef {
  readonly dataset: string;
  readonly key: string;
}

export interface PlanOptions {
  readonly repository: Repository;
  /** Fortnox now, in the company written to. */
  readonly reader: FortnoxReader;
  readonly snapshotId: string;
  /** Register data sets to restore (default all). */
  readonly datasets?: readonly string[];
  /** Only these records (overrides `datasets`). */
  readonly records?: readonly RecordRef[];
  readonly ledger?: boolean;
  readonly now?: Date;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, dataset: string) => void;
}

/**
 * Compares a snapshot's registers (or chosen records) with what Fortnox holds now, field by field, and
 * lists the creates and updates a restore would make. Reads one detail per record; writes nothing.
 */
export async function planRestore(options: PlanOptions): Promise<RestorePlan> {
  const wanted = selection(options);
  const items: PlanItem[] = [];
  let done = 0;
  for (const dataset of REGISTER_DATASETS) {
    const only = wanted.get(dataset);
    if (only === undefined) continue;
    for await (const { key, record } of snapshotRecords(options.repository, options.snapshotId, dataset, only)) {
      options.signal?.throwIfAborted();
      items.push(await planItem(options.reader, dataset, key, record, options.ledger === true, options.signal));
      options.onProgress?.(++done, dataset);
    }
  }
  return { tenantId: options.reader.tenantId, snapshotId: options.snapshotId, createdAt: (options.now ?? new Date()).toISOString(), ledger: options.ledger === true, items };
}

/** One record against Fortnox now. Exported for apply, which re-reads on resume. */
export async function planItem(reader: FortnoxReader, dataset: RegisterDataSet, key: string, record: JsonObject, ledger: boolean, signal?: AbortSignal): Promise<PlanItem> {
  const wanted = writableRegisterFields(dataset, record, { ledger });
  let current: JsonObject | undefined;
  try {
    current = await reader.detail(dataset, registerId(dataset, key), { signal });
  } catch (err) {
    if (err instanceof FortnoxNotFoundError) current = undefined;
    else if (err instanceof FortnoxBadRequestError) return { dataset, key, action: 'blocked', changes: [], body: wanted, message: err.fortnoxMessage ?? err.message };
    else throw err;
  }
  if (current === undefined) {
    return { dataset, key, action: 'create', changes: Object.entries(wanted).map(([field, snapshot]) => ({ field, now: undefined, snapshot })), body: wanted };
  }
  const changes: FieldChange[] = [];
  const body: JsonObject = {};
  for (const [field, snapshot] of Object.entries(wanted)) {
    if (sameValue(current[field], snapshot)) continue;
    changes.push({ field, now: current[field], snapshot });
    body[field] = snapshot;
  }
  return { dataset, key, action: changes.length === 0 ? 'unchanged' : 'update', changes, body };
}

function selection(options: PlanOptions): Map<RegisterDataSet, Set<string> | null> {
  const out = new Map<RegisterDataSet, Set<string> | null>();
  if (options.records !== undefined && options.records.length > 0) {
    for (const r of options.records) {
      if (!isRegisterDataSet(r.dataset)) throw notRegister(r.dataset);
      const set = out.get(r.dataset) ?? new Set<string>();
      set.add(r.key);
      out.set(r.dataset, set);
    }
    return out;
  }
  for (const name of options.datasets ?? REGISTER_DATASETS) {
    if (!isRegisterDataSet(name)) throw notRegister(name);
    out.set(name, null);
  }
  return out;
}

function notRegister(name: string): RestoreError {
  return new RestoreError(
    'RESTORE_NOT_A_REGISTER',
    `${JSON.stringify(name)} cannot be restored into the same company: only the registers ${REGISTER_DATASETS.join(', ')} can. ` +
      'Vouchers and invoices are bookkeeping: they are never rewritten (see docs/restore.md); restore them into a new company.',
    { exitCode: 2 },
  );
}

async function* snapshotRecords(repository: Repository, snapshotId: string, dataset: string, only: Set<string> | null): AsyncGenerator<{ key: string; record: JsonObject }> {
  if (only === null) {
    for await (const { key, record } of repository.listRecords(snapshotId, dataset)) {
      if (isObject(record)) yield { key, record };
    }
    return;
  }
  for (const key of [...only].sort()) {
    let record: unknown;
    try {
      record = await repository.readRecord(snapshotId, dataset, key);
    } catch (err) {
      throw new RestoreError('RESTORE_NO_SUCH_RECORD', `The snapshot ${snapshotId} has no ${dataset} record ${JSON.stringify(key)}.`, { exitCode: 2, cause: err });
    }
    if (isObject(record)) yield { key, record };
  }
}
