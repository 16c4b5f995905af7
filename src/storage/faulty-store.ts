import { Readable } from 'node:stream';
import { readBody } from './body.ts';
import { NoxError } from '../errors.ts';
import { ObjectNotFoundError, StorageError, type ObjectInfo, type ObjectStore } from './object-store.ts';

export type StoreOperation = 'put' | 'get' | 'getStream' | 'getRange' | 'head' | 'list' | 'delete';

/**
 * What a fault does when it fires:
 *  - `error`: the call throws StorageError (or `error`) and the wrapped store is not touched;
 *  - `full`: a put whose disk fills up half-way: the wrapped store receives half the body and then an
 *    ENOSPC error from it, so its own clean-up runs; the call throws StorageError `STORAGE_FULL`;
 *  - `crash-before`: the process "died" before the call reached the store: nothing happens, it throws;
 *  - `crash-during`: a put dies half-way through its body; the wrapped store must show nothing;
 *  - `crash-after`: the call completed on the store, but the caller sees a failure (an ambiguous write);
 *  - `truncate`: a buggy or corrupt store: the put stores only the first `bytes` (default half) and
 *    reports success, so corruption detection can be tested;
 *  - `lose`: a put reports success but stores nothing (a lost write);
 *  - `missing`: reads act as if the object were gone (get/getStream/getRange throw ObjectNotFoundError,
 *    head gives undefined, list leaves it out);
 *  - `bit-flip`: reads return the bytes with one bit flipped (`bit`, default the middle byte's lowest);
 *  - `delay`: waits `ms`, then proceeds;
 *  - `hang`: waits until `release()` is called on the fault, then proceeds.
 */
export type FaultKind =
  | 'error'
  | 'full'
  | 'crash-before'
  | 'crash-during'
  | 'crash-after'
  | 'truncate'
  | 'lose'
  | 'missing'
  | 'bit-flip'
  | 'delay'
  | 'hang';

const READS: readonly StoreOperation[] = ['get', 'getStream', 'getRange'];
const ALL: readonly StoreOperation[] = ['put', 'get', 'getStream', 'getRange', 'head', 'list', 'delete'];
const APPLIES_TO: Readonly<Record<FaultKind, readonly StoreOperation[]>> = {
  error: ALL,
  full: ['put'],
  'crash-before': ALL,
  'crash-during': ['put'],
  'crash-after': ['put', 'delete'],
  truncate: ['put'],
  lose: ['put'],
  missing: [...READS, 'head', 'list'],
  'bit-flip': READS,
  delay: ALL,
  hang: ALL,
};

export interface FaultSpec {
  /** Which operations; by default every one the kind applies to. */
  readonly op?: StoreOperation | readonly StoreOperation[];
  /** An exact key or a pattern; for `list` it is matched against the prefix (against each key for `missing`). */
  readonly key?: string | RegExp;
  readonly kind: FaultKind;
  /** How many matching calls it fires on; unlimited by default. */
  readonly times?: number;
  /** Let this many matching calls through before firing. */
  readonly skip?: number;
  /** For `delay`. */
  readonly ms?: number;
  /** For `error`: what to throw instead of a StorageError. */
  readonly error?: Error;
  /** For `truncate`: how many bytes to keep. */
  readonly bytes?: number;
  /** For `bit-flip`: which bit of the returned bytes to flip (0 = lowest bit of the first byte). */
  readonly bit?: number;
}

/** A planned fault; counts how often it fired. */
export interface Fault {
  readonly spec: FaultSpec;
  readonly hits: number;
  /** Lets every call held by a `hang` fault proceed, and stops it from holding new ones. */
  release(): void;
  /** Withdraws the fault. */
  remove(): void;
}

interface PlannedFault extends Fault {
  skipped: number;
  hits: number;
  removed: boolean;
  readonly ops: ReadonlySet<StoreOperation>;
  readonly released: Promise<void>;
  isReleased: boolean;
}

/**
 * Wraps a store and injects faults per operation and key, as kopia's FaultyStorage does, so the
 * repository's handling of full disks, crashes, lost and corrupt objects can be tested against a real
 * adapter. Counts every operation it passes through.
 *
 * @example faulty.inject({ op: 'put', key: /^packs\//, kind: 'crash-before', times: 1 })
 */
export class FaultyObjectStore implements ObjectStore {
  readonly description: string;
  readonly inner: ObjectStore;
  /** Every call in order, faults or not. */
  readonly log: { readonly op: StoreOperation; readonly key: string }[] = [];
  readonly #counts: Record<StoreOperation, number> = { put: 0, get: 0, getStream: 0, getRange: 0, head: 0, list: 0, delete: 0 };
  readonly #faults: PlannedFault[] = [];
  #crashAfter = Infinity;

  constructor(inner: ObjectStore) {
    this.inner = inner;
    this.description = inner.description;
  }

  /** Calls made per operation so far. */
  get counts(): Readonly<Record<StoreOperation, number>> {
    return { ...this.#counts };
  }

  /** Calls made so far, all operations together. */
  get total(): number {
    return this.log.length;
  }

  inject(spec: FaultSpec): Fault {
    const ops = spec.op === undefined ? APPLIES_TO[spec.kind] : typeof spec.op === 'string' ? [spec.op] : spec.op;
    for (const op of ops) {
      if (!APPLIES_TO[spec.kind].includes(op)) throw new TypeError(`A ${spec.kind} fault cannot apply to ${op}`);
    }
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const fault: PlannedFault = {
      spec,
      ops: new Set(ops),
      hits: 0,
      skipped: 0,
      removed: false,
      released,
      isReleased: false,
      release: () => {
        fault.isReleased = true;
        release();
      },
      remove: () => {
        fault.removed = true;
        fault.release();
      },
    };
    this.#faults.push(fault);
    return fault;
  }

  /** From now on, every call after the next `n` fails as if the process had died; `recover()` undoes it. */
  crashAfter(n: number): void {
    this.#crashAfter = this.total + n;
  }

  recover(): void {
    this.#crashAfter = Infinity;
  }

  /** Withdraws every fault and releases every hung call. */
  clear(): void {
    for (const f of this.#faults.splice(0)) f.remove();
    this.recover();
  }

  /** Throws if a planned fault never fired (or, with `times`, fired fewer times), like kopia's VerifyAllFaultsExercised. */
  assertAllFaultsFired(): void {
    const unfired = this.#faults.filter((f) => !f.removed && (f.hits === 0 || (f.spec.times !== undefined && f.hits < f.spec.times)));
    if (unfired.length > 0) {
      throw new Error(`Planned faults that did not fire: ${unfired.map((f) => describe(f)).join('; ')}`);
    }
  }

  async put(key: string, data: Buffer | Readable, options?: { ifAbsent?: boolean }): Promise<void> {
    const fault = await this.#enter('put', key);
    if (fault === undefined) return this.inner.put(key, data, options);
    switch (fault.spec.kind) {
      case 'delay':
      case 'hang':
        return this.inner.put(key, data, options);
      case 'crash-after':
        await this.inner.put(key, data, options);
        throw crashed(this.description, 'put', key, 'after the object was stored');
      case 'crash-during': {
        const body = await readBody(data);
        await this.inner.put(key, failingHalfway(body, new Error('injected crash half-way through the write')), options).catch(() => undefined);
        throw crashed(this.description, 'put', key, 'half-way through the write');
      }
      case 'full': {
        const body = await readBody(data);
        const enospc = Object.assign(new Error('ENOSPC: no space left on device (injected)'), { code: 'ENOSPC' });
        const inner = await this.inner.put(key, failingHalfway(body, enospc), options).then(
          () => new Error('the wrapped store ignored a failing body'),
          (err: unknown) => err,
        );
        if (inner instanceof NoxError && inner.code === 'STORAGE_FULL') throw inner;
        throw new StorageError(this.description, 'put', key, inner, { code: 'STORAGE_FULL', hint: 'The storage is full (injected)' });
      }
      case 'truncate': {
        const body = await readBody(data);
        return this.inner.put(key, body.subarray(0, fault.spec.bytes ?? Math.floor(body.length / 2)), options);
      }
      case 'lose':
        await readBody(data);
        return;
      default:
        return this.#throwFor(fault, 'put', key);
    }
  }

  async get(key: string): Promise<Buffer> {
    const fault = await this.#enter('get', key);
    if (fault === undefined || fault.spec.kind === 'delay' || fault.spec.kind === 'hang') return this.inner.get(key);
    if (fault.spec.kind === 'bit-flip') return flipBit(await this.inner.get(key), fault.spec.bit);
    return this.#throwFor(fault, 'get', key);
  }

  async getStream(key: string): Promise<Readable> {
    const fault = await this.#enter('getStream', key);
    if (fault === undefined || fault.spec.kind === 'delay' || fault.spec.kind === 'hang') return this.inner.getStream(key);
    if (fault.spec.kind === 'bit-flip') return Readable.from([flipBit(await readBody(await this.inner.getStream(key)), fault.spec.bit)]);
    return this.#throwFor(fault, 'getStream', key);
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    const fault = await this.#enter('getRange', key);
    if (fault === undefined || fault.spec.kind === 'delay' || fault.spec.kind === 'hang') return this.inner.getRange(key, offset, length);
    if (fault.spec.kind === 'bit-flip') return flipBit(await this.inner.getRange(key, offset, length), fault.spec.bit);
    return this.#throwFor(fault, 'getRange', key);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const fault = await this.#enter('head', key);
    if (fault === undefined || fault.spec.kind === 'delay' || fault.spec.kind === 'hang') return this.inner.head(key);
    if (fault.spec.kind === 'missing') return undefined;
    return this.#throwFor(fault, 'head', key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const fault = await this.#enter('list', prefix, (f) => f.spec.kind !== 'missing');
    if (fault !== undefined && fault.spec.kind !== 'delay' && fault.spec.kind !== 'hang') this.#throwFor(fault, 'list', prefix);
    for await (const info of this.inner.list(prefix)) {
      if (this.#match('list', info.key, (f) => f.spec.kind === 'missing') === undefined) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    const fault = await this.#enter('delete', key);
    if (fault === undefined || fault.spec.kind === 'delay' || fault.spec.kind === 'hang') return this.inner.delete(key);
    if (fault.spec.kind === 'crash-after') {
      await this.inner.delete(key);
      throw crashed(this.description, 'delete', key, 'after the object was deleted');
    }
    return this.#throwFor(fault, 'delete', key);
  }

  /** Counts the call, applies a crash-after-N, and finds (and waits out) the fault that fires, if any. */
  async #enter(op: StoreOperation, key: string, filter?: (f: PlannedFault) => boolean): Promise<PlannedFault | undefined> {
    this.log.push({ op, key });
    this.#counts[op] += 1;
    if (this.total > this.#crashAfter) throw crashed(this.description, op, key, `after ${this.#crashAfter} operations`);
    const fault = this.#match(op, key, filter);
    const ms = fault?.spec.kind === 'delay' ? (fault.spec.ms ?? 0) : undefined;
    if (ms !== undefined) await new Promise((resolve) => setTimeout(resolve, ms));
    if (fault?.spec.kind === 'hang' && !fault.isReleased) await fault.released;
    return fault;
  }

  #match(op: StoreOperation, key: string, filter?: (f: PlannedFault) => boolean): PlannedFault | undefined {
    for (const f of this.#faults) {
      if (f.removed || !f.ops.has(op) || (filter !== undefined && !filter(f))) continue;
      if (f.spec.kind === 'hang' && f.isReleased) continue;
      const pattern = f.spec.key;
      if (pattern !== undefined && (typeof pattern === 'string' ? pattern !== key : !testPattern(pattern, key))) continue;
      if (f.spec.times !== undefined && f.hits >= f.spec.times) continue;
      if (f.skipped < (f.spec.skip ?? 0)) {
        f.skipped += 1;
        continue;
      }
      f.hits += 1;
      return f;
    }
    return undefined;
  }

  #throwFor(fault: PlannedFault, op: StoreOperation, key: string): never {
    switch (fault.spec.kind) {
      case 'missing':
        throw new ObjectNotFoundError(this.description, key);
      case 'crash-before':
        throw crashed(this.description, op, key, 'before the call reached the store');
      case 'error':
        throw fault.spec.error ?? new StorageError(this.description, op, key, new Error('injected fault'));
      default:
        throw new TypeError(`A ${fault.spec.kind} fault cannot apply to ${op}`);
    }
  }
}

function crashed(store: string, op: string, key: string, when: string): StorageError {
  return new StorageError(store, op, key, new Error(`injected crash ${when}`), { code: 'STORAGE_CRASHED' });
}

/** A body that delivers its first half and then fails, as a write cut short does. */
function failingHalfway(body: Buffer, error: Error): Readable {
  const half = body.subarray(0, Math.floor(body.length / 2));
  return Readable.from(
    (async function* () {
      if (half.length > 0) yield half;
      throw error;
    })(),
  );
}

function flipBit(data: Buffer, bit?: number): Buffer {
  if (data.length === 0) return data;
  const at = bit ?? Math.floor(data.length / 2) * 8;
  const out = Buffer.from(data);
  const byte = Math.floor(at / 8) % out.length;
  out[byte] = (out[byte] ?? 0) ^ (1 << at % 8);
  return out;
}

function testPattern(pattern: RegExp, key: string): boolean {
  // A global or sticky pattern keeps state between test() calls, which would make faults flaky.
  pattern.lastIndex = 0;
  return pattern.test(key);
}

function describe(f: PlannedFault): string {
  const { kind, op, key, times } = f.spec;
  return `${kind} on ${op === undefined ? 'any operation' : String(op)}${key === undefined ? '' : ` for ${String(key)}`}: fired ${f.hits}${times === undefined ? '' : ` of ${times}`} times`;
}
