import { describe, expect, it } from 'vitest';
import { CancelBook, cancelLatencyMs } from './cancels';
import type { WordTiming } from './wire';

const w = (word: string, start_ms: number): WordTiming => ({ word, start_ms, end_ms: start_ms + 300, text_start: 0, text_end: 1 });

describe('CancelBook', () => {
  it('lets audio through until the cancel, then refuses and counts it', () => {
    const book = new CancelBook();
    expect(book.admitAudio('t1')).toBe(true);
    book.cancel('t1', 1000, 0, []);
    expect(book.admitAudio('t1')).toBe(false);
    expect(book.admitAudio('t1')).toBe(false);
    expect(book.get('t1')?.lateFrames).toBe(2);
    expect(book.admitAudio('t2')).toBe(true);
  });

  it('measures the time from the cancel to its confirmation, once', () => {
    const book = new CancelBook();
    book.cancel('t1', 1000, 0, []);
    expect(cancelLatencyMs(book.get('t1')!)).toBeNull();
    book.acknowledged('t1', 1012.5);
    book.acknowledged('t1', 2000);
    expect(cancelLatencyMs(book.get('t1')!)).toBe(12.5);
    expect(book.acknowledged('other', 3000)).toBeUndefined();
  });

  it('names the words heard before the cut and those never heard', () => {
    const r = new CancelBook().cancel('t1', 0, 650, [w('Sure,', 0), w('your', 500), w('table', 1000)]);
    expect(r.heard).toEqual(['Sure,', 'your']);
    expect(r.unheard).toEqual(['table']);
  });
});
