// PCM16 little-endian to Float32 in [-1, 1), and back. A stream may split a sample across
// two chunks (a WAV header of odd length, a proxy re-chunking bytes), so `Pcm16Reader`
// carries a dangling byte over to the next chunk instead of misaligning every sample after.

export function pcm16leToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

export function float32ToPcm16le(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] ?? 0));
    view.setInt16(i * 2, Math.min(32767, Math.round(v * 32768)), true);
  }
  return out;
}

/** Int16 samples (e.g. from G.711) to Float32. */
export function int16ToFloat32(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] ?? 0) / 32768;
  return out;
}

/** Averages interleaved channels into one. */
export function downmix(interleaved: Float32Array, channels: number): Float32Array {
  if (channels <= 1) return interleaved;
  const frames = Math.floor(interleaved.length / channels);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[f * channels + c] ?? 0;
    out[f] = sum / channels;
  }
  return out;
}

/** Reads PCM16LE from a byte stream split at arbitrary points. */
export class Pcm16Reader {
  private carry: number | null = null;

  push(chunk: Uint8Array): Float32Array {
    let bytes = chunk;
    if (this.carry !== null) {
      bytes = new Uint8Array(chunk.length + 1);
      bytes[0] = this.carry;
      bytes.set(chunk, 1);
      this.carry = null;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1] ?? 0;
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    return pcm16leToFloat32(bytes);
  }
}
