// Min/max peaks of the audio received, one pair per 10 ms whatever the sample rate, so the
// waveform canvas redraws in time proportional to the utterance, not to its samples.

export const PEAKS_PER_SECOND = 100;

export class WaveformPeaks {
  readonly min: number[] = [];
  readonly max: number[] = [];
  private bucketFill = 0;
  private bucketMin = Infinity;
  private bucketMax = -Infinity;

  add(samples: Float32Array, sampleRate: number): void {
    const perBucket = Math.max(1, Math.round(sampleRate / PEAKS_PER_SECOND));
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i] ?? 0;
      if (v < this.bucketMin) this.bucketMin = v;
      if (v > this.bucketMax) this.bucketMax = v;
      if (++this.bucketFill >= perBucket) this.flush();
    }
  }

  /** Closes the partial last bucket. */
  flush(): void {
    if (this.bucketFill === 0) return;
    this.min.push(this.bucketMin);
    this.max.push(this.bucketMax);
    this.bucketFill = 0;
    this.bucketMin = Infinity;
    this.bucketMax = -Infinity;
  }

  get seconds(): number {
    return this.min.length / PEAKS_PER_SECOND;
  }
}
