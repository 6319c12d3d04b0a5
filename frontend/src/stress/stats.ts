// Aggregates of a stress run: counts, failures by cause, bytes and chunks across sessions,
// time-to-first-audio percentiles, and for realtime contexts the cancel latencies. Pure, so the panel's numbers are tested directly.

export interface SessionResult {
  ok: boolean;
  /** Histogram bucket, e.g. "HTTP 429"; absent when ok. */
  cause?: string;
  bytes: number;
  chunks: number;
  networkDrops: number;
  /** ms from the session's start to its first audio chunk; null if none came. */
  firstChunkMs: number | null;
  /** Realtime contexts cancelled on purpose: ms from `cancel` to `cancelled`. */
  cancelMs?: number;
  /** Audio frames of a cancelled context that came between its `cancel` and `cancelled` (in flight). */
  inFlightAtCancel?: number;
}

export interface StressStats {
  total: number;
  started: number;
  inFlight: number;
  maxInFlight: number;
  completed: number;
  failed: number;
  failuresByCause: Record<string, number>;
  bytes: number;
  chunks: number;
  networkDrops: number;
  firstChunkMs: number[];
  cancelMs: number[];
  inFlightAtCancel: number;
  /** Audio frames of a context after its `cancelled` (the protocol says none); counted by the run. */
  audioAfterCancelled: number;
}

export function emptyStats(total: number): StressStats {
  return {
    total,
    started: 0,
    inFlight: 0,
    maxInFlight: 0,
    completed: 0,
    failed: 0,
    failuresByCause: {},
    bytes: 0,
    chunks: 0,
    networkDrops: 0,
    firstChunkMs: [],
    cancelMs: [],
    inFlightAtCancel: 0,
    audioAfterCancelled: 0,
  };
}

export function withStarted(s: StressStats): StressStats {
  const inFlight = s.inFlight + 1;
  return { ...s, started: s.started + 1, inFlight, maxInFlight: Math.max(s.maxInFlight, inFlight) };
}

export function withResult(s: StressStats, r: SessionResult): StressStats {
  const failuresByCause = { ...s.failuresByCause };
  if (!r.ok) {
    const cause = r.cause ?? 'Unknown';
    failuresByCause[cause] = (failuresByCause[cause] ?? 0) + 1;
  }
  return {
    ...s,
    inFlight: s.inFlight - 1,
    completed: s.completed + (r.ok ? 1 : 0),
    failed: s.failed + (r.ok ? 0 : 1),
    failuresByCause,
    bytes: s.bytes + r.bytes,
    chunks: s.chunks + r.chunks,
    networkDrops: s.networkDrops + r.networkDrops,
    firstChunkMs: r.firstChunkMs === null ? s.firstChunkMs : [...s.firstChunkMs, r.firstChunkMs],
    cancelMs: r.cancelMs === undefined ? s.cancelMs : [...s.cancelMs, r.cancelMs],
    inFlightAtCancel: s.inFlightAtCancel + (r.inFlightAtCancel ?? 0),
  };
}

/** Nearest-rank percentile (p in 0–100); null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** Failure causes, most frequent first (ties by name). */
export function causesByCount(byCause: Record<string, number>): [string, number][] {
  return Object.entries(byCause).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
