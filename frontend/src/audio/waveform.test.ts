import { describe, expect, it } from 'vitest';
import { WaveformPeaks } from './waveform';

describe('WaveformPeaks', () => {
  it('keeps one min/max pair per 10 ms at any rate', () => {
    const p = new WaveformPeaks();
    const s = new Float32Array(1600).map((_, i) => (i === 5 ? 0.9 : i === 200 ? -0.4 : 0));
    p.add(s, 16000);
    expect(p.min.length).toBe(10);
    expect(p.max[0]).toBeCloseTo(0.9);
    expect(p.min[1]).toBeCloseTo(-0.4);
    expect(p.seconds).toBeCloseTo(0.1);
  });
  it('carries a partial bucket across blocks and flushes it at the end', () => {
    const p = new WaveformPeaks();
    p.add(new Float32Array(100), 16000);
    p.add(new Float32Array(100), 16000);
    expect(p.min.length).toBe(1);
    p.flush();
    expect(p.min.length).toBe(2);
  });
});
