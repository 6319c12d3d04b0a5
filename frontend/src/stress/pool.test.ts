import { describe, expect, it } from 'vitest';
import { runPool } from './pool';

/** A task whose completion the test controls. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('runPool', () => {
  it('never runs more than `concurrency` tasks at once, and runs them all', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await runPool(20, 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      inFlight--;
      return i * 2;
    });
    expect(peak).toBe(4);
    expect(results.map((r) => (r?.status === 'fulfilled' ? r.value : null))).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('starts the next task as soon as one finishes', async () => {
    const gates = Array.from({ length: 3 }, deferred);
    const started: number[] = [];
    const done = runPool(3, 2, async (i) => {
      started.push(i);
      await gates[i]?.promise;
    });
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.resolve();
    gates[2]?.resolve();
    await done;
  });

  it('records failures without stopping the others', async () => {
    const settled: string[] = [];
    const results = await runPool(
      3,
      3,
      async (i) => {
        if (i === 1) throw new Error('boom');
        return i;
      },
      { onSettled: (i, r) => settled.push(`${i}:${r.status}`) },
    );
    expect(results[1]?.status).toBe('rejected');
    expect(settled.sort()).toEqual(['0:fulfilled', '1:rejected', '2:fulfilled']);
  });

  it('starts nothing new after an abort', async () => {
    const abort = new AbortController();
    let started = 0;
    const results = await runPool(
      10,
      2,
      async () => {
        started++;
        if (started === 3) abort.abort();
        await tick();
      },
      { signal: abort.signal },
    );
    expect(started).toBe(3);
    expect(results.filter((r) => r === undefined)).toHaveLength(7);
  });

  it('treats a concurrency above the total, or below 1, sensibly', async () => {
    let peak = 0;
    let inFlight = 0;
    const task = async () => {
      peak = Math.max(peak, ++inFlight);
      await tick();
      inFlight--;
    };
    await runPool(3, 50, task);
    expect(peak).toBe(3);
    peak = 0;
    await runPool(3, 0, task);
    expect(peak).toBe(1);
    expect(await runPool(0, 5, task)).toEqual([]);
  });
});
