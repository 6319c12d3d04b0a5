// The backend figures the stress panel shows, taken from one /metrics scrape. Metric names
// are those of the wire contract (shared/PROTOCOL.md); a figure the gateway does not
// export (yet) is null and shown as "–". A family declared by a `# TYPE` line but without
// samples (a labelled counter before its first event) counts as 0.

import { isDeclared, maxOf, sumOf, type ParsedMetrics } from './prometheus';

export interface BackendSnapshot {
  /** Milliseconds since the epoch when it was scraped. */
  at: number;
  activeStreams: number | null;
  sessionsCreated: number | null;
  sessionsCompleted: number | null;
  sessionsFailed: number | null;
  /** 0–1: how full the busiest per-IP bucket is. */
  rateLimitUsage: number | null;
  rateLimitWindowRemaining: number | null;
  rateLimitHits: number | null;
  queueDepth: number | null;
  queueMaxsize: number | null;
  workersBusy: number | null;
  workersTotal: number | null;
  queueFullEvents: number | null;
  backendDroppedFrames: number | null;
}

export function summarize({ samples, declared }: Pick<ParsedMetrics, 'samples' | 'declared'>, at: number): BackendSnapshot {
  const orZero = (value: number | null, name: string) => value ?? (isDeclared(declared, name) ? 0 : null);
  const sum = (name: string, where: Record<string, string> = {}) => orZero(sumOf(samples, name, where), name);
  const max = (name: string) => orZero(maxOf(samples, name), name);
  return {
    at,
    activeStreams: sum('tts_active_streams'),
    sessionsCreated: sum('tts_sessions_total', { status: 'created' }),
    sessionsCompleted: sum('tts_sessions_total', { status: 'completed' }),
    sessionsFailed: sum('tts_sessions_total', { status: 'failed' }),
    rateLimitUsage: max('tts_rate_limit_max_bucket_usage'),
    rateLimitWindowRemaining: max('tts_rate_limit_window_remaining_seconds'),
    rateLimitHits: sum('tts_rate_limit_hits_total'),
    queueDepth: sum('tts_session_queue_depth'),
    queueMaxsize: sum('tts_session_queue_maxsize'),
    workersBusy: sum('tts_session_workers_busy'),
    workersTotal: sum('tts_session_workers_total'),
    queueFullEvents: sum('tts_session_queue_full_total'),
    backendDroppedFrames: sum('tts_backend_dropped_frames_total'),
  };
}
