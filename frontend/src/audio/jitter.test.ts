import { describe, expect, it } from 'vitest';
import { JitterBuffer, MAX_BLOCK_SECONDS, START_DELAY_SECONDS, type ScheduledBlock } from './jitter';

const RATE = 16000;
const EPS = 1e-9;

/** `count` chunks of `seconds` each; sample values count up through the whole stream, so order can be checked. */
function chunks(count: number, seconds: number, rate = RATE): Float32Array[] {
  const n = Math.round(seconds * rate);
  let v = 0;
  return Array.from({ length: count }, () => Float32Array.from({ length: n }, () => v++));
}

/**
 * Plays `arrivals` (chunk, arrival time) through a buffer with a fake clock stepping by
 * `stepSeconds`, as the scheduler does: take() after each arrival and on every tick.
 * Checks the lead limit every time something is scheduled.
 */
function simulate(buffer: JitterBuffer, arrivals: { at: number; samples: Float32Array }[], stepSeconds = 0.01) {
  const scheduled: ScheduledBlock[] = [];
  const dropped: number[] = [];
  let maxLeadAtSchedule = 0;
  const take = (now: number) => {
    for (const b of buffer.take(now)) {
      maxLeadAtSchedule = Math.max(maxLeadAtSchedule, b.startAt + b.duration - now);
      expect(b.startAt + b.duration - now).toBeLessThanOrEqual(buffer.maxLeadSeconds + EPS);
      scheduled.push(b);
    }
  };
  let next = 0;
  for (let now = 0; next < arrivals.length || buffer.hasPending; now += stepSeconds) {
    while (next < arrivals.length && (arrivals[next]?.at ?? Infinity) <= now + EPS) {
      if (!buffer.push(arrivals[next]!.samples, RATE)) dropped.push(next);
      take(now);
      next++;
    }
    take(now);
    expect(now).toBeLessThan(1000);
  }
  return { scheduled, dropped, maxLeadAtSchedule };
}

function joined(blocks: { samples: Float32Array }[]): number[] {
  return blocks.flatMap((b) => Array.from(b.samples));
}

function expectGapless(blocks: ScheduledBlock[]) {
  for (let i = 1; i < blocks.length; i++) {
    const prev = blocks[i - 1]!;
    expect(blocks[i]!.startAt).toBe(prev.startAt + prev.duration);
  }
}

describe('JitterBuffer', () => {
  it('plays a piper sentence that arrives at once in full, in order, gapless, never more than 2 s ahead', () => {
    // 51 chunks of about 0.1 s, all received at t = 0 (the case that used to lose 31 of them).
    const input = chunks(51, 0.1);
    const buffer = new JitterBuffer(2, 120);
    const { scheduled, dropped, maxLeadAtSchedule } = simulate(
      buffer,
      input.map((samples) => ({ at: 0, samples })),
    );
    expect(dropped).toEqual([]);
    expect(joined(scheduled)).toEqual(joined(input.map((samples) => ({ samples }))));
    expectGapless(scheduled);
    expect(scheduled[0]?.startAt).toBe(START_DELAY_SECONDS);
    const s = buffer.snapshot();
    expect(s.scheduledSeconds).toBeCloseTo(5.1, 9);
    expect(s.pendingSeconds).toBe(0);
    expect(s.peakPendingSeconds).toBeGreaterThan(3);
    expect(s.underruns).toBe(0);
    expect(maxLeadAtSchedule).toBeLessThanOrEqual(2 + EPS);
    expect(maxLeadAtSchedule).toBeGreaterThan(1.9);
  });

  it('keeps the lead topped up when audio comes in bursts, one sentence at a time', () => {
    // Three sentences of 3 s each, received 1 s apart: faster than real time.
    const input = chunks(90, 0.1);
    const arrivals = input.map((samples, i) => ({ at: Math.floor(i / 30), samples }));
    const buffer = new JitterBuffer(2, 120);
    const { scheduled, dropped } = simulate(buffer, arrivals, 0.02);
    expect(dropped).toEqual([]);
    expect(joined(scheduled)).toEqual(joined(input.map((samples) => ({ samples }))));
    expectGapless(scheduled);
    expect(buffer.snapshot().underruns).toBe(0);
  });

  it('drops only what overflows the pending bound, and plays everything else in order', () => {
    // 35 chunks of 0.1 s at once, 1 s pending allowed: 19 fit in the 2 s lead (after the
    // 50 ms start delay), 10 wait, 6 are dropped.
    const input = chunks(35, 0.1);
    const buffer = new JitterBuffer(2, 1);
    const { scheduled, dropped } = simulate(
      buffer,
      input.map((samples) => ({ at: 0, samples })),
    );
    expect(dropped).toEqual([29, 30, 31, 32, 33, 34]);
    expect(joined(scheduled)).toEqual(joined(input.slice(0, 29).map((samples) => ({ samples }))));
    expectGapless(scheduled);
    expect(buffer.snapshot().peakPendingSeconds).toBeCloseTo(1, 9);
  });

  it('never drops without a bound', () => {
    const buffer = new JitterBuffer(2, Infinity);
    for (const c of chunks(2000, 0.1)) expect(buffer.push(c, RATE)).toBe(true);
    expect(buffer.snapshot().pendingSeconds).toBeCloseTo(200, 6);
  });

  it('splits long blocks so the lead grows in small steps', () => {
    const [long] = chunks(1, 1);
    const buffer = new JitterBuffer(2, 120);
    buffer.push(long!, RATE);
    const blocks = buffer.take(0);
    expect(blocks.map((b) => b.duration)).toEqual([MAX_BLOCK_SECONDS, MAX_BLOCK_SECONDS, MAX_BLOCK_SECONDS, MAX_BLOCK_SECONDS]);
    expect(joined(blocks)).toEqual(Array.from(long!));
    expectGapless(blocks);
  });

  it('says when the next block will fit', () => {
    const buffer = new JitterBuffer(2, 120);
    expect(buffer.wakeIn(0)).toBeNull();
    for (const c of chunks(30, 0.1)) buffer.push(c, RATE);
    buffer.take(0);
    // Scheduled up to 1.95 s; the next 0.1 s chunk fits once the clock reaches 0.05 s.
    expect(buffer.lead(0)).toBeCloseTo(1.95, 9);
    expect(buffer.wakeIn(0)).toBeCloseTo(0.05, 9);
    expect(buffer.take(0.04)).toEqual([]);
    expect(buffer.take(0.05)).toHaveLength(1);
  });

  it('restarts a little in the future after an underrun and counts the gap', () => {
    const buffer = new JitterBuffer(2, 120);
    const [a, b] = chunks(2, 0.1);
    buffer.push(a!, RATE);
    expect(buffer.take(0)[0]?.startAt).toBe(START_DELAY_SECONDS);
    buffer.push(b!, RATE);
    const [late] = buffer.take(1);
    expect(late?.startAt).toBe(1 + START_DELAY_SECONDS);
    const s = buffer.snapshot();
    expect(s.underruns).toBe(1);
    expect(s.gapSeconds).toBeCloseTo(1 + START_DELAY_SECONDS - (START_DELAY_SECONDS + 0.1), 9);
  });

  it('does not stall on a block longer than the lead limit', () => {
    const buffer = new JitterBuffer(0.1, 120);
    buffer.push(chunks(1, 1)[0]!, RATE);
    let played = 0;
    for (let now = 0; buffer.hasPending; now += 0.01) played += buffer.take(now).length;
    expect(played).toBe(4);
  });

  it('forgets everything on clear', () => {
    const buffer = new JitterBuffer(2, 120);
    for (const c of chunks(50, 0.1)) buffer.push(c, RATE);
    buffer.take(0);
    buffer.clear();
    expect(buffer.hasPending).toBe(false);
    expect(buffer.lead(0)).toBe(0);
    expect(buffer.snapshot().pendingSeconds).toBe(0);
    expect(buffer.take(0)).toEqual([]);
    expect(buffer.wakeIn(0)).toBeNull();
  });
});
