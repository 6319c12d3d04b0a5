import { describe, expect, it } from 'vitest';
import { isCancelled } from './realtimeStress';

const cancelled = (n: number, percent: number) => Array.from({ length: n }, (_, i) => i).filter((i) => isCancelled(i, percent));

describe('isCancelled', () => {
  it('spreads the cancelled share evenly over the run', () => {
    expect(cancelled(8, 25)).toEqual([3, 7]);
    expect(cancelled(4, 50)).toEqual([1, 3]);
    expect(cancelled(5, 0)).toEqual([]);
    expect(cancelled(5, 100)).toEqual([0, 1, 2, 3, 4]);
    expect(cancelled(100, 30)).toHaveLength(30);
  });
});
