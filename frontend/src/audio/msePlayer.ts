// Live player for byte-stream formats the browser's MediaSource accepts (Chromium: mp3 as
// `audio/mpeg`, AAC ADTS as `audio/aac`). Chunks are appended as they arrive, split at any
// byte (MSE's byte-stream parsers handle partial frames); playback starts after the first
// append and `endOfStream()` follows the last one.
//
// mp3 is trimmed as a gapless decoder would: the stream's first frame is an Info frame
// with LAME's encoder delay (a whole file's also has the padding and frame count), which
// Chromium's MSE parser skips without applying. Before the first append the player moves
// the timeline back by the delay (`timestampOffset`) and drops what falls before zero
// (`appendWindowStart`; Chromium trims inside an audio frame), and, when the length is
// known, after the end (`appendWindowEnd`). AAC in ADTS says nothing of its priming, but
// the gateway's encoder always primes with one frame (1024 samples): that is trimmed the
// same way; its padding (under a frame) stays.

import { aacPrimingSeconds, MP3_INFO_BYTES, parseMp3Gapless, trimSeconds } from './mp3Gapless';
import type { PlayerEvents, StreamPlayer } from './player';

declare global {
  interface Window {
    /** The last MSE stream's length once ended, and what was trimmed (for the e2e tests). */
    __msePlayed?: { seconds: number; trimStart: number; trimEnd: number | null };
  }
}

export class MsePlayer implements StreamPlayer {
  readonly method: string;
  readonly bufferLimitSeconds = null;
  readonly needsWaveformDecode = true;
  private readonly audio: HTMLAudioElement;
  private readonly mediaSource = new MediaSource();
  private readonly objectUrl: string;
  private sourceBuffer: SourceBuffer | null = null;
  private queue: Uint8Array[] = [];
  private ended = false;
  private stopped = false;
  private playRequested = false;
  /** mp3: the head is read for its gapless information before the first append. */
  private headRead: boolean;
  private trim: { start: number; end: number | null } = { start: 0, end: null };

  constructor(private readonly mime: string, private readonly events: PlayerEvents) {
    this.method = `MediaSource (${mime}), live`;
    this.headRead = mime !== 'audio/mpeg' && mime !== 'audio/aac';
    this.audio = new Audio();
    this.audio.preload = 'auto';
    this.objectUrl = URL.createObjectURL(this.mediaSource);
    this.audio.src = this.objectUrl;
    this.mediaSource.addEventListener('sourceopen', () => this.onSourceOpen(), { once: true });
    this.audio.addEventListener('playing', () => events.onState('playing'));
    this.audio.addEventListener('ended', () => events.onState('ended'));
    this.audio.addEventListener('error', () => {
      if (!this.stopped) events.onState('failed', this.audio.error?.message || 'the media element could not decode the stream');
    });
    events.onState('buffering');
  }

  push(bytes: Uint8Array): void {
    if (this.stopped) return;
    this.queue.push(bytes);
    this.pump();
  }

  end(): void {
    this.ended = true;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load();
    URL.revokeObjectURL(this.objectUrl);
  }

  buffer(): null {
    return null;
  }

  position(): number {
    return this.audio.currentTime;
  }

  private onSourceOpen(): void {
    try {
      this.sourceBuffer = this.mediaSource.addSourceBuffer(this.mime);
      this.sourceBuffer.mode = 'sequence';
    } catch (err) {
      this.events.onState('failed', `MediaSource refused ${this.mime}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.sourceBuffer.addEventListener('updateend', () => this.pump());
    this.sourceBuffer.addEventListener('error', () => this.events.onDrop(1, 'refused'));
    this.mediaSource.addEventListener('sourceended', () => {
      window.__msePlayed = { seconds: this.mediaSource.duration, trimStart: this.trim.start, trimEnd: this.trim.end };
    });
    this.pump();
  }

  /** Reads the mp3 head once enough of it is queued; false while more is needed. */
  private readHead(sb: SourceBuffer): boolean {
    if (this.headRead) return true;
    const queued = this.queue.reduce((n, b) => n + b.length, 0);
    if (queued < MP3_INFO_BYTES && !this.ended) return false;
    this.headRead = true;
    const head = new Uint8Array(Math.min(queued, MP3_INFO_BYTES * 4));
    let at = 0;
    for (const b of this.queue) {
      if (at >= head.length) break;
      const part = b.subarray(0, head.length - at);
      head.set(part, at);
      at += part.length;
    }
    const trim = this.trimOf(head);
    if (!trim) return true;
    try {
      sb.timestampOffset = -trim.start;
      sb.appendWindowStart = 0;
      if (trim.end !== null) sb.appendWindowEnd = trim.end;
      this.trim = trim;
    } catch {
      // A browser that refuses the window plays the padding, as before.
    }
    return true;
  }

  /** What to trim, from the head of the stream; null when it says nothing. */
  private trimOf(head: Uint8Array): { start: number; end: number | null } | null {
    if (this.mime === 'audio/aac') {
      const start = aacPrimingSeconds(head);
      return start === null ? null : { start, end: null };
    }
    const gapless = parseMp3Gapless(head);
    return gapless ? trimSeconds(gapless) : null;
  }

  private pump(): void {
    const sb = this.sourceBuffer;
    if (!sb || sb.updating || this.stopped || this.mediaSource.readyState !== 'open') return;
    if (!this.readHead(sb)) return;
    const next = this.queue.shift();
    if (next) {
      try {
        sb.appendBuffer(next as Uint8Array<ArrayBuffer>);
      } catch {
        // QuotaExceeded or a decode error: the chunk is lost for playback.
        this.events.onDrop(1, 'refused');
        queueMicrotask(() => this.pump());
        return;
      }
      this.startPlayback();
      return;
    }
    if (this.ended) {
      try {
        this.mediaSource.endOfStream();
      } catch {
        // Already ended or closed.
      }
    }
  }

  private startPlayback(): void {
    if (this.playRequested) return;
    this.playRequested = true;
    this.audio.play().catch((err: unknown) => {
      if (this.stopped) return;
      const name = err instanceof Error ? err.name : '';
      this.events.onState('failed', name === 'NotAllowedError' ? 'the browser blocked autoplay; press Start again' : String(err));
    });
  }
}
