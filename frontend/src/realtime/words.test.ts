import { describe, expect, it } from 'vitest';
import type { WordTiming } from './wire';
import { charIndexOfByte, karaokeParts, mergeWords, splitHeard, wordIndexAt } from './words';

const w = (word: string, start_ms: number, end_ms: number, text_start: number, text_end: number): WordTiming => ({ word, start_ms, end_ms, text_start, text_end });
const WORDS = [w('Sure,', 0, 380, 0, 5), w('your', 500, 880, 6, 10), w('table', 1000, 1480, 11, 16)];

describe('wordIndexAt', () => {
  it('is -1 before the first word, then advances in order and rests on the last', () => {
    const seen = [-10, 0, 200, 450, 500, 999, 1000, 5000].map((ms) => wordIndexAt(WORDS, ms));
    expect(seen).toEqual([-1, 0, 0, 0, 1, 1, 2, 2]);
  });

  it('never goes back as the position grows', () => {
    let last = -1;
    for (let ms = 0; ms < 2000; ms += 7) {
      const i = wordIndexAt(WORDS, ms);
      expect(i).toBeGreaterThanOrEqual(last);
      last = i;
    }
    expect(last).toBe(WORDS.length - 1);
  });
});

describe('splitHeard', () => {
  it('names the words heard when the cancel came and those cut off', () => {
    const { heard, unheard } = splitHeard(WORDS, 600);
    expect(heard.map((x) => x.word)).toEqual(['Sure,', 'your']);
    expect(unheard.map((x) => x.word)).toEqual(['table']);
  });
});

describe('mergeWords', () => {
  it('keeps words in start order whatever order the frames came in', () => {
    expect(mergeWords([WORDS[2]!], [WORDS[0]!, WORDS[1]!]).map((x) => x.word)).toEqual(['Sure,', 'your', 'table']);
  });
});

describe('karaoke text', () => {
  it('maps UTF-8 byte offsets to string indices', () => {
    const t = 'Größe ok';
    expect(charIndexOfByte(t, 0)).toBe(0);
    expect(charIndexOfByte(t, 7)).toBe(5); // "Größe" is 7 bytes
    expect(charIndexOfByte(t, 8)).toBe(6);
    expect(charIndexOfByte(t, 100)).toBe(t.length);
  });

  it('cuts the text at the words and joins back to it', () => {
    const text = 'Sure, your table for two';
    const parts = karaokeParts(text, WORDS);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => p.word >= 0).map((p) => p.text)).toEqual(['Sure,', 'your', 'table']);
  });
});
