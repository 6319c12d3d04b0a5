import { afterEach, describe, expect, it, vi } from 'vitest';
import { Notifier } from './notifier';

afterEach(() => vi.useRealTimers());

describe('Notifier', () => {
  it('batches ordinary changes and tells urgent ones at once', () => {
    vi.useFakeTimers();
    let published = 0;
    const n = new Notifier(() => published++, 50);
    const seen: number[] = [];
    n.subscribe(() => seen.push(published));
    n.notify();
    n.notify();
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(seen).toEqual([1]);
    n.notify();
    n.notify(true);
    vi.advanceTimersByTime(100);
    expect(seen).toEqual([1, 2]);
  });
});
