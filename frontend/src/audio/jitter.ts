// The live jitter buffer's one decision: when does the next chunk start, or is it dropped?
// Chunks play back to back from `nextStart`. After an underrun (the queue ran dry) playback
// restarts a little in the future so the first samples are not cut. A chunk that would
// leave more than `maxLeadSeconds` of audio queued ahead of the clock is dropped: the
// original client's rule (2 s), which bounds latency when audio arrives faster than it
// plays, at the price of gaps.

export interface ScheduleDecision {
  play: boolean;
  /** When the chunk starts (context time); meaningful only if `play`. */
  startAt: number;
  /** The `nextStart` to keep for the following chunk. */
  nextStart: number;
}

export const DEFAULT_MAX_LEAD_SECONDS = 2;
/** Delay before the first sample after a start or an underrun. */
export const START_DELAY_SECONDS = 0.05;

export function scheduleChunk(
  now: number,
  nextStart: number,
  durationSeconds: number,
  maxLeadSeconds: number,
): ScheduleDecision {
  const startAt = nextStart <= now ? now + START_DELAY_SECONDS : nextStart;
  const leadAfter = startAt + durationSeconds - now;
  if (leadAfter > maxLeadSeconds + 1e-9) return { play: false, startAt, nextStart };
  return { play: true, startAt, nextStart: startAt + durationSeconds };
}
