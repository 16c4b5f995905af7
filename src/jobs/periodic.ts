/** A task run on a timer: `runOnce` runs it now (after a run under way); `stop` waits for that run. */
export interface Periodic<R> {
  runOnce(): Promise<R>;
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs` (0: only when `runOnce` is called), the first time one interval after
 * start, each run after the previous one ended, so runs never overlap within a process. A run that
 * throws is logged as `<what> failed` and tried again next interval. The timer does not keep the process alive.
 */
export function startPeriodic<R>(what: string, task: () => Promise<R>, options: { intervalMs: number; log: (line: string) => void }): Periodic<R> {
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const runOnce = (): Promise<R> => {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  };
  const schedule = (): void => {
    if (stopped || options.intervalMs <= 0) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((err: unknown) => options.log(`${what} failed, trying again in ${options.intervalMs} ms: ${err instanceof Error ? err.message : String(err)}`))
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
  };
}
