// The stress panel: N synthetic sessions of the request above (or N contexts on one
// realtime socket, a share of them cancelled at their first audio), at most M at once;
// counts, failures by cause, cancel latency, and the gateway's own figures polled from
// /metrics while it runs.

import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { MetricsPoller, type PollerState } from '../api/metricsPoller';
import type { SessionRequest } from '../api/types';
import { RealtimeStress } from '../stress/realtimeStress';
import { STRESS_LIMITS, StressRun, type StressSnapshot } from '../stress/stressRun';
import { runStressSession } from '../stress/stressSession';
import { emptyStats, percentile } from '../stress/stats';
import { BackendMetrics } from './BackendMetrics';
import { FailureHistogram } from './FailureHistogram';
import { Field } from './Field';
import { formatBytes, formatMs } from './format';
import { useStore } from './hooks';

const IDLE: StressSnapshot = { phase: 'idle', stats: emptyStats(0), startedAt: null, endedAt: null };
const NO_POLL: PollerState = { history: [], error: null, polling: false };
/** Keep polling this long after a run, to see the gateway settle. */
const TAIL_SECONDS = 5;
/** /metrics sampling interval during a run. */
const POLL_MS = 500;

function clampInt(value: string, lo: number, hi: number): number | null {
  const n = Number(value);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : null;
}

export function StressPanel({ request }: { request: SessionRequest | null }) {
  const [total, setTotal] = useState('20');
  const [concurrency, setConcurrency] = useState('5');
  const [kind, setKind] = useState<'sessions' | 'realtime'>('sessions');
  const [cancelShare, setCancelShare] = useState('50');
  const [run, setRun] = useState<StressRun | null>(null);
  const poller = useMemo(() => new MetricsPoller(POLL_MS), []);
  const snap = useStore(run, IDLE);
  const polled = useStore(poller, NO_POLL);
  const running = snap.phase === 'running';

  useEffect(() => {
    void poller.once();
    return () => poller.dispose();
  }, [poller]);
  useEffect(() => () => run?.stop(), [run]);

  const totalN = clampInt(total, 1, STRESS_LIMITS.maxSessions);
  const concN = clampInt(concurrency, 1, STRESS_LIMITS.maxConcurrency);

  const start = (e: FormEvent) => {
    e.preventDefault();
    if (!request || totalN === null || concN === null || running) return;
    let next: StressRun;
    if (kind === 'realtime') {
      const settings = { voice: request.voice, provider: request.provider, format: request.target_format, sample_rate_hz: request.sample_rate_hz, word_timestamps: false, max_buffer_delay_ms: 300 };
      const rt = new RealtimeStress(settings, request.text, Number(cancelShare));
      next = new StressRun((i, signal) => rt.run(i, signal), totalN, concN, () => rt.close());
    } else {
      next = new StressRun((_i, signal) => runStressSession(request, signal), totalN, concN);
    }
    setRun(next);
    poller.pollFor(3600);
    void next.start().then(() => {
      poller.dispose();
      poller.pollFor(TAIL_SECONDS);
    });
  };

  const s = snap.stats;
  const p50 = percentile(s.firstChunkMs, 50);
  const p95 = percentile(s.firstChunkMs, 95);
  const realtime = s.cancelMs.length > 0 || (kind === 'realtime' && snap.phase === 'idle');
  const summary =
    snap.phase === 'idle'
      ? 'No stress run yet.'
      : `${snap.phase === 'running' ? 'Running' : snap.phase === 'stopped' ? 'Stopped' : 'Done'}: ${s.completed} completed, ${s.failed} failed of ${s.total}` +
        (running ? ` (${s.inFlight} in flight).` : '.');

  return (
    <section className="card" aria-labelledby="stress-heading">
      <h2 id="stress-heading">Stress test</h2>
      <p className="hint">Fires synthetic sessions with the text, voice and format of the single session. Their audio is not played.</p>
      <form className="row stress-form" onSubmit={start} noValidate aria-label="Stress test settings">
        <Field id="stress-kind" label="Load">
          <select value={kind} onChange={(e) => setKind(e.target.value === 'realtime' ? 'realtime' : 'sessions')}>
            <option value="sessions">Sessions (HTTP + WebSocket)</option>
            <option value="realtime">Realtime contexts, one socket</option>
          </select>
        </Field>
        {kind === 'realtime' && (
          <Field id="stress-cancel-share" label="Barge in on">
            <select value={cancelShare} onChange={(e) => setCancelShare(e.target.value)}>
              {['0', '25', '50', '100'].map((p) => (
                <option key={p} value={p}>
                  {p} % of contexts
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field id="stress-total" label={kind === 'realtime' ? 'Total contexts' : 'Total sessions'} error={totalN === null ? `1 to ${STRESS_LIMITS.maxSessions}` : undefined}>
          <input type="number" inputMode="numeric" min={1} max={STRESS_LIMITS.maxSessions} value={total} onChange={(e) => setTotal(e.target.value)} />
        </Field>
        <Field id="stress-concurrency" label="Max concurrency" error={concN === null ? `1 to ${STRESS_LIMITS.maxConcurrency}` : undefined}>
          <input type="number" inputMode="numeric" min={1} max={STRESS_LIMITS.maxConcurrency} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />
        </Field>
        <div className="actions">
          <button type="submit" className="primary" disabled={!request || running || totalN === null || concN === null}>
            Start stress test
          </button>
          <button type="button" className="danger" onClick={() => run?.stop()} disabled={!running}>
            Stop
          </button>
        </div>
      </form>
      {!request && <p className="hint">Fill in the session form first (text and voice).</p>}
      <p role="status" aria-live="polite" className="status" data-testid="stress-status" data-phase={snap.phase}>
        {summary}
      </p>
      <dl className="metrics" aria-label="Stress test results">
        <div>
          <dt>Completed</dt>
          <dd data-testid="stress-completed" data-value={s.completed}>{s.completed}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid="stress-failed" data-value={s.failed}>{s.failed}</dd>
        </div>
        <div>
          <dt>Peak in flight</dt>
          <dd data-testid="stress-max-in-flight" data-value={s.maxInFlight}>{s.maxInFlight}</dd>
        </div>
        <div>
          <dt>Bytes / chunks</dt>
          <dd data-testid="stress-bytes" data-value={s.bytes}>
            {formatBytes(s.bytes)} / {s.chunks}
          </dd>
        </div>
        <div>
          <dt>Dropped (network)</dt>
          <dd data-testid="stress-network-drops" data-value={s.networkDrops}>{s.networkDrops}</dd>
        </div>
        <div>
          <dt>First audio p50 / p95</dt>
          <dd>
            {formatMs(p50)} / {formatMs(p95)}
          </dd>
        </div>
      </dl>
      {realtime && (
        <dl className="metrics" aria-label="Barge-ins">
          <div>
            <dt>Cancel → cancelled p50 / p95</dt>
            <dd data-testid="stress-cancel-latency" data-count={s.cancelMs.length}>
              {formatMs(percentile(s.cancelMs, 50))} / {formatMs(percentile(s.cancelMs, 95))}
            </dd>
          </div>
          <div>
            <dt>Cancelled contexts</dt>
            <dd>{s.cancelMs.length}</dd>
          </div>
          <div>
            <dt>Audio in flight at a cancel</dt>
            <dd data-testid="stress-in-flight-at-cancel" data-value={s.inFlightAtCancel}>
              {s.inFlightAtCancel} frames
            </dd>
          </div>
          <div>
            <dt>Audio after cancelled</dt>
            <dd data-testid="stress-audio-after-cancelled" data-value={snap.phase === 'running' ? '' : s.audioAfterCancelled}>
              {snap.phase === 'running' ? '–' : `${s.audioAfterCancelled} frames`}
            </dd>
          </div>
        </dl>
      )}
      <FailureHistogram byCause={s.failuresByCause} />
      <div className="backend-head">
        <h3>Gateway (from /metrics)</h3>
        <button type="button" onClick={() => void poller.once()}>
          Refresh
        </button>
        <span className="hint" data-testid="poll-state">
          {polled.polling ? `polling every ${POLL_MS} ms` : `${polled.history.length} samples`}
        </span>
      </div>
      {polled.error && (
        <p className="field-error" role="alert">
          {polled.error}
        </p>
      )}
      <BackendMetrics history={polled.history} />
    </section>
  );
}
