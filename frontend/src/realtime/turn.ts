// One agent turn: one context on the realtime socket. Sends the answer's tokens at the
// chosen rate (then `close`), plays the context's audio through the shared PCM player,
// and keeps what the timeline and the karaoke need: tokens sent, audio arrivals, position
// samples and word timings. All times are page-clock milliseconds (performance.now).

import { PcmPlayer } from '../audio/pcmPlayer';
import type { PlaybackState } from '../audio/player';
import { addHeardSample, type AudioMark, type HeardSample, type TokenMark } from './timeline';
import type { CancelRecord } from './cancels';
import type { ContextSettings, ClientMessage, WordTiming } from './wire';
import { mergeWords, wordIndexAt } from './words';

/** A sentence's cache mark: whether its audio came from the phrase cache, and how long
 * after its last token was sent its audio began (`null` if that token is unknown). */
export interface SegmentMark {
  hit: boolean;
  text: string;
  at: number;
  afterTextMs: number | null;
}

export type TurnPhase = 'connecting' | 'sending' | 'speaking' | 'done' | 'cancelled' | 'failed';

export interface TurnPlan {
  contextId: string;
  tokens: string[];
  tokensPerSecond: number;
  settings: ContextSettings;
}

export interface TurnOutput {
  ctx: AudioContext;
  destination: AudioNode;
  send(msg: ClientMessage): Promise<void>;
  changed(now?: boolean): void;
}

const POSITION_POLL_MS = 25;

export class Turn {
  readonly contextId: string;
  phase: TurnPhase = 'connecting';
  playback: PlaybackState = 'idle';
  error: string | null = null;
  sentText = '';
  readonly tokens: TokenMark[] = [];
  readonly audio: AudioMark[] = [];
  readonly heard: HeardSample[] = [];
  words: WordTiming[] = [];
  readonly segments: SegmentMark[] = [];
  /** The word heard now (see `wordIndexAt`), and each index it took, in order. */
  wordIndex = -1;
  readonly wordHistory: number[] = [];
  positionMs = 0;
  startedAt: number | null = null;
  lastTokenAt: number | null = null;
  firstAudioAt: number | null = null;
  playingAt: number | null = null;
  endedAt: number | null = null;
  cancel: CancelRecord | null = null;
  /** When the player was stopped by a barge-in. */
  stoppedAt: number | null = null;
  private serverDone = false;
  private readonly player: PcmPlayer;
  private tokenTimer: ReturnType<typeof setTimeout> | null = null;
  private positionTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly plan: TurnPlan,
    private readonly out: TurnOutput,
  ) {
    this.contextId = plan.contextId;
    const { format, sample_rate_hz } = plan.settings;
    this.player = new PcmPlayer(
      format,
      sample_rate_hz,
      out.ctx,
      Infinity,
      {
        onState: (s, detail) => this.onPlayback(s, detail),
        onDrop: () => undefined,
        onSamples: () => undefined,
      },
      out.destination,
    );
  }

  get active(): boolean {
    return this.phase === 'connecting' || this.phase === 'sending' || this.phase === 'speaking';
  }

  get fullText(): string {
    return this.plan.tokens.join('');
  }

  /** Opens the context with the first token, then sends one token per tick and `close`. */
  async start(): Promise<void> {
    const [first, ...rest] = this.plan.tokens;
    try {
      await this.out.send({ type: 'speak', context_id: this.contextId, text: first ?? '', ...this.plan.settings });
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
      return;
    }
    if (!this.active) return;
    const t0 = performance.now();
    this.startedAt = t0;
    this.recordToken(first ?? '', t0);
    this.phase = 'sending';
    this.positionTimer = setInterval(() => this.pollPosition(), POSITION_POLL_MS);
    const step = 1000 / this.plan.tokensPerSecond;
    let i = 0;
    const tick = () => {
      this.tokenTimer = null;
      if (!this.active) return;
      const token = rest[i++];
      if (token === undefined) {
        void this.out.send({ type: 'close', context_id: this.contextId });
        this.phase = 'speaking';
        this.out.changed(true);
        return;
      }
      void this.out.send({ type: 'speak', context_id: this.contextId, text: token });
      this.recordToken(token, performance.now());
      this.tokenTimer = setTimeout(tick, Math.max(0, t0 + (i + 1) * step - performance.now()));
    };
    this.tokenTimer = setTimeout(tick, step);
    this.out.changed(true);
  }

  onAudio(bytes: Uint8Array): void {
    if (!this.active) return;
    const now = performance.now();
    this.firstAudioAt ??= now;
    this.audio.push({ at: now, bytes: bytes.length });
    this.player.push(bytes);
    this.out.changed();
  }

  onWords(words: WordTiming[]): void {
    this.words = mergeWords(this.words, words);
    this.out.changed();
  }

  onDone(): void {
    this.serverDone = true;
    this.player.end();
    this.out.changed();
  }

  onError(message: string): void {
    this.fail(message);
  }

  /** Barge-in, page side: silence now, stop sending, forget what waits. Returns the position cut at, ms. */
  silence(): number {
    const positionMs = this.heardPositionMs();
    this.player.stop();
    this.stoppedAt = performance.now();
    this.positionMs = positionMs;
    this.phase = 'cancelled';
    this.playback = 'stopped';
    this.stopTimers();
    this.out.changed(true);
    return positionMs;
  }

  /** Stops everything without a barge-in (the page went away). */
  dispose(): void {
    this.stopTimers();
    this.player.stop();
  }

  /** Position heard by the listener: the player's position less the output latency, ms. */
  heardPositionMs(): number {
    const latency = this.out.ctx.outputLatency || this.out.ctx.baseLatency || 0;
    return Math.max(0, (this.player.position() - latency) * 1000);
  }

  /** A `cache` frame: the sentence at UTF-8 bytes `start..end` of the text sent. */
  onCache(hit: boolean, start: number, end: number, at: number): void {
    const bytes = new TextEncoder().encode(this.sentText);
    const text = new TextDecoder().decode(bytes.slice(start, end)).trim();
    // The token that completed the sentence: the first whose end reaches `end`.
    let sent = 0;
    let completedAt: number | null = null;
    for (const t of this.tokens) {
      sent += new TextEncoder().encode(t.text).length;
      if (sent >= end) {
        completedAt = t.at;
        break;
      }
    }
    this.segments.push({ hit, text, at, afterTextMs: completedAt === null ? null : at - completedAt });
    this.out.changed();
  }

  private recordToken(text: string, at: number): void {
    this.sentText += text;
    this.tokens.push({ at, text });
    this.lastTokenAt = at;
    this.out.changed();
  }

  private onPlayback(state: PlaybackState, detail?: string): void {
    if (this.phase === 'cancelled') return;
    this.playback = state;
    const now = performance.now();
    if (state === 'playing') this.playingAt ??= now;
    if (state === 'ended') {
      this.endedAt = now;
      // At the end everything has been heard: the last word is lit.
      this.setPosition(this.player.position() * 1000, now);
      if (this.serverDone) this.phase = 'done';
      this.stopTimers();
    }
    if (state === 'failed') this.fail(detail ?? 'playback failed');
    this.out.changed(true);
  }

  private pollPosition(): void {
    if (this.playingAt === null) return;
    this.setPosition(this.heardPositionMs(), performance.now());
  }

  private setPosition(ms: number, now: number): void {
    this.positionMs = ms;
    addHeardSample(this.heard, { at: now, position: ms / 1000 });
    const index = wordIndexAt(this.words, ms);
    if (index !== this.wordIndex) {
      this.wordIndex = index;
      this.wordHistory.push(index);
      this.out.changed(true);
    } else {
      this.out.changed();
    }
  }

  private fail(message: string): void {
    if (!this.active) return;
    this.error = message;
    this.phase = 'failed';
    this.stopTimers();
    this.player.stop();
    this.out.changed(true);
  }

  private stopTimers(): void {
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
    if (this.positionTimer) clearInterval(this.positionTimer);
    this.tokenTimer = this.positionTimer = null;
  }
}
