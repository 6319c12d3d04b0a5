import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebAudioScheduler } from './scheduler';

const RATE = 16000;
const EPS = 1e-9;

/** Just enough of an AudioContext for the scheduler: a clock the test moves, and sources that record their start. */
class FakeContext {
  currentTime = 0;
  readonly destination = {};
  readonly started: FakeSource[] = [];
  refuse = false;
  createGain() {
    return { connect: () => undefined, disconnect: () => undefined };
  }
  createBuffer(_channels: number, length: number, sampleRate: number) {
    if (this.refuse) throw new Error('refused');
    const data = new Float32Array(length);
    return { length, sampleRate, duration: length / sampleRate, data, copyToChannel: (src: Float32Array) => data.set(src) };
  }
  createBufferSource() {
    return new FakeSource(this);
  }
  /** Moves the clock and fires `ended` for the sources that have finished, as the audio thread would. */
  advance(seconds: number) {
    this.currentTime += seconds;
    for (const s of this.started) {
      if (!s.ended && s.startAt + s.buffer!.duration <= this.currentTime + EPS) {
        s.ended = true;
        s.onended?.();
      }
    }
    vi.advanceTimersByTime(seconds * 1000);
  }
}

class FakeSource {
  buffer: ReturnType<FakeContext['createBuffer']> | null = null;
  onended: (() => void) | null = null;
  startAt = NaN;
  /** currentTime when start() was called. */
  calledAt = NaN;
  ended = false;
  stopped = false;
  constructor(private readonly ctx: FakeContext) {}
  connect() {}
  start(when: number) {
    this.startAt = when;
    this.calledAt = this.ctx.currentTime;
    this.ctx.started.push(this);
  }
  stop() {
    this.stopped = true;
  }
}

function chunks(count: number, seconds: number): Float32Array[] {
  const n = Math.round(seconds * RATE);
  let v = 0;
  return Array.from({ length: count }, () => Float32Array.from({ length: n }, () => v++));
}

function setup(maxPendingSeconds = 120) {
  const ctx = new FakeContext();
  const events = { onStarted: vi.fn(), onDrained: vi.fn(), onRefused: vi.fn() };
  const scheduler = new WebAudioScheduler(ctx as unknown as AudioContext, { maxLeadSeconds: 2, maxPendingSeconds }, events);
  return { ctx, events, scheduler };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WebAudioScheduler', () => {
  it('feeds Web Audio as playback advances: everything plays, in order, gapless, never more than 2 s ahead', () => {
    const { ctx, events, scheduler } = setup();
    const input = chunks(51, 0.1);
    for (const c of input) expect(scheduler.enqueue(c, RATE)).toBe(true);
    scheduler.finish();
    // Only about 2 s is handed to Web Audio at first; the rest waits.
    expect(ctx.started.length).toBe(19);
    expect(scheduler.state().pendingSeconds).toBeCloseTo(3.2, 6);
    for (let i = 0; i < 700 && !events.onDrained.mock.calls.length; i++) ctx.advance(0.01);
    expect(events.onDrained).toHaveBeenCalledTimes(1);
    expect(events.onStarted).toHaveBeenCalledTimes(1);
    expect(events.onRefused).not.toHaveBeenCalled();
    for (const s of ctx.started) expect(s.startAt + s.buffer!.duration - s.calledAt).toBeLessThanOrEqual(2 + EPS);
    for (let i = 1; i < ctx.started.length; i++) {
      const prev = ctx.started[i - 1]!;
      expect(ctx.started[i]!.startAt).toBe(prev.startAt + prev.buffer!.duration);
    }
    const played = ctx.started.flatMap((s) => Array.from(s.buffer!.data));
    expect(played).toEqual(input.flatMap((c) => Array.from(c)));
    expect(scheduler.position()).toBeCloseTo(5.1, 6);
    const state = scheduler.state();
    expect(state.scheduledSeconds).toBeCloseTo(5.1, 6);
    expect(state.underruns).toBe(0);
    expect(state.peakLeadSeconds).toBeLessThanOrEqual(2 + EPS);
  });

  it('tops up on the timer too, when no source ends for a while', () => {
    const { ctx, scheduler } = setup();
    for (const c of chunks(30, 0.1)) scheduler.enqueue(c, RATE);
    const first = ctx.started.length;
    // Move the clock without firing `ended` (as if those events were late).
    ctx.currentTime += 0.5;
    vi.advanceTimersByTime(500);
    expect(ctx.started.length).toBeGreaterThan(first);
    for (const s of ctx.started) expect(s.startAt + s.buffer!.duration - s.calledAt).toBeLessThanOrEqual(2 + EPS);
  });

  it('drops a chunk only when the pending bound is full', () => {
    const { ctx, scheduler } = setup(1);
    const accepted = chunks(35, 0.1).map((c) => scheduler.enqueue(c, RATE));
    expect(accepted.filter((ok) => !ok)).toHaveLength(6);
    expect(accepted.slice(0, 29).every(Boolean)).toBe(true);
    expect(ctx.started).toHaveLength(19);
  });

  it('stop silences what is scheduled and forgets what waits', () => {
    const { ctx, events, scheduler } = setup();
    for (const c of chunks(51, 0.1)) scheduler.enqueue(c, RATE);
    scheduler.finish();
    ctx.advance(0.5);
    const before = ctx.started.length;
    scheduler.stop();
    const unfinished = ctx.started.filter((s) => !s.ended);
    expect(unfinished.length).toBeGreaterThan(10);
    expect(unfinished.every((s) => s.stopped)).toBe(true);
    for (let i = 0; i < 100; i++) ctx.advance(0.05);
    expect(ctx.started.length).toBe(before);
    expect(events.onDrained).not.toHaveBeenCalled();
    const state = scheduler.state();
    expect(state.pendingSeconds).toBe(0);
    expect(state.leadSeconds).toBe(0);
    expect(scheduler.enqueue(chunks(1, 0.1)[0]!, RATE)).toBe(true);
    expect(ctx.started.length).toBe(before);
  });

  it('reports a block Web Audio refuses and goes on', () => {
    const { ctx, events, scheduler } = setup();
    ctx.refuse = true;
    scheduler.enqueue(chunks(1, 0.1)[0]!, RATE);
    expect(events.onRefused).toHaveBeenCalledTimes(1);
    ctx.refuse = false;
    scheduler.enqueue(chunks(1, 0.1)[0]!, RATE);
    expect(ctx.started).toHaveLength(1);
  });
});
