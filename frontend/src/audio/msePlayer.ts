// Live player for byte-stream formats the browser's MediaSource accepts (Chromium: mp3 as
// `audio/mpeg`, AAC ADTS as `audio/aac`). Chunks are appended as they arrive, split at any
// byte (MSE's byte-stream parsers handle partial frames); playback starts after the first
// append and `endOfStream()` follows the last one.

import type { PlayerEvents, StreamPlayer } from './player';

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

  constructor(private readonly mime: string, private readonly events: PlayerEvents) {
    this.method = `MediaSource (${mime}), live`;
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
    this.pump();
  }

  private pump(): void {
    const sb = this.sourceBuffer;
    if (!sb || sb.updating || this.stopped || this.mediaSource.readyState !== 'open') return;
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
