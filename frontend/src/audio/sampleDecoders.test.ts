import { describe, expect, it } from 'vitest';
import { createSampleDecoder } from './sampleDecoders';
import { buildWav } from './wav';

describe('createSampleDecoder', () => {
  it('wav: waits for the header, then uses its rate and plays the PCM after it', () => {
    const file = buildWav(new Uint8Array([0x00, 0x40, 0x00, 0xc0]), 22050);
    const d = createSampleDecoder('wav', 16000);
    expect(d.push(file.subarray(0, 20)).length).toBe(0);
    expect(d.sampleRate).toBeNull();
    expect([...d.push(file.subarray(20, 46))]).toEqual([0.5]);
    expect(d.sampleRate).toBe(22050);
    expect([...d.push(file.subarray(46, 47))]).toEqual([]);
    expect([...d.push(file.subarray(47))]).toEqual([-0.5]);
  });
  it('wav: refuses a stream that is not WAV', () => {
    const d = createSampleDecoder('wav', 16000);
    expect(() => d.push(new TextEncoder().encode('ID3 not a wave file at all'))).toThrow(/RIFF/);
  });
  it('mulaw and alaw decode byte by byte at the requested rate', () => {
    const mu = createSampleDecoder('mulaw', 8000);
    expect(mu.sampleRate).toBe(8000);
    expect([...mu.push(new Uint8Array([0xff, 0x80]))]).toEqual([0, 32124 / 32768]);
    const a = createSampleDecoder('alaw', 8000);
    expect([...a.push(new Uint8Array([0xd5]))]).toEqual([8 / 32768]);
  });
  it('has no decoder for coded formats', () => {
    expect(() => createSampleDecoder('mp3', 16000)).toThrow();
  });
});
