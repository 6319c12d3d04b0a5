// The fallback for a coded format the browser can decode as a file but not stream (FLAC,
// AAC without MSE, Opus without WebCodecs): every half second the bytes received so far
// are decoded whole with decodeAudioData, and the samples beyond those already queued are
// played. The last 100 ms of a partial decode are held back (the last frame may be cut);
// the final decode at end of stream plays everything. Quadratic in the stream's length,
// which is fine for utterances of a few seconds to a minute.

import type { PlayerEvents, StreamPlayer } from './player';
import { WebAudioScheduler, playerScheduler, type BufferState } from './scheduler';

const INTERVAL_MS = 500;
const HOLD_BACK_SECONDS = 0.1;

export class ProgressivePlayer implements StreamPlayer {
  readonly method: string;
  readonly bufferLimitSeconds = null;
  readonly needsWaveformDecode = false;
  private readonly scheduler: WebAudioScheduler;
  private parts: Uint8Array[] = [];
  private total = 0;
  private decodedBytes = 0;
  private queuedFrames = 0;
  private decoding = false;
  private ended = false;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(format: string, private readonly ctx: AudioContext, private readonly events: PlayerEvents) {
    this.method = `decodeAudioData on the ${format} received so far, every ${INTERVAL_MS} ms`;
    this.scheduler = playerScheduler(ctx, { maxPendingSeconds: Infinity }, events);
  }

  push(bytes: Uint8Array): void {
    if (this.stopped) return;
    this.parts.push(bytes);
    this.total += bytes.length;
    if (!this.timer && !this.decoding) this.timer = setTimeout(() => void this.decode(), INTERVAL_MS);
  }

  end(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.decoding) void this.decode();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.scheduler.stop();
  }

  position(): number {
    return this.scheduler.position();
  }

  buffer(): BufferState {
    return this.scheduler.state();
  }

  private async decode(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    const final = this.ended;
    if (this.total === this.decodedBytes && !final) return;
    this.decoding = true;
    const bytes = new Uint8Array(this.total);
    let at = 0;
    for (const p of this.parts) {
      bytes.set(p, at);
      at += p.length;
    }
    this.decodedBytes = this.total;
    try {
      const buffer = await this.ctx.decodeAudioData(bytes.buffer);
      if (!this.stopped) this.queueNew(buffer, final);
    } catch (err) {
      if (final && !this.stopped) {
        this.events.onState('failed', `the browser could not decode the stream (${err instanceof Error ? err.message : String(err)})`);
      }
    } finally {
      this.decoding = false;
    }
    if (this.stopped) return;
    if (final) {
      this.scheduler.finish();
    } else if (this.ended) {
      void this.decode();
    } else if (this.total > this.decodedBytes) {
      this.timer = setTimeout(() => void this.decode(), INTERVAL_MS);
    }
  }

  private queueNew(buffer: AudioBuffer, final: boolean): void {
    const hold = final ? 0 : Math.round(HOLD_BACK_SECONDS * buffer.sampleRate);
    const usable = buffer.length - hold;
    if (usable <= this.queuedFrames) return;
    const mono = new Float32Array(usable - this.queuedFrames);
    for (let c = 0; c < buffer.numberOfChannels; c++) {
      const data = buffer.getChannelData(c).subarray(this.queuedFrames, usable);
      for (let i = 0; i < mono.length; i++) mono[i] = (mono[i] ?? 0) + (data[i] ?? 0) / buffer.numberOfChannels;
    }
    this.queuedFrames = usable;
    this.events.onSamples(mono, buffer.sampleRate);
    this.scheduler.enqueue(mono, buffer.sampleRate);
  }
}
