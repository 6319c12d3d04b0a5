// Web Audio playback of sample blocks, back to back, through `scheduleChunk` (the jitter
// buffer rule). Each block becomes one AudioBufferSourceNode at the block's own rate; the
// context resamples. Reports when the first sample is actually heard and when the last
// scheduled block has finished.

import { scheduleChunk } from './jitter';

export interface SchedulerEvents {
  onStarted(): void;
  /** After `finish()`, once every scheduled block has played. */
  onDrained(): void;
}

export class WebAudioScheduler {
  private nextStart = 0;
  private firstStart: number | null = null;
  private scheduledSeconds = 0;
  private sources = new Set<AudioBufferSourceNode>();
  private finishing = false;
  private stopped = false;
  private startedTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly out: GainNode;

  constructor(
    private readonly ctx: AudioContext,
    private readonly maxLeadSeconds: number,
    private readonly events: SchedulerEvents,
  ) {
    this.out = ctx.createGain();
    this.out.connect(ctx.destination);
  }

  /** Schedules a block; false if the lead limit dropped it or Web Audio refused it. */
  enqueue(samples: Float32Array, sampleRate: number): boolean {
    if (this.stopped || samples.length === 0) return true;
    const duration = samples.length / sampleRate;
    const decision = scheduleChunk(this.ctx.currentTime, this.nextStart, duration, this.maxLeadSeconds);
    if (!decision.play) return false;
    let source: AudioBufferSourceNode;
    try {
      const buffer = this.ctx.createBuffer(1, samples.length, sampleRate);
      buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
      source = this.ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(this.out);
      source.start(decision.startAt);
    } catch {
      return false;
    }
    this.nextStart = decision.nextStart;
    this.scheduledSeconds += duration;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      this.maybeDrained();
    };
    if (this.firstStart === null) {
      this.firstStart = decision.startAt;
      const delayMs = Math.max(0, (decision.startAt - this.ctx.currentTime) * 1000);
      this.startedTimer = setTimeout(() => {
        if (!this.stopped) this.events.onStarted();
      }, delayMs);
    }
    return true;
  }

  /** No more blocks will come; `onDrained` fires when the queued ones have played. */
  finish(): void {
    this.finishing = true;
    this.maybeDrained();
  }

  stop(): void {
    this.stopped = true;
    if (this.startedTimer) clearTimeout(this.startedTimer);
    for (const s of this.sources) {
      try {
        s.stop();
      } catch {
        // Already stopped.
      }
    }
    this.sources.clear();
    this.out.disconnect();
  }

  /** Seconds of audio heard so far. */
  position(): number {
    if (this.firstStart === null) return 0;
    return Math.min(this.scheduledSeconds, Math.max(0, this.ctx.currentTime - this.firstStart));
  }

  /** Seconds queued ahead of the clock. */
  lead(): number {
    return Math.max(0, this.nextStart - this.ctx.currentTime);
  }

  private maybeDrained(): void {
    if (this.finishing && !this.stopped && this.sources.size === 0) {
      this.finishing = false;
      this.events.onDrained();
    }
  }
}
