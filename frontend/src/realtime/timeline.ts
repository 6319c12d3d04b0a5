// The agent turn's timeline as pure data: when each token was sent, when audio arrived
// (grouped into bursts, one per segment the gateway released), and when it was heard.
// Times are page-clock milliseconds (performance.now); the view draws them from the
// turn's start.

export interface Mark {
  at: number;
}

export interface TokenMark extends Mark {
  text: string;
}

export interface AudioMark extends Mark {
  bytes: number;
}

/** A player position sample: at page time `at`, `position` seconds had been heard. */
export interface HeardSample extends Mark {
  position: number;
}

export interface Span {
  start: number;
  end: number;
}

export interface Burst extends Span {
  frames: number;
  bytes: number;
}

/** Arrivals closer than this belong to one burst (one released segment). */
export const BURST_GAP_MS = 60;

/** Audio arrivals grouped into bursts: a new burst starts after a gap of more than `gapMs`. */
export function audioBursts(arrivals: readonly AudioMark[], gapMs = BURST_GAP_MS): Burst[] {
  const out: Burst[] = [];
  for (const a of arrivals) {
    const last = out[out.length - 1];
    if (last && a.at - last.end <= gapMs) {
      last.end = a.at;
      last.frames++;
      last.bytes += a.bytes;
    } else {
      out.push({ start: a.at, end: a.at, frames: 1, bytes: a.bytes });
    }
  }
  return out;
}

/** The page-time spans during which the position advanced, i.e. audio was heard. */
export function heardSpans(samples: readonly HeardSample[]): Span[] {
  const out: Span[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (b.position <= a.position) continue;
    const last = out[out.length - 1];
    if (last && last.end === a.at) last.end = b.at;
    else out.push({ start: a.at, end: b.at });
  }
  return out;
}

/** Adds a sample unless it repeats the last one's position (keeps the start and end of each pause). */
export function addHeardSample(samples: HeardSample[], s: HeardSample): void {
  const last = samples[samples.length - 1];
  const beforeLast = samples[samples.length - 2];
  if (last && beforeLast && last.position === s.position && beforeLast.position === s.position) {
    last.at = s.at;
    return;
  }
  samples.push(s);
}
