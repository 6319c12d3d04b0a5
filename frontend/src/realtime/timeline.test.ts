import { describe, expect, it } from 'vitest';
import { addHeardSample, audioBursts, heardSpans, type HeardSample } from './timeline';

describe('audioBursts', () => {
  it('groups frames that arrive together into one burst per released segment', () => {
    const arrivals = [354, 369, 370, 682, 683, 1059, 1060].map((at) => ({ at, bytes: 100 }));
    const bursts = audioBursts(arrivals);
    expect(bursts.map((b) => [b.start, b.end, b.frames])).toEqual([
      [354, 370, 3],
      [682, 683, 2],
      [1059, 1060, 2],
    ]);
    expect(bursts[0]?.bytes).toBe(300);
  });
});

describe('heardSpans', () => {
  it('covers the times the position advanced and leaves out the pauses', () => {
    const samples: HeardSample[] = [];
    for (const [at, position] of [
      [0, 0],
      [100, 0],
      [200, 0.1],
      [300, 0.2],
      [400, 0.2],
      [500, 0.2],
      [600, 0.3],
    ] as const)
      addHeardSample(samples, { at, position });
    expect(heardSpans(samples)).toEqual([
      { start: 100, end: 300 },
      { start: 500, end: 600 },
    ]);
  });

  it('keeps a long pause as two samples, not one per poll', () => {
    const samples: HeardSample[] = [];
    for (let at = 0; at < 1000; at += 10) addHeardSample(samples, { at, position: 1 });
    expect(samples.length).toBe(2);
  });
});
