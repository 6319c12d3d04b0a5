// Counting what the client did not see. `seq` starts at 1 and increases by 1; every number
// skipped is one dropped frame, and so is every frame that cannot be parsed. A frame with
// a seq at or below one already seen (a duplicate or late frame) is counted as a parse
// error and not delivered, so container bytes are never appended out of order.

export type SeqVerdict = 'in-order' | 'after-gap' | 'stale';

export class SeqTracker {
  private expected = 1;
  /** Frames skipped over by seq gaps. */
  gaps = 0;
  /** Frames that could not be used: bad JSON, bad fields, bad base64, stale seq. */
  parseErrors = 0;

  /** Records an audio frame's seq and says whether to use it. */
  observe(seq: number): SeqVerdict {
    if (!Number.isInteger(seq) || seq < this.expected) {
      this.parseErrors++;
      return 'stale';
    }
    const verdict: SeqVerdict = seq === this.expected ? 'in-order' : 'after-gap';
    this.gaps += seq - this.expected;
    this.expected = seq + 1;
    return verdict;
  }

  parseError(): void {
    this.parseErrors++;
  }

  /** Network/backend drops: frames missing from the stream as the client saw it. */
  get dropped(): number {
    return this.gaps + this.parseErrors;
  }
}
