import type { EnqueueResult, JobQueue } from './job-queue.ts';
import { latestPlannedRun, type BackupWindow } from './backup-window.ts';

/** What a backup job carries. */
export interface BackupJobData {
  /** `connect`: the first backup, queued when a company is connected from the web. */
  readonly trigger: 'schedule' | 'manual' | 'connect';
  /** The night a scheduled run belongs to (local date of its window). */
  readonly night?: string;
  readonly datasets?: readonly string[];
}

export const BACKUP_JOB = 'backup';

export interface SchedulerOptions {
  readonly queue: JobQueue;
  /** The tenants to back up (active ones), asked on every tick. */
  readonly tenants: () => Promise<readonly string[]>;
  readonly window: BackupWindow;
  readonly now?: () => Date;
  /**
   * A run missed because the process was down is still started this long after its planned time
   * (default 12 h); later it waits for the next night.
   */
  readonly maxLatenessMs?: number;
  readonly retryLimit?: number;
  readonly retryDelayMs?: number;
  /** Told about each enqueue (for logs). */
  readonly onEnqueue?: (tenantId: string, result: EnqueueResult<BackupJobData>) => void;
}

/**
 * Runs each tenant's backup once a night inside the window, at a fixed point spread across it by a
 * hash of the tenant id, plus on-demand runs. `tick()` does one round; `start()` ticks every minute.
 * A tenant with a job already queued or active gets no second one (the queue's singleton per tenant).
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #now: () => Date;
  /** Nights already enqueued per tenant (in-process memory; a restart may enqueue a night again, and the run is cheap when nothing changed). */
  readonly #done = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;

  /** The nightly window it plans in (the dashboards show each tenant's next run from it). */
  get window(): BackupWindow {
    return this.#o.window;
  }

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Enqueues every tenant whose planned time has come and whose night is not yet done. */
  async tick(): Promise<{ tenantId: string; night: string; result: EnqueueResult<BackupJobData> }[]> {
    const now = this.#now();
    const out = [];
    for (const tenantId of await this.#o.tenants()) {
      const plan = latestPlannedRun(this.#o.window, tenantId, now);
      if (this.#done.get(tenantId) === plan.night) continue;
      if (now.getTime() - plan.at.getTime() > (this.#o.maxLatenessMs ?? 12 * 3600_000)) continue;
      const result = await this.#o.queue.enqueue<BackupJobData>({
        name: BACKUP_JOB,
        tenantId,
        data: { trigger: 'schedule', night: plan.night },
        ...(this.#o.retryLimit === undefined ? {} : { retryLimit: this.#o.retryLimit }),
        ...(this.#o.retryDelayMs === undefined ? {} : { retryDelayMs: this.#o.retryDelayMs }),
      });
      // A night coalesced into a run already going (e.g. a manual one) counts as done.
      this.#done.set(tenantId, plan.night);
      this.#o.onEnqueue?.(tenantId, result);
      out.push({ tenantId, night: plan.night, result });
    }
    return out;
  }

  /** An on-demand backup; coalesced with a queued or running one of the same tenant. */
  runNow(tenantId: string, options: { datasets?: readonly string[] } = {}): Promise<EnqueueResult<BackupJobData>> {
    return this.#o.queue.enqueue<BackupJobData>({
      name: BACKUP_JOB,
      tenantId,
      data: { trigger: 'manual', ...(options.datasets === undefined ? {} : { datasets: options.datasets }) },
      retryLimit: 0,
    });
  }

  start(intervalMs = 60_000): void {
    if (this.#timer !== undefined) return;
    const loop = () => {
      this.tick().catch((err: unknown) => console.error(`noxbackup scheduler: ${(err as Error).message}`));
    };
    loop();
    this.#timer = setInterval(loop, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
