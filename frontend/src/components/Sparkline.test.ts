import { describe, expect, it } from 'vitest';
import { sparkPoints } from './Sparkline';

describe('sparkPoints', () => {
  it('scales from 0 to the maximum, left to right', () => {
    expect(sparkPoints([0, 5, 10], 100, 21)).toBe('0.0,20.0 50.0,10.5 100.0,1.0');
  });
  it('skips nulls and is empty without data', () => {
    expect(sparkPoints([null, 2], 10, 11).split(' ')).toHaveLength(1);
    expect(sparkPoints([null], 10, 10)).toBe('');
  });
  it('clamps to a fixed scale', () => {
    expect(sparkPoints([150], 10, 11, 0, 100)).toBe('0.0,1.0');
  });
});
