// Live player for Ogg Opus. Chromium's MediaSource does not take Ogg, so the Ogg pages are
// demuxed here and each Opus packet goes to a WebCodecs AudioDecoder as it arrives; the
// decoded frames are queued in the Web Audio scheduler without a lead limit (they are a
// file being played, not a live feed to keep close to the edge). Needs WebCodecs (a secure
// context: https or localhost); `createPlayer` falls back to ProgressivePlayer without it.

import { OggDemuxer, isOpusTags, opusPacketSamples, parseOpusHead } from './ogg';
import type { PlayerEvents, StreamPlayer } from './player';
import { WebAudioScheduler } from './scheduler';

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
  readonly leadLimitSeconds = null;
  readonly needsWaveformDecode = false;
  private readonly demux = new OggDemuxer();
  private readonly scheduler: WebAudioScheduler;
  private decoder: AudioDecoder | null = null;
  private samples48k = 0;
  private failed = false;
  private stopped = false;

  constructor(ctx: AudioContext, private readonly events: PlayerEvents) {
    this.scheduler = new WebAudioScheduler(ctx, Infinity, {
      onStarted: () => events.onState('playing'),
      onDrained: () => events.onState('ended'),
    });
    events.onState('buffering');
  }

  push(bytes: Uint8Array): void {
    if (this.stopped) return;
    for (const packet of this.demux.push(bytes)) this.onPacket(packet.data);
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

  private onPacket(packet: Uint8Array): void {
    if (this.failed) {
      this.events.onDrop(1);
      return;
    }
    if (!this.decoder) {
      const head = parseOpusHead(packet);
      if (!head) {
        this.fail('the stream does not start with an OpusHead packet');
        return;
      }
      this.decoder = new AudioDecoder({
        output: (data) => this.onDecoded(data),
        error: (err) => this.fail(`Opus decoder error: ${err.message}`),
      });
      this.decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: head.channels, description: packet });
      return;
    }
    if (isOpusTags(packet)) return;
    const samples = opusPacketSamples(packet);
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
      this.events.onDrop(1);
    }
    this.samples48k += samples;
  }

  private onDecoded(data: AudioData): void {
    try {
      if (this.stopped) return;
      const mono = audioDataToMono(data);
      this.events.onSamples(mono, data.sampleRate);
      if (!this.scheduler.enqueue(mono, data.sampleRate)) this.events.onDrop(1);
    } catch {
      this.events.onDrop(1);
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
