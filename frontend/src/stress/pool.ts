// Runs `total` tasks with at most `concurrency` in flight: that many workers each take the
// next index until none is left. Aborting stops new tasks from starting; tasks already
// running are given the same signal and are expected to end promptly.

export interface PoolOptions<T> {
  signal?: AbortSignal;
  /** Called as each task settles, in completion order. */
  onSettled?(index: number, result: PromiseSettledResult<T>): void;
  /** Called as each task starts. */
  onStart?(index: number): void;
}

/** Settled results by index; `undefined` for tasks never started (after an abort). */
export async function runPool<T>(
  total: number,
  concurrency: number,
  task: (index: number, signal: AbortSignal | undefined) => Promise<T>,
  opts: PoolOptions<T> = {},
): Promise<(PromiseSettledResult<T> | undefined)[]> {
  const results: (PromiseSettledResult<T> | undefined)[] = new Array<PromiseSettledResult<T> | undefined>(total).fill(undefined);
  const limit = Math.max(1, Math.min(Math.floor(concurrency), total));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total && !opts.signal?.aborted) {
      const index = next++;
      opts.onStart?.(index);
      let result: PromiseSettledResult<T>;
      try {
        result = { status: 'fulfilled', value: await task(index, opts.signal) };
      } catch (reason) {
        result = { status: 'rejected', reason };
      }
      results[index] = result;
      opts.onSettled?.(index, result);
    }
  };
  if (total > 0) await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
