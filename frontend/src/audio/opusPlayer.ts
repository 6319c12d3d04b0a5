// Live player for Ogg Opus. Chromium's MediaSource does not take Ogg, so the Ogg pages are
// demuxed here and each Opus packet goes to a WebCodecs AudioDecoder as it arrives; the
// decoded frames are trimmed to the stream's real extent (pre-skip at the start, the final
// granule position at the end: `opusTrim.ts`) and queued in the Web Audio jitter buffer
// without a bound on what waits (they are a file being played, not a live feed to keep close
// to the edge). Needs WebCodecs (a secure context: https or localhost); `createPlayer` falls
// back to ProgressivePlayer without it.

import { OggDemuxer, isOpusTags, opusPacketSamples, parseOpusHead, type OggPacket } from './ogg';
import { OpusTrimmer } from './opusTrim';
import type { PlayerEvents, StreamPlayer } from './player';
import { WebAudioScheduler, playerScheduler, type BufferState } from './scheduler';

export const OPUS_DECODER_CONFIG = { codec: 'opus', sampleRate: 48000, numberOfChannels: 1 } as const;

export async function webCodecsOpusSupported(): Promise<boolean> {
  if (typeof AudioDecoder === 'undefined') return false;
  try {
    return (await AudioDecoder.isConfigSupported({ ...OPUS_DECODER_CONFIG })).supported === true;
  } catch {
    return false;
  }
}

function audioDataToMono(data: AudioData): Float32Array {
  const frames = data.numberOfFrames;
  const channels = data.numberOfChannels;
  const out = new Float32Array(frames);
  const plane = new Float32Array(frames);
  for (let c = 0; c < channels; c++) {
    data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
    for (let i = 0; i < frames; i++) out[i] = (out[i] ?? 0) + (plane[i] ?? 0) / channels;
  }
  return out;
}

export class OpusPlayer implements StreamPlayer {
  readonly method = 'WebCodecs AudioDecoder (Opus packets from Ogg pages), live';
  readonly bufferLimitSeconds = null;
  readonly needsWaveformDecode = false;
  private readonly demux = new OggDemuxer();
  private readonly scheduler: WebAudioScheduler;
  private decoder: AudioDecoder | null = null;
  private trimmer: OpusTrimmer | null = null;
  private samples48k = 0;
  private failed = false;
  private stopped = false;

  constructor(ctx: AudioContext, private readonly events: PlayerEvents) {
    this.scheduler = playerScheduler(ctx, { maxPendingSeconds: Infinity }, events);
  }

  push(bytes: Uint8Array): void {
    if (this.stopped) return;
    for (const packet of this.demux.push(bytes)) this.onPacket(packet);
  }

  end(): void {
    const decoder = this.decoder;
    if (!decoder || this.failed) {
      this.scheduler.finish();
      return;
    }
    decoder
      .flush()
      .catch(() => undefined)
      .finally(() => this.scheduler.finish());
  }

  stop(): void {
    this.stopped = true;
    this.scheduler.stop();
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
  }

  position(): number {
    return this.scheduler.position();
  }

  buffer(): BufferState {
    return this.scheduler.state();
  }

  private onPacket({ data: packet, granule, eos }: OggPacket): void {
    if (this.failed) {
      this.events.onDrop(1, 'refused');
      return;
    }
    if (!this.decoder) {
      const head = parseOpusHead(packet);
      if (!head) {
        this.fail('the stream does not start with an OpusHead packet');
        return;
      }
      this.trimmer = new OpusTrimmer(head.preSkip);
      this.decoder = new AudioDecoder({
        output: (data) => this.onDecoded(data),
        error: (err) => this.fail(`Opus decoder error: ${err.message}`),
      });
      this.decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: head.channels, description: packet });
      return;
    }
    if (isOpusTags(packet)) return;
    const samples = opusPacketSamples(packet);
    this.trimmer?.packet(samples);
    if (eos) this.trimmer?.setFinalGranule(granule);
    try {
      this.decoder.decode(
        new EncodedAudioChunk({
          type: 'key',
          timestamp: Math.round((this.samples48k * 1e6) / 48000),
          duration: Math.round((samples * 1e6) / 48000),
          data: packet as Uint8Array<ArrayBuffer>,
        }),
      );
    } catch {
      this.events.onDrop(1, 'refused');
    }
    this.samples48k += samples;
  }

  private onDecoded(data: AudioData): void {
    try {
      if (this.stopped) return;
      const decoded = audioDataToMono(data);
      const mono = this.trimmer ? this.trimmer.trim(decoded, data.sampleRate) : decoded;
      if (mono.length === 0) return;
      this.events.onSamples(mono, data.sampleRate);
      this.scheduler.enqueue(mono, data.sampleRate);
    } catch {
      this.events.onDrop(1, 'refused');
    } finally {
      data.close();
    }
  }

  private fail(detail: string): void {
    if (this.failed) return;
    this.failed = true;
    this.events.onState('failed', detail);
  }
}
