// RIFF/WAVE: reading the header of a streamed file, and wrapping PCM16 for download.
// A streamed WAV does not know its length when the header leaves, so the gateway writes
// 0xFFFFFFFF sizes; `dataLength` is then null and the data runs to the end of the stream.

export interface WavInfo {
  /** 1 = PCM, 3 = IEEE float, 6 = A-law, 7 = µ-law. */
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Offset of the first sample byte. */
  dataOffset: number;
  /** Byte length of the data chunk; null when unknown (streaming). */
  dataLength: number | null;
}

export type WavParse = { status: 'ok'; info: WavInfo } | { status: 'need-more' } | { status: 'invalid'; reason: string };

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

/** Parses the header from the first bytes of a WAV stream, walking chunks up to `data`. */
export function parseWavHeader(bytes: Uint8Array): WavParse {
  if (bytes.length < 12) return { status: 'need-more' };
  if (ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') return { status: 'invalid', reason: 'not a RIFF/WAVE stream' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataLength'> | null = null;
  while (at + 8 <= bytes.length) {
    const id = ascii(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'data') {
      if (!fmt) return { status: 'invalid', reason: 'data chunk before fmt chunk' };
      const dataLength = size === 0xffffffff || size === 0 ? null : size;
      return { status: 'ok', info: { ...fmt, dataOffset: body, dataLength } };
    }
    if (id === 'fmt ') {
      if (body + 16 > bytes.length) return { status: 'need-more' };
      fmt = {
        formatTag: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    }
    at = body + size + (size % 2);
  }
  return { status: 'need-more' };
}

/** A complete WAV file holding `pcm` (PCM16LE, interleaved if `channels` > 1). */
export function buildWav(pcm: Uint8Array, sampleRate: number, channels = 1): Uint8Array {
  const out = new Uint8Array(44 + pcm.length);
  const view = new DataView(out.buffer);
  const write = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  write(0, 'RIFF');
  view.setUint32(4, 36 + pcm.length, true);
  write(8, 'WAVE');
  write(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  write(36, 'data');
  view.setUint32(40, pcm.length, true);
  out.set(pcm, 44);
  return out;
}
