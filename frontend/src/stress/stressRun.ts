// A stress run: `total` synthetic sessions, at most `concurrency` at once, through the pool.
// React reads it as an external store; the stats object is replaced on every change.

import type { SessionRequest } from '../api/types';
import { runPool } from './pool';
import { emptyStats, withResult, withStarted, type StressStats } from './stats';
import { runStressSession } from './stressSession';

export type StressPhase = 'idle' | 'running' | 'done' | 'stopped';

export interface StressSnapshot {
  phase: StressPhase;
  stats: StressStats;
  startedAt: number | null;
  endedAt: number | null;
}

export const STRESS_LIMITS = { maxSessions: 1000, maxConcurrency: 200 } as const;

export class StressRun {
  private snap: StressSnapshot;
  private listeners = new Set<() => void>();
  private readonly abort = new AbortController();

  constructor(private readonly request: SessionRequest, readonly total: number, readonly concurrency: number) {
    this.snap = { phase: 'idle', stats: emptyStats(total), startedAt: null, endedAt: null };
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): StressSnapshot => this.snap;

  async start(): Promise<void> {
    this.set({ phase: 'running', startedAt: Date.now() });
    await runPool(this.total, this.concurrency, (_i, signal) => runStressSession(this.request, signal), {
      signal: this.abort.signal,
      onStart: () => this.set({ stats: withStarted(this.snap.stats) }),
      onSettled: (_i, r) => {
        const result =
          r.status === 'fulfilled'
            ? r.value
            : { ok: false, cause: 'Client error', bytes: 0, chunks: 0, networkDrops: 0, firstChunkMs: null };
        this.set({ stats: withResult(this.snap.stats, result) });
      },
    });
    this.set({ phase: this.abort.signal.aborted ? 'stopped' : 'done', endedAt: Date.now() });
  }

  stop(): void {
    this.abort.abort();
  }

  private set(patch: Partial<StressSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const fn of this.listeners) fn();
  }
}
