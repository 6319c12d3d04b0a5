import { describe, expect, it } from 'vitest';
import { decodeAlaw, decodeMulaw } from './g711';

// Reference values from Python's audioop.ulaw2lin / alaw2lin (the ITU-T tables).
const all = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('µ-law', () => {
  const pcm = decodeMulaw(all);
  it('matches the reference table', () => {
    expect([...pcm.subarray(0, 8)]).toEqual([-32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956]);
    expect(pcm[0x80]).toBe(32124);
    expect(pcm[0xff]).toBe(0);
    expect(pcm[0x7f]).toBe(0);
    expect(pcm.reduce((a, b) => a + b, 0)).toBe(0);
    expect(pcm.reduce((a, b) => a + Math.abs(b), 0)).toBe(1532928);
  });
});

describe('A-law', () => {
  const pcm = decodeAlaw(all);
  it('matches the reference table', () => {
    expect([...pcm.subarray(0, 8)]).toEqual([-5504, -5248, -6016, -5760, -4480, -4224, -4992, -4736]);
    expect(pcm[0xd5]).toBe(8);
    expect(pcm[0x55]).toBe(-8);
    expect(pcm[0xaa]).toBe(32256);
    expect(pcm[0x2a]).toBe(-32256);
    expect(pcm.reduce((a, b) => a + Math.abs(b), 0)).toBe(1564672);
  });
});
