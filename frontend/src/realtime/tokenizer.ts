// Text cut the way an LLM streams it, so the agent demo feeds the realtime socket what a
// real model would: a word with its leading space (" table"), a long word in pieces of 2 to 4
// letters (" res", "erv", "ation"), each punctuation mark alone (with the space before it,
// if any). Joining the tokens gives the text back exactly; nothing is dropped.

/** Words up to this many letters stay whole. */
const WHOLE_WORD_MAX = 6;
/** Largest piece of a long word. */
const PIECE_MAX = 4;

const TOKEN = /(\s*)([\p{L}\p{M}\p{N}'’]+|[^\s\p{L}\p{M}\p{N}'’])|(\s+)$/gu;

/** Splits a word longer than WHOLE_WORD_MAX into near-equal pieces of 2 to 4 letters. */
export function splitWord(word: string): string[] {
  const chars = [...word];
  if (chars.length <= WHOLE_WORD_MAX) return [word];
  const n = Math.ceil(chars.length / PIECE_MAX);
  const base = Math.floor(chars.length / n);
  const extra = chars.length % n;
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const len = base + (i < extra ? 1 : 0);
    out.push(chars.slice(at, at + len).join(''));
    at += len;
  }
  return out;
}

/** The tokens of `text`, in order; `tokenize(t).join('') === t`. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const [, space = '', body, trailing] = m;
    if (trailing !== undefined) {
      out.push(trailing);
      continue;
    }
    if (body === undefined) continue;
    const pieces = splitWord(body);
    out.push(space + pieces[0], ...pieces.slice(1));
  }
  return out;
}
