// Live player for pcm16, wav, mulaw and alaw: decode each chunk to samples in JS and queue
// them in the Web Audio jitter buffer (2 s scheduled ahead, the rest waiting in JS up to the
// live buffer limit; a chunk over that limit is dropped and counted).

import { DEFAULT_MAX_LEAD_SECONDS } from './jitter';
import type { PlayerEvents, StreamPlayer } from './player';
import { createSampleDecoder, type SampleDecoder } from './sampleDecoders';
import { WebAudioScheduler, playerScheduler, type BufferState } from './scheduler';

export class PcmPlayer implements StreamPlayer {
  readonly method: string;
  readonly needsWaveformDecode = false;
  readonly bufferLimitSeconds: number | null;
  private decoder: SampleDecoder;
  private scheduler: WebAudioScheduler;
  private failed = false;
  private ended = false;

  constructor(
    format: string,
    sampleRate: number,
    ctx: AudioContext,
    maxPendingSeconds: number,
    private readonly events: PlayerEvents,
    destination?: AudioNode,
  ) {
    this.decoder = createSampleDecoder(format, sampleRate);
    this.bufferLimitSeconds = Number.isFinite(maxPendingSeconds) ? maxPendingSeconds : null;
    const what = format === 'pcm16' ? 'PCM' : format === 'wav' ? 'PCM from WAV' : `${format} decoded in JS`;
    const limit = Number.isFinite(maxPendingSeconds) ? `${maxPendingSeconds} s buffer limit` : 'no buffer limit';
    this.method = `Web Audio, live ${what}, ${DEFAULT_MAX_LEAD_SECONDS} s scheduled ahead, ${limit}`;
    this.scheduler = playerScheduler(ctx, { maxLeadSeconds: DEFAULT_MAX_LEAD_SECONDS, maxPendingSeconds }, events, destination);
  }

  push(bytes: Uint8Array): void {
    if (this.failed) {
      this.events.onDrop(1, 'refused');
      return;
    }
    let samples: Float32Array;
    try {
      samples = this.decoder.push(bytes);
    } catch (err) {
      this.failed = true;
      this.events.onDrop(1, 'refused');
      this.events.onState('failed', err instanceof Error ? err.message : String(err));
      return;
    }
    const rate = this.decoder.sampleRate;
    if (samples.length === 0 || rate === null) return;
    this.events.onSamples(samples, rate);
    if (!this.scheduler.enqueue(samples, rate)) this.events.onDrop(1, 'overflow');
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.failed) this.scheduler.finish();
  }

  stop(): void {
    this.scheduler.stop();
  }

  position(): number {
    return this.scheduler.position();
  }

  buffer(): BufferState {
    return this.scheduler.state();
  }
}
