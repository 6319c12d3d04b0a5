import { describe, expect, it } from 'vitest';
import { SeqTracker } from './seq';

describe('SeqTracker', () => {
  it('counts nothing for 1, 2, 3…', () => {
    const t = new SeqTracker();
    expect([1, 2, 3, 4].map((s) => t.observe(s))).toEqual(['in-order', 'in-order', 'in-order', 'in-order']);
    expect(t.dropped).toBe(0);
  });

  it('counts every skipped seq as one dropped frame', () => {
    const t = new SeqTracker();
    t.observe(1);
    expect(t.observe(4)).toBe('after-gap');
    t.observe(5);
    t.observe(7);
    expect(t.gaps).toBe(3);
    expect(t.dropped).toBe(3);
  });

  it('counts frames missing before the first one seen', () => {
    const t = new SeqTracker();
    t.observe(3);
    expect(t.gaps).toBe(2);
  });

  it('rejects duplicates, late and non-integer seqs as parse errors', () => {
    const t = new SeqTracker();
    t.observe(1);
    t.observe(2);
    expect(t.observe(2)).toBe('stale');
    expect(t.observe(1)).toBe('stale');
    expect(t.observe(2.5)).toBe('stale');
    expect(t.observe(3)).toBe('in-order');
    expect(t.gaps).toBe(0);
    expect(t.parseErrors).toBe(3);
  });

  it('adds parse errors to the dropped count', () => {
    const t = new SeqTracker();
    t.observe(1);
    t.parseError();
    t.observe(3);
    expect(t.dropped).toBe(2);
  });
});
