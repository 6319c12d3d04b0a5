// A stress run: `total` synthetic sessions (or realtime contexts), at most `concurrency` at
// once, through the pool. React reads it as an external store; the stats object is replaced
// on every change.

import { runPool } from './pool';
import { emptyStats, withResult, withStarted, type SessionResult, type StressStats } from './stats';

/** One unit of load; never rejects (a rejection is counted as a client error). */
export type StressTask = (index: number, signal: AbortSignal | undefined) => Promise<SessionResult>;

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

  /** `dispose` runs once the run is over (e.g. to close a shared socket) and may add figures no single task owns. */
  constructor(
    private readonly task: StressTask,
    readonly total: number,
    readonly concurrency: number,
    private readonly dispose: () => Partial<StressStats> | void = () => undefined,
  ) {
    this.snap = { phase: 'idle', stats: emptyStats(total), startedAt: null, endedAt: null };
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): StressSnapshot => this.snap;

  async start(): Promise<void> {
    this.set({ phase: 'running', startedAt: Date.now() });
    await runPool(this.total, this.concurrency, this.task, {
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
    const extra = this.dispose() ?? {};
    this.set({ stats: { ...this.snap.stats, ...extra }, phase: this.abort.signal.aborted ? 'stopped' : 'done', endedAt: Date.now() });
  }

  stop(): void {
    this.abort.abort();
  }

  private set(patch: Partial<StressSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const fn of this.listeners) fn();
  }
}
