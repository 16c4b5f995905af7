/**
 * The job port. Shaped after pg-boss (the scale-out adapter, to come) so both adapters mean the same:
 * `enqueue` with a singleton key (we use the tenant id) of which at most one job is queued or active at
 * a time, retries with a delay, and named handlers registered with `work`.
 */
export interface JobSpec<D = unknown> {
  /** The handler's name, e.g. `backup`. */
  readonly name: string;
  /** Every job belongs to one tenant; handlers get it explicitly. */
  readonly tenantId: string;
  readonly data: D;
  /** At most one job per key is queued or active (default: the tenant id). */
  readonly singletonKey?: string;
  /** Further attempts after a failure (default 2). */
  readonly retryLimit?: number;
  /** Wait before a retry (default 60 s). */
  readonly retryDelayMs?: number;
}

export type JobState = 'queued' | 'active' | 'retry' | 'completed' | 'failed';

export interface Job<D = unknown> {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
  readonly data: D;
  readonly singletonKey: string;
  readonly state: JobState;
  /** 1 on the first try. */
  readonly attempt: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly error: { code: string | undefined; message: string } | null;
  readonly result: unknown;
}

/**
 * `queued`: a new job. `coalesced`: a job with the same singleton key is already queued or active, and
 * that one is returned instead (the caller tells the user it is already running).
 */
export type EnqueueResult<D = unknown> = { readonly status: 'queued'; readonly job: Job<D> } | { readonly status: 'coalesced'; readonly job: Job<D> };

export type JobHandler<D = unknown> = (job: Job<D>, signal: AbortSignal) => Promise<unknown>;

export interface JobQueue {
  enqueue<D>(spec: JobSpec<D>): Promise<EnqueueResult<D>>;
  /** Registers the handler of a job name; work starts at once. */
  work<D>(name: string, handler: JobHandler<D>, options?: { concurrency?: number }): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /** Queued or active jobs of a tenant (what "is a backup running?" asks). */
  pending(tenantId: string): Promise<Job[]>;
  /** Stops taking work, aborts active handlers' signals and waits for them. */
  stop(): Promise<void>;
}
