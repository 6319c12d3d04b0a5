import { describe, expect, it } from 'vitest';
import { splitWord, tokenize } from './tokenizer';

describe('tokenize', () => {
  it('gives words with their leading space and punctuation alone', () => {
    expect(tokenize('Sure, your table is booked.')).toEqual(['Sure', ',', ' your', ' table', ' is', ' booked', '.']);
  });

  it('splits long words into pieces of 2 to 4 letters, the first keeping the space', () => {
    const tokens = tokenize('a reservation');
    expect(tokens[0]).toBe('a');
    expect(tokens.slice(1).join('')).toBe(' reservation');
    expect(tokens[1]?.startsWith(' ')).toBe(true);
    for (const t of tokens.slice(1)) expect(t.trim().length).toBeGreaterThanOrEqual(2);
    for (const t of tokens.slice(1)) expect(t.trim().length).toBeLessThanOrEqual(4);
  });

  it('joins back to the exact text, whitespace, newlines and symbols included', () => {
    const texts = ['  Hello,\n\nworld!  ', 'It’s 3.50 $ — “quoted” (yes)…', 'Größenordnung über 10 000 km/h', ''];
    for (const t of texts) expect(tokenize(t).join('')).toBe(t);
  });

  it('keeps the space before a punctuation mark with the mark', () => {
    expect(tokenize('wait — now')).toEqual(['wait', ' —', ' now']);
  });
});

describe('splitWord', () => {
  it('leaves short words whole and cuts long ones evenly', () => {
    expect(splitWord('booked')).toEqual(['booked']);
    expect(splitWord('tomorrow')).toEqual(['tomo', 'rrow']);
    expect(splitWord('restaurant')).toEqual(['rest', 'aur', 'ant']);
  });
});
