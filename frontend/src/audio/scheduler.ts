// Web Audio playback of sample blocks through the jitter buffer (`jitter.ts`): blocks are
// held in JS and handed to Web Audio as playback advances, never more than the lead limit
// (2 s) ahead of the clock, each as one AudioBufferSourceNode at the block's own rate (the
// context resamples) starting exactly where the previous one ends. The buffer is topped up
// when a source ends and on a timer set for when the next block will fit (whichever comes
// first; the `ended` events keep coming in a background tab, where timers are slowed).
// Reports when the first sample is actually heard and when everything has played.

import type { PlayerEvents } from './player';
import { DEFAULT_MAX_LEAD_SECONDS, DEFAULT_MAX_PENDING_SECONDS, JitterBuffer, type JitterStats } from './jitter';

export interface SchedulerEvents {
  onStarted(): void;
  /** After `finish()`, once every block has played. */
  onDrained(): void;
  /** A block could not be handed to Web Audio (it is skipped). */
  onRefused(): void;
}

export interface SchedulerLimits {
  /** How far ahead of the clock audio is queued in Web Audio, seconds. */
  maxLeadSeconds?: number;
  /** How much audio may wait in JS before blocks are dropped, seconds (Infinity: no bound). */
  maxPendingSeconds?: number;
}

/** The buffer's state for the page, seconds. */
export interface BufferState extends JitterStats {
  /** Queued in Web Audio ahead of the clock now. */
  leadSeconds: number;
}

/** Shortest and longest wait between top-ups when no source has ended. */
const MIN_WAKE_MS = 10;
const MAX_WAKE_MS = 250;

export class WebAudioScheduler {
  private readonly buffer: JitterBuffer;
  private firstStart: number | null = null;
  private sources = new Set<AudioBufferSourceNode>();
  private finishing = false;
  private stopped = false;
  private startedTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly out: GainNode;

  constructor(
    private readonly ctx: BaseAudioContext,
    limits: SchedulerLimits,
    private readonly events: SchedulerEvents,
    destination: AudioNode = ctx.destination,
  ) {
    this.buffer = new JitterBuffer(limits.maxLeadSeconds ?? DEFAULT_MAX_LEAD_SECONDS, limits.maxPendingSeconds ?? DEFAULT_MAX_PENDING_SECONDS);
    this.out = ctx.createGain();
    this.out.connect(destination);
  }

  /** Queues a block; false if it was dropped because the pending bound is full. */
  enqueue(samples: Float32Array, sampleRate: number): boolean {
    if (this.stopped || samples.length === 0) return true;
    if (!this.buffer.push(samples, sampleRate)) return false;
    this.pump();
    return true;
  }

  /** No more blocks will come; `onDrained` fires when the queued ones have played. */
  finish(): void {
    this.finishing = true;
    this.maybeDrained();
  }

  /** Silences everything scheduled and forgets everything pending. */
  stop(): void {
    this.stopped = true;
    if (this.startedTimer) clearTimeout(this.startedTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.startedTimer = this.wakeTimer = null;
    this.buffer.clear();
    for (const s of this.sources) {
      s.onended = null;
      try {
        s.stop();
      } catch {
        // Already stopped.
      }
    }
    this.sources.clear();
    this.out.disconnect();
  }

  /** Seconds of audio heard so far (underrun gaps excluded). */
  position(): number {
    if (this.firstStart === null) return 0;
    return Math.max(0, this.buffer.snapshot().scheduledSeconds - this.buffer.lead(this.ctx.currentTime));
  }

  state(): BufferState {
    return { ...this.buffer.snapshot(), leadSeconds: this.buffer.lead(this.ctx.currentTime) };
  }

  /** Hands Web Audio whatever fits now and sets the timer for the next top-up. */
  private pump(): void {
    if (this.stopped) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    for (const block of this.buffer.take(this.ctx.currentTime)) this.play(block.samples, block.sampleRate, block.startAt);
    const wait = this.buffer.wakeIn(this.ctx.currentTime);
    if (wait !== null) {
      const ms = Math.min(MAX_WAKE_MS, Math.max(MIN_WAKE_MS, wait * 1000));
      this.wakeTimer = setTimeout(() => this.pump(), ms);
    }
    this.maybeDrained();
  }

  private play(samples: Float32Array, sampleRate: number, startAt: number): void {
    let source: AudioBufferSourceNode;
    try {
      const buffer = this.ctx.createBuffer(1, samples.length, sampleRate);
      buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
      source = this.ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(this.out);
      source.start(startAt);
    } catch {
      this.events.onRefused();
      return;
    }
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      this.pump();
    };
    if (this.firstStart === null) {
      this.firstStart = startAt;
      const delayMs = Math.max(0, (startAt - this.ctx.currentTime) * 1000);
      this.startedTimer = setTimeout(() => {
        if (!this.stopped) this.events.onStarted();
      }, delayMs);
    }
  }

  private maybeDrained(): void {
    if (this.finishing && !this.stopped && this.sources.size === 0 && !this.buffer.hasPending) {
      this.finishing = false;
      this.events.onDrained();
    }
  }
}

/**
 * The scheduler a player plays through, its events wired to the player's: 'playing' at the
 * first audio, 'ended' once drained, a buffer Web Audio refuses counted as a playback drop.
 * Announces 'buffering' straight away. Plays into `destination` (the speakers unless given).
 */
export function playerScheduler(
  ctx: AudioContext,
  limits: SchedulerLimits,
  events: PlayerEvents,
  destination?: AudioNode,
): WebAudioScheduler {
  const scheduler = new WebAudioScheduler(
    ctx,
    limits,
    {
      onStarted: () => events.onState('playing'),
      onDrained: () => events.onState('ended'),
      onRefused: () => events.onDrop(1, 'refused'),
    },
    destination,
  );
  events.onState('buffering');
  return scheduler;
}
