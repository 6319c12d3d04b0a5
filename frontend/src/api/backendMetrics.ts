// The backend figures the stress panel shows, taken from one /metrics scrape. Metric names
// are those of the wire contract (shared/PROTOCOL.md); a figure the gateway does not
// export (yet) is null and shown as "–".

import { maxOf, sumOf, type Sample } from './prometheus';

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

export function summarize(samples: Sample[], at: number): BackendSnapshot {
  return {
    at,
    activeStreams: sumOf(samples, 'tts_active_streams'),
    sessionsCreated: sumOf(samples, 'tts_sessions_total', { status: 'created' }),
    sessionsCompleted: sumOf(samples, 'tts_sessions_total', { status: 'completed' }),
    sessionsFailed: sumOf(samples, 'tts_sessions_total', { status: 'failed' }),
    rateLimitUsage: maxOf(samples, 'tts_rate_limit_max_bucket_usage'),
    rateLimitWindowRemaining: maxOf(samples, 'tts_rate_limit_window_remaining_seconds'),
    rateLimitHits: sumOf(samples, 'tts_rate_limit_hits_total'),
    queueDepth: sumOf(samples, 'tts_session_queue_depth'),
    queueMaxsize: sumOf(samples, 'tts_session_queue_maxsize'),
    workersBusy: sumOf(samples, 'tts_session_workers_busy'),
    workersTotal: sumOf(samples, 'tts_session_workers_total'),
    queueFullEvents: sumOf(samples, 'tts_session_queue_full_total'),
    backendDroppedFrames: sumOf(samples, 'tts_backend_dropped_frames_total'),
  };
}
