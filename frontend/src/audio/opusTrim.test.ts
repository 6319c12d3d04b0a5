import { describe, expect, it } from 'vitest';
import { OpusTrimmer } from './opusTrim';

/** The decoded stream as blocks of 960 samples (20 ms at 48 kHz), numbered 0, 1, 2… */
function blocks(count: number, size = 960, skipFirst = 0): Float32Array[] {
  let v = skipFirst;
  return Array.from({ length: count }, (_, i) => Float32Array.from({ length: i === 0 ? size - skipFirst : size }, () => v++));
}

function run(trimmer: OpusTrimmer, decoded: Float32Array[], rate = 48000): number[] {
  return decoded.flatMap((b) => Array.from(trimmer.trim(b, rate)));
}

// The gateway's stream for 1.1 s of audio: pre-skip 312, 56 packets of 960, final granule 53112.
const PRE_SKIP = 312;
const PACKETS = 56;
const FINAL_GRANULE = 53112;

describe('OpusTrimmer', () => {
  it('cuts pre-skip and the end padding when the decoder does neither', () => {
    const t = new OpusTrimmer(PRE_SKIP);
    for (let i = 0; i < PACKETS; i++) t.packet(960);
    t.setFinalGranule(FINAL_GRANULE);
    const out = run(t, blocks(PACKETS));
    expect(out.length).toBe(FINAL_GRANULE - PRE_SKIP); // 52800 = 1.1 s
    expect(out[0]).toBe(PRE_SKIP);
    expect(out.at(-1)).toBe(FINAL_GRANULE - 1);
  });

  it('cuts only the end when the decoder already dropped pre-skip (Chromium)', () => {
    const t = new OpusTrimmer(PRE_SKIP);
    for (let i = 0; i < PACKETS; i++) t.packet(960);
    t.setFinalGranule(FINAL_GRANULE);
    // Chromium's first output block is 960 - 312 = 648 samples long.
    const out = run(t, blocks(PACKETS, 960, PRE_SKIP));
    expect(out.length).toBe(FINAL_GRANULE - PRE_SKIP);
    expect(out[0]).toBe(PRE_SKIP);
    expect(out.at(-1)).toBe(FINAL_GRANULE - 1);
  });

  it('cuts pre-skip that spans several blocks', () => {
    const t = new OpusTrimmer(2000);
    t.packet(960);
    const out = run(t, blocks(4));
    expect(out.length).toBe(4 * 960 - 2000);
    expect(out[0]).toBe(2000);
  });

  it('works at another output rate', () => {
    const t = new OpusTrimmer(PRE_SKIP);
    t.packet(960);
    t.setFinalGranule(PRE_SKIP + 3 * 960 - 480);
    // 24 kHz output: 480 samples a block, pre-skip 156, padding 240.
    const out = run(t, blocks(4, 480), 24000);
    expect(out.length).toBe((3 * 960 - 480) / 2);
    expect(out[0]).toBe(156);
  });

  it('keeps everything without an end and with no pre-skip', () => {
    const t = new OpusTrimmer(0);
    t.packet(960);
    const out = run(t, blocks(3));
    expect(out.length).toBe(3 * 960);
  });

  it('returns whole blocks untouched and drops blocks past the end', () => {
    const t = new OpusTrimmer(PRE_SKIP);
    t.packet(960);
    t.setFinalGranule(960 * 2);
    const b = blocks(4);
    expect(t.trim(b[0]!, 48000).length).toBe(960 - PRE_SKIP);
    expect(t.trim(b[1]!, 48000)).toBe(b[1]);
    expect(t.trim(b[2]!, 48000).length).toBe(0);
  });
});
