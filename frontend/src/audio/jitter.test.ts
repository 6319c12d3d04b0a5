import { describe, expect, it } from 'vitest';
import { scheduleChunk, START_DELAY_SECONDS } from './jitter';

describe('scheduleChunk', () => {
  it('starts a little in the future after an underrun', () => {
    const d = scheduleChunk(10, 0, 0.1, 2);
    expect(d).toEqual({ play: true, startAt: 10 + START_DELAY_SECONDS, nextStart: 10 + START_DELAY_SECONDS + 0.1 });
  });
  it('plays chunks back to back', () => {
    const d = scheduleChunk(10, 10.5, 0.1, 2);
    expect(d.play).toBe(true);
    expect(d.startAt).toBe(10.5);
    expect(d.nextStart).toBeCloseTo(10.6);
  });
  it('drops a chunk that would queue more than the limit ahead, keeping nextStart', () => {
    const d = scheduleChunk(10, 11.95, 0.1, 2);
    expect(d.play).toBe(false);
    expect(d.nextStart).toBe(11.95);
  });
  it('accepts a chunk that ends exactly at the limit', () => {
    expect(scheduleChunk(10, 11.9, 0.1, 2).play).toBe(true);
  });
  it('never drops without a limit', () => {
    expect(scheduleChunk(0, 100, 10, Infinity).play).toBe(true);
  });
  it('with 100 ms chunks arriving at once, keeps about 2 s and drops the rest', () => {
    let next = 0;
    let played = 0;
    for (let i = 0; i < 41; i++) {
      const d = scheduleChunk(0, next, 0.1, 2);
      if (d.play) played++;
      next = d.nextStart;
    }
    expect(played).toBe(19);
  });
});
