// The live jitter buffer, as pure logic (no Web Audio, the clock is passed in), so it can be
// tested with a fake clock. Two stages:
//
// - pending: blocks received but not yet handed to Web Audio, in order, held in JS. Bounded
//   by `maxPendingSeconds` (a memory bound, 120 s by default): a block that would take it
//   over is dropped ("buffer overflow") and `push` says so.
// - scheduled: blocks handed to Web Audio, back to back from `nextStart`, never ending more
//   than `maxLeadSeconds` (the original client's 2 s) ahead of the clock. `take(now)` moves
//   from pending to scheduled whatever fits; the caller calls it again as playback advances
//   (`wakeIn` says when the next block will fit).
//
// The engines send audio as fast as they make it (mock_tone all at once, piper a sentence at
// a time), so the lead limit bounds what is queued in the AudioContext, not what is heard:
// nothing is lost unless the pending bound is hit. Blocks longer than MAX_BLOCK_SECONDS are
// split so the lead can be topped up in small steps. After an underrun (the scheduled audio
// ran out before the next block came) playback restarts a little in the future, so the
// first samples are not cut; otherwise each block starts exactly where the previous ends.

export const DEFAULT_MAX_LEAD_SECONDS = 2;
export const DEFAULT_MAX_PENDING_SECONDS = 120;
/** Delay before the first sample after a start or an underrun. */
export const START_DELAY_SECONDS = 0.05;
/** Longest block handed to Web Audio in one piece. */
export const MAX_BLOCK_SECONDS = 0.25;

const EPS = 1e-9;

export interface ScheduledBlock {
  samples: Float32Array;
  sampleRate: number;
  /** Context time at which the block starts. */
  startAt: number;
  duration: number;
}

interface PendingBlock {
  samples: Float32Array;
  sampleRate: number;
  duration: number;
}

export interface JitterStats {
  /** Seconds handed to Web Audio so far. */
  scheduledSeconds: number;
  /** Seconds waiting in JS. */
  pendingSeconds: number;
  /** The most ever waiting in JS at once. */
  peakPendingSeconds: number;
  /** The most ever queued in Web Audio ahead of the clock, measured when scheduling. */
  peakLeadSeconds: number;
  /** Restarts after the scheduled audio ran out, and the silence they added (seconds). */
  underruns: number;
  gapSeconds: number;
}

export class JitterBuffer {
  /** When the next scheduled block starts (context time); 0 before the first. */
  nextStart = 0;
  private pending: PendingBlock[] = [];
  private stats: JitterStats = { scheduledSeconds: 0, pendingSeconds: 0, peakPendingSeconds: 0, peakLeadSeconds: 0, underruns: 0, gapSeconds: 0 };
  private started = false;

  constructor(
    readonly maxLeadSeconds = DEFAULT_MAX_LEAD_SECONDS,
    readonly maxPendingSeconds = DEFAULT_MAX_PENDING_SECONDS,
  ) {}

  /** Queues a block in JS; false (and nothing queued) if it would overflow the pending bound. */
  push(samples: Float32Array, sampleRate: number): boolean {
    if (samples.length === 0) return true;
    const duration = samples.length / sampleRate;
    if (this.stats.pendingSeconds + duration > this.maxPendingSeconds + EPS) return false;
    const step = Math.max(1, Math.floor(MAX_BLOCK_SECONDS * sampleRate));
    for (let at = 0; at < samples.length; at += step) {
      const part = samples.subarray(at, Math.min(samples.length, at + step));
      this.pending.push({ samples: part, sampleRate, duration: part.length / sampleRate });
    }
    this.stats.pendingSeconds += duration;
    this.stats.peakPendingSeconds = Math.max(this.stats.peakPendingSeconds, this.stats.pendingSeconds);
    return true;
  }

  /** The pending blocks that fit under the lead limit at context time `now`, in order, with their start times. */
  take(now: number): ScheduledBlock[] {
    const out: ScheduledBlock[] = [];
    for (;;) {
      const head = this.pending[0];
      if (!head) break;
      const underrun = this.nextStart <= now;
      const startAt = underrun ? now + START_DELAY_SECONDS : this.nextStart;
      // After an underrun the block is always taken (nothing else is queued), so a limit
      // smaller than one block cannot stall playback.
      if (!underrun && startAt + head.duration - now > this.maxLeadSeconds + EPS) break;
      this.pending.shift();
      if (underrun && this.started) {
        this.stats.underruns++;
        this.stats.gapSeconds += startAt - this.nextStart;
      }
      this.started = true;
      out.push({ samples: head.samples, sampleRate: head.sampleRate, startAt, duration: head.duration });
      this.nextStart = startAt + head.duration;
      this.stats.scheduledSeconds += head.duration;
      this.stats.pendingSeconds = Math.max(0, this.stats.pendingSeconds - head.duration);
    }
    if (this.pending.length === 0) this.stats.pendingSeconds = 0;
    if (out.length > 0) this.stats.peakLeadSeconds = Math.max(this.stats.peakLeadSeconds, this.nextStart - now);
    return out;
  }

  /** Seconds from `now` until `take` will have something to schedule; null if nothing is pending. */
  wakeIn(now: number): number | null {
    const head = this.pending[0];
    if (!head) return null;
    if (this.nextStart <= now) return 0;
    return Math.max(0, this.nextStart + head.duration - this.maxLeadSeconds - now);
  }

  /** Seconds scheduled ahead of `now`. */
  lead(now: number): number {
    return Math.max(0, this.nextStart - now);
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  snapshot(): JitterStats {
    return { ...this.stats };
  }

  /** Forgets everything pending and the schedule (after a stop). */
  clear(): void {
    this.pending = [];
    this.stats.pendingSeconds = 0;
    this.nextStart = 0;
  }
}
