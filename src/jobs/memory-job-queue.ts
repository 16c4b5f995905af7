import { randomUUID } from 'node:crypto';
import type { EnqueueResult, Job, JobHandler, JobQueue, JobSpec, JobState } from './job-queue.ts';

interface Entry {
  job: Job;
  retryLimit: number;
  retryDelayMs: number;
  notBefore: number;
}

/**
 * The in-process adapter (the embedded default): jobs live in memory and die with the process, which is
 * acceptable because the scheduler enqueues again and a backup run resumes what an interrupted one
 * stored. Handlers run concurrently up to each name's `concurrency`, never two of one singleton key.
 */
export class MemoryJobQueue implements JobQueue {
  readonly #entries = new Map<string, Entry>();
  readonly #handlers = new Map<string, { handler: JobHandler; concurrency: number; running: number }>();
  readonly #running = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  readonly #now: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #keep: number;
  #stopped = false;

  /** `keepFinished`: finished jobs remembered for `get` (oldest forgotten first). */
  constructor(options: { now?: () => number; keepFinished?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#keep = options.keepFinished ?? 1000;
  }

  async enqueue<D>(spec: JobSpec<D>): Promise<EnqueueResult<D>> {
    if (this.#stopped) throw new Error('the job queue is stopped');
    const key = spec.singletonKey ?? spec.tenantId;
    for (const e of this.#entries.values()) {
      if (e.job.singletonKey === key && isPending(e.job.state)) return { status: 'coalesced', job: e.job as Job<D> };
    }
    const job: Job<D> = {
      id: randomUUID(),
      name: spec.name,
      tenantId: spec.tenantId,
      data: spec.data,
      singletonKey: key,
      state: 'queued',
      attempt: 0,
      createdAt: new Date(this.#now()),
      startedAt: null,
      finishedAt: null,
      error: null,
      result: undefined,
    };
    this.#entries.set(job.id, { job, retryLimit: spec.retryLimit ?? 2, retryDelayMs: spec.retryDelayMs ?? 60_000, notBefore: 0 });
    this.#pump();
    return { status: 'queued', job };
  }

  async work<D>(name: string, handler: JobHandler<D>, options: { concurrency?: number } = {}): Promise<void> {
    this.#handlers.set(name, { handler: handler as JobHandler, concurrency: options.concurrency ?? 1, running: 0 });
    this.#pump();
  }

  async get(id: string): Promise<Job | undefined> {
    return this.#entries.get(id)?.job;
  }

  async pending(tenantId: string): Promise<Job[]> {
    return [...this.#entries.values()].map((e) => e.job).filter((j) => j.tenantId === tenantId && isPending(j.state));
  }

  /** Resolves when no job is queued, waiting for a retry, or active (tests; a graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || [...this.#entries.values()].some((e) => isPending(e.job.state))) {
      if (this.#running.size > 0) await Promise.race(this.#running);
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error('the job queue is stopping'));
    for (const t of this.#timers) clearTimeout(t);
    await Promise.allSettled([...this.#running]);
  }

  #pump(): void {
    if (this.#stopped) return;
    const now = this.#now();
    const activeKeys = new Set([...this.#entries.values()].filter((e) => e.job.state === 'active').map((e) => e.job.singletonKey));
    for (const e of this.#entries.values()) {
      const { job } = e;
      if ((job.state !== 'queued' && job.state !== 'retry') || e.notBefore > now || activeKeys.has(job.singletonKey)) continue;
      const h = this.#handlers.get(job.name);
      if (h === undefined || h.running >= h.concurrency) continue;
      h.running++;
      activeKeys.add(job.singletonKey);
      this.#set(e, { state: 'active', attempt: job.attempt + 1, startedAt: new Date(now) });
      const run = this.#run(e, h.handler).finally(() => {
        h.running--;
        this.#running.delete(run);
        this.#pump();
      });
      this.#running.add(run);
    }
  }

  async #run(e: Entry, handler: JobHandler): Promise<void> {
    try {
      const result = await handler(e.job, this.#abort.signal);
      this.#set(e, { state: 'completed', finishedAt: new Date(this.#now()), result, error: null });
    } catch (err) {
      const error = { code: (err as { code?: string }).code, message: (err as Error).message ?? String(err) };
      // Some failures cannot get better by waiting (e.g. the customer must reconnect).
      const retryable = (err as { retryable?: boolean }).retryable !== false;
      if (retryable && !this.#stopped && e.job.attempt <= e.retryLimit) {
        e.notBefore = this.#now() + e.retryDelayMs;
        this.#set(e, { state: 'retry', error });
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#pump();
        }, e.retryDelayMs);
        this.#timers.add(timer);
      } else {
        this.#set(e, { state: 'failed', finishedAt: new Date(this.#now()), error });
      }
    }
    this.#forgetOld();
  }

  #set(e: Entry, changes: Partial<Omit<Job, 'id'>>): void {
    e.job = Object.freeze({ ...e.job, ...changes });
  }

  #forgetOld(): void {
    const finished = [...this.#entries.values()].filter((e) => !isPending(e.job.state));
    for (const e of finished.slice(0, Math.max(0, finished.length - this.#keep))) this.#entries.delete(e.job.id);
  }
}

function isPending(state: JobState): boolean {
  return state === 'queued' || state === 'active' || state === 'retry';
}
