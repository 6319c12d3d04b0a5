import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../api/base64';
import { downmix, float32ToPcm16le, Pcm16Reader, pcm16leToFloat32 } from './pcm';

describe('base64', () => {
  it('decodes to bytes and back', () => {
    const bytes = base64ToBytes('AAH/f4CA');
    expect([...bytes]).toEqual([0x00, 0x01, 0xff, 0x7f, 0x80, 0x80]);
    expect(bytesToBase64(bytes)).toBe('AAH/f4CA');
  });
  it('throws on characters outside the alphabet', () => {
    expect(() => base64ToBytes('@@@@')).toThrow();
  });
  it('handles large buffers', () => {
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
    expect(base64ToBytes(bytesToBase64(big))).toEqual(big);
  });
});

describe('PCM16 conversion', () => {
  it('reads little-endian signed samples', () => {
    const f = pcm16leToFloat32(new Uint8Array([0x00, 0x00, 0xff, 0x7f, 0x00, 0x80, 0xff, 0xff]));
    expect([...f]).toEqual([0, 32767 / 32768, -1, -1 / 32768]);
  });
  it('round-trips through Float32', () => {
    const bytes = new Uint8Array([0x34, 0x12, 0xcc, 0xed, 0xff, 0x7f, 0x00, 0x80]);
    expect(float32ToPcm16le(pcm16leToFloat32(bytes))).toEqual(bytes);
  });
  it('reads a subarray at an odd offset of its buffer', () => {
    const buf = new Uint8Array([9, 0x00, 0x40]);
    expect([...pcm16leToFloat32(buf.subarray(1))]).toEqual([0.5]);
  });
  it('carries a split sample over to the next chunk', () => {
    const r = new Pcm16Reader();
    expect([...r.push(new Uint8Array([0x00, 0x40, 0x00]))]).toEqual([0.5]);
    expect([...r.push(new Uint8Array([0xc0]))]).toEqual([-0.5]);
    expect([...r.push(new Uint8Array([]))]).toEqual([]);
  });
  it('downmixes interleaved stereo', () => {
    expect([...downmix(new Float32Array([1, 0, 0.5, 0.5]), 2)]).toEqual([0.5, 0.5]);
  });
});
