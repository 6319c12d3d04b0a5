// Which word is being heard, from the server's word timings and the player's position on
// the context's audio timeline. Pure, so the karaoke and the barge-in report are tested
// without audio.

import type { WordTiming } from './wire';

/**
 * Index of the word heard at `positionMs` (the last one whose start has passed), or -1
 * before the first. Between two words the earlier stays lit, so the highlight only moves
 * forward and rests on the last word at the end. `words` must be in start order.
 */
export function wordIndexAt(words: readonly WordTiming[], positionMs: number): number {
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((words[mid]?.start_ms ?? Infinity) <= positionMs) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Words wholly or partly heard by `positionMs`, and those not reached. */
export function splitHeard(words: readonly WordTiming[], positionMs: number): { heard: WordTiming[]; unheard: WordTiming[] } {
  const n = wordIndexAt(words, positionMs) + 1;
  return { heard: words.slice(0, n), unheard: words.slice(n) };
}

/** Adds a `timestamps` frame's words to those known, kept in start order. */
export function mergeWords(known: readonly WordTiming[], more: readonly WordTiming[]): WordTiming[] {
  return [...known, ...more].sort((a, b) => a.start_ms - b.start_ms);
}

/** The character index in `text` of a UTF-8 byte offset (clamped to the text). */
export function charIndexOfByte(text: string, byteOffset: number): number {
  let bytes = 0;
  let i = 0;
  for (const ch of text) {
    if (bytes >= byteOffset) return i;
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += ch.length;
  }
  return text.length;
}

export interface TextPart {
  text: string;
  /** The word's index in `words`, or -1 for text between words. */
  word: number;
}

/** `text` cut at the words' offsets, for the karaoke view; parts join back to `text`. */
export function karaokeParts(text: string, words: readonly WordTiming[]): TextPart[] {
  const spans = words
    .map((w, i) => ({ start: charIndexOfByte(text, w.text_start), end: charIndexOfByte(text, w.text_end), i }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const out: TextPart[] = [];
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    if (s.start > at) out.push({ text: text.slice(at, s.start), word: -1 });
    out.push({ text: text.slice(s.start, s.end), word: s.i });
    at = s.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), word: -1 });
  return out;
}
