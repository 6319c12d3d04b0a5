import { describe, expect, it } from 'vitest';
import { causesByCount, emptyStats, percentile, withResult, withStarted } from './stats';

describe('stress stats', () => {
  it('counts completions, failures by cause, and peak concurrency', () => {
    let s = emptyStats(4);
    s = withStarted(withStarted(s));
    s = withResult(s, { ok: true, bytes: 100, chunks: 2, networkDrops: 0, firstChunkMs: 30 });
    s = withStarted(s);
    s = withResult(s, { ok: false, cause: 'HTTP 429', bytes: 0, chunks: 0, networkDrops: 0, firstChunkMs: null });
    s = withResult(s, { ok: false, cause: 'HTTP 429', bytes: 0, chunks: 0, networkDrops: 1, firstChunkMs: null });
    expect(s).toMatchObject({ started: 3, inFlight: 0, maxInFlight: 2, completed: 1, failed: 2, bytes: 100, chunks: 2, networkDrops: 1 });
    expect(s.failuresByCause).toEqual({ 'HTTP 429': 2 });
    expect(s.firstChunkMs).toEqual([30]);
  });

  it('collects cancel latencies and the audio in flight at a cancel from realtime contexts', () => {
    let s = withStarted(withStarted(emptyStats(2)));
    s = withResult(s, { ok: true, bytes: 10, chunks: 1, networkDrops: 0, firstChunkMs: 5, cancelMs: 12, inFlightAtCancel: 2 });
    s = withResult(s, { ok: true, bytes: 10, chunks: 1, networkDrops: 0, firstChunkMs: 6 });
    expect(s.cancelMs).toEqual([12]);
    expect(s.inFlightAtCancel).toBe(2);
  });

  it('orders causes by count', () => {
    expect(causesByCount({ 'WS 503': 1, 'HTTP 429': 5, 'WS transport error': 1 })).toEqual([
      ['HTTP 429', 5],
      ['WS 503', 1],
      ['WS transport error', 1],
    ]);
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([7], 99)).toBe(7);
  });
});
