import { describe, expect, it } from 'vitest';
import { summarize } from './backendMetrics';
import { isDeclared, maxOf, parsePrometheus, sumOf } from './prometheus';

const SCRAPE = `# HELP tts_sessions_total Sessions by provider and status
# TYPE tts_sessions_total counter
tts_sessions_total{provider="mock_tone",status="created"} 25
tts_sessions_total{provider="mock_tone",status="completed"} 20
tts_sessions_total{provider="espeak",status="completed"} 3.0
tts_sessions_total{provider="mock_tone",status="failed"} 2
# TYPE tts_active_streams gauge
tts_active_streams{provider="mock_tone"} 4
tts_active_streams{provider="espeak"} 1
tts_rate_limit_max_bucket_usage{scope="ip"} 0.42
tts_rate_limit_window_remaining_seconds{scope="ip"} 37.5
tts_session_queue_depth 3
tts_session_queue_maxsize 100
tts_session_workers_busy 8
tts_session_workers_total 8
tts_session_queue_full_total 5 1700000000000
`;

describe('parsePrometheus', () => {
  it('reads names, labels and values and skips comments', () => {
    const { samples, invalidLines } = parsePrometheus(SCRAPE);
    expect(invalidLines).toBe(0);
    expect(samples).toHaveLength(13);
    expect(samples[0]).toEqual({ name: 'tts_sessions_total', labels: { provider: 'mock_tone', status: 'created' }, value: 25 });
  });

  it('accepts a timestamp after the value', () => {
    const { samples } = parsePrometheus('x_total 5 1700000000000\n');
    expect(samples[0]?.value).toBe(5);
  });

  it('unescapes label values and tolerates spaces and a trailing comma', () => {
    const { samples } = parsePrometheus('m{a="say \\"hi\\"\\nnow", b = "c\\\\d",} 1\n');
    expect(samples[0]?.labels).toEqual({ a: 'say "hi"\nnow', b: 'c\\d' });
  });

  it('keeps a } or , inside a quoted label value', () => {
    const { samples } = parsePrometheus('m{a="x}y,z"} 2\n');
    expect(samples[0]?.labels.a).toBe('x}y,z');
  });

  it('reads special values and exponents', () => {
    const { samples } = parsePrometheus('a +Inf\nb -Inf\nc NaN\nd 1.5e3\ne -2\n');
    expect(samples.map((s) => s.value)).toEqual([Infinity, -Infinity, NaN, 1500, -2]);
  });

  it('counts malformed lines instead of failing', () => {
    const { samples, invalidLines } = parsePrometheus('ok 1\n{nope} 2\nbad{a="1" 3\nx notanumber\n\nlast 4\r\n');
    expect(samples.map((s) => s.name)).toEqual(['ok', 'last']);
    expect(invalidLines).toBe(3);
  });
});

describe('sumOf and maxOf', () => {
  const { samples } = parsePrometheus(SCRAPE);
  it('sums across label values, filtered by the labels given', () => {
    expect(sumOf(samples, 'tts_sessions_total', { status: 'completed' })).toBe(23);
    expect(sumOf(samples, 'tts_active_streams')).toBe(5);
  });
  it('is null for a metric that is absent', () => {
    expect(sumOf(samples, 'tts_missing')).toBeNull();
    expect(maxOf(samples, 'tts_missing')).toBeNull();
  });
});

describe('summarize', () => {
  it('maps the contract metric names to the panel figures', () => {
    const s = summarize(parsePrometheus(SCRAPE), 1);
    expect(s).toMatchObject({
      activeStreams: 5,
      sessionsCreated: 25,
      sessionsCompleted: 23,
      sessionsFailed: 2,
      rateLimitUsage: 0.42,
      rateLimitWindowRemaining: 37.5,
      queueDepth: 3,
      queueMaxsize: 100,
      workersBusy: 8,
      workersTotal: 8,
      queueFullEvents: 5,
      rateLimitHits: null,
    });
  });
});

describe('OpenMetrics-style scrapes', () => {
  const TEXT = `# HELP tts_sessions Sessions.
# TYPE tts_sessions counter
# TYPE tts_active_streams gauge
# TYPE tts_session_queue_full counter
tts_session_queue_full_total 0
# EOF
`;
  it('records declared families, with or without _total', () => {
    const parsed = parsePrometheus(TEXT);
    expect(parsed.invalidLines).toBe(0);
    expect(isDeclared(parsed.declared, 'tts_sessions_total')).toBe(true);
    expect(isDeclared(parsed.declared, 'tts_active_streams')).toBe(true);
    expect(isDeclared(parsed.declared, 'tts_rate_limit_hits_total')).toBe(false);
  });
  it('reads a declared family without samples as 0, an undeclared one as unknown', () => {
    const s = summarize(parsePrometheus(TEXT), 1);
    expect(s.sessionsFailed).toBe(0);
    expect(s.activeStreams).toBe(0);
    expect(s.queueFullEvents).toBe(0);
    expect(s.rateLimitHits).toBeNull();
    expect(s.workersTotal).toBeNull();
  });
});
