import { describe, expect, it } from 'vitest';
import { buildWav, parseWavHeader } from './wav';

/** The gateway's streaming header: 44 bytes, sizes 0xFFFFFFFF. */
function streamingHeader(rate: number): Uint8Array {
  const h = buildWav(new Uint8Array(0), rate);
  const v = new DataView(h.buffer);
  v.setUint32(4, 0xffffffff, true);
  v.setUint32(40, 0xffffffff, true);
  return h;
}

describe('parseWavHeader', () => {
  it('reads a canonical 44-byte header', () => {
    const r = parseWavHeader(buildWav(new Uint8Array(10), 22050));
    expect(r).toEqual({
      status: 'ok',
      info: { formatTag: 1, channels: 1, sampleRate: 22050, bitsPerSample: 16, dataOffset: 44, dataLength: 10 },
    });
  });
  it('reads a streaming header of unknown length', () => {
    const r = parseWavHeader(streamingHeader(16000));
    expect(r.status === 'ok' && r.info.dataLength).toBeNull();
  });
  it('asks for more bytes when the header is cut', () => {
    expect(parseWavHeader(streamingHeader(16000).subarray(0, 30)).status).toBe('need-more');
    expect(parseWavHeader(new Uint8Array(4)).status).toBe('need-more');
  });
  it('skips chunks between fmt and data', () => {
    const base = buildWav(new Uint8Array(4), 8000);
    const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 1, 2, 3, 0]); // "LIST", odd size + pad
    const wav = new Uint8Array(base.length + list.length);
    wav.set(base.subarray(0, 36));
    wav.set(list, 36);
    wav.set(base.subarray(36), 36 + list.length);
    const r = parseWavHeader(wav);
    expect(r.status === 'ok' && r.info.dataOffset).toBe(44 + list.length);
  });
  it('rejects what is not RIFF/WAVE', () => {
    expect(parseWavHeader(new TextEncoder().encode('ID3\x03 this is an mp3')).status).toBe('invalid');
  });
});

describe('buildWav', () => {
  it('writes sizes and rates for a PCM16 mono file', () => {
    const wav = buildWav(new Uint8Array([1, 2, 3, 4]), 16000);
    const v = new DataView(wav.buffer);
    expect(wav.length).toBe(48);
    expect(v.getUint32(4, true)).toBe(40);
    expect(v.getUint32(24, true)).toBe(16000);
    expect(v.getUint32(28, true)).toBe(32000);
    expect(v.getUint32(40, true)).toBe(4);
    expect([...wav.subarray(44)]).toEqual([1, 2, 3, 4]);
  });
});
