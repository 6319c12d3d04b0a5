// Byte stream → Float32 mono samples, for the formats the browser plays through the live
// PCM path: pcm16, wav (header, then PCM16 or G.711), mulaw, alaw. All are pure and cheap,
// so the bytes of each chunk become playable samples as soon as they arrive.

import { decodeAlaw, decodeMulaw } from './g711';
import { downmix, int16ToFloat32, Pcm16Reader } from './pcm';
import { parseWavHeader, type WavInfo } from './wav';

export interface SampleDecoder {
  /** Samples decoded from this chunk (possibly none). Throws if the stream is not decodable. */
  push(bytes: Uint8Array): Float32Array;
  /** The rate of the samples; null until known (a WAV header not yet complete). */
  readonly sampleRate: number | null;
}

class Pcm16Decoder implements SampleDecoder {
  private reader = new Pcm16Reader();
  constructor(readonly sampleRate: number, private readonly channels = 1) {}
  push(bytes: Uint8Array): Float32Array {
    return downmix(this.reader.push(bytes), this.channels);
  }
}

class G711Decoder implements SampleDecoder {
  constructor(readonly sampleRate: number, private readonly law: 'mulaw' | 'alaw', private readonly channels = 1) {}
  push(bytes: Uint8Array): Float32Array {
    const pcm = this.law === 'mulaw' ? decodeMulaw(bytes) : decodeAlaw(bytes);
    return downmix(int16ToFloat32(pcm), this.channels);
  }
}

class WavDecoder implements SampleDecoder {
  private head: Uint8Array = new Uint8Array(0);
  private inner: SampleDecoder | null = null;

  get sampleRate(): number | null {
    return this.inner?.sampleRate ?? null;
  }

  push(bytes: Uint8Array): Float32Array {
    if (this.inner) return this.inner.push(bytes);
    const joined = new Uint8Array(this.head.length + bytes.length);
    joined.set(this.head);
    joined.set(bytes, this.head.length);
    const parsed = parseWavHeader(joined);
    if (parsed.status === 'need-more') {
      if (joined.length > 64 * 1024) throw new Error('WAV header not found in the first 64 KiB');
      this.head = joined;
      return new Float32Array(0);
    }
    if (parsed.status === 'invalid') throw new Error(`WAV: ${parsed.reason}`);
    this.inner = decoderForWav(parsed.info);
    this.head = new Uint8Array(0);
    return this.inner.push(joined.subarray(parsed.info.dataOffset));
  }
}

function decoderForWav(info: WavInfo): SampleDecoder {
  const { formatTag, bitsPerSample, sampleRate, channels } = info;
  if (formatTag === 1 && bitsPerSample === 16) return new Pcm16Decoder(sampleRate, channels);
  if (formatTag === 7 && bitsPerSample === 8) return new G711Decoder(sampleRate, 'mulaw', channels);
  if (formatTag === 6 && bitsPerSample === 8) return new G711Decoder(sampleRate, 'alaw', channels);
  throw new Error(`WAV encoding ${formatTag}/${bitsPerSample}-bit is not supported by the live player`);
}

/** Formats whose bytes this module turns into samples. */
export const LIVE_PCM_FORMATS = ['pcm16', 'wav', 'mulaw', 'alaw'] as const;

export function isLivePcmFormat(format: string): boolean {
  return (LIVE_PCM_FORMATS as readonly string[]).includes(format);
}

/** A decoder for `format` at `sampleRate` Hz (the WAV header's rate wins for wav). */
export function createSampleDecoder(format: string, sampleRate: number): SampleDecoder {
  switch (format) {
    case 'pcm16':
      return new Pcm16Decoder(sampleRate);
    case 'wav':
      return new WavDecoder();
    case 'mulaw':
      return new G711Decoder(sampleRate, 'mulaw');
    case 'alaw':
      return new G711Decoder(sampleRate, 'alaw');
    default:
      throw new Error(`no live PCM decoder for ${format}`);
  }
}
