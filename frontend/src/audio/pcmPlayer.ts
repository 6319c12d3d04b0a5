// Live player for pcm16, wav, mulaw and alaw: decode each chunk to samples in JS and queue
// them in the Web Audio jitter buffer (with its lead limit).

import type { PlayerEvents, StreamPlayer } from './player';
import { createSampleDecoder, type SampleDecoder } from './sampleDecoders';
import { WebAudioScheduler } from './scheduler';

export class PcmPlayer implements StreamPlayer {
  readonly method: string;
  readonly needsWaveformDecode = false;
  readonly leadLimitSeconds: number | null;
  private decoder: SampleDecoder;
  private scheduler: WebAudioScheduler;
  private failed = false;
  private ended = false;

  constructor(format: string, sampleRate: number, ctx: AudioContext, maxLeadSeconds: number, private readonly events: PlayerEvents) {
    this.decoder = createSampleDecoder(format, sampleRate);
    this.leadLimitSeconds = Number.isFinite(maxLeadSeconds) ? maxLeadSeconds : null;
    const limit = Number.isFinite(maxLeadSeconds) ? `, ${maxLeadSeconds} s lead limit` : '';
    this.method = `Web Audio, live ${format === 'pcm16' ? 'PCM' : format === 'wav' ? 'PCM from WAV' : `${format} decoded in JS`}${limit}`;
    this.scheduler = new WebAudioScheduler(ctx, maxLeadSeconds, {
      onStarted: () => events.onState('playing'),
      onDrained: () => events.onState('ended'),
    });
    events.onState('buffering');
  }

  push(bytes: Uint8Array): void {
    if (this.failed) {
      this.events.onDrop(1);
      return;
    }
    let samples: Float32Array;
    try {
      samples = this.decoder.push(bytes);
    } catch (err) {
      this.failed = true;
      this.events.onDrop(1);
      this.events.onState('failed', err instanceof Error ? err.message : String(err));
      return;
    }
    const rate = this.decoder.sampleRate;
    if (samples.length === 0 || rate === null) return;
    this.events.onSamples(samples, rate);
    if (!this.scheduler.enqueue(samples, rate)) this.events.onDrop(1);
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
}
