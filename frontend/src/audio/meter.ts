// An output meter between a player and the speakers: an AnalyserNode sampled on a short
// timer, remembering (by the page clock) when sound last came out. The agent panel shows it
// as a level, and it lets a test check that a barge-in really silenced the output, not just
// that a flag was set.

/** Peak amplitude under which the output counts as silent. */
const SILENCE = 1e-4;
const POLL_MS = 10;

export class OutputMeter {
  /** Connect players here; it passes everything on to the speakers. */
  readonly input: AudioNode;
  /** Page time (performance.now) of the last poll that saw sound; null if none yet. */
  lastSoundAt: number | null = null;
  /** Peak amplitude of the last poll, 0..1. */
  level = 0;
  private readonly analyser: AnalyserNode;
  private readonly data: Float32Array<ArrayBuffer>;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(ctx: AudioContext) {
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 512;
    this.data = new Float32Array(this.analyser.fftSize);
    this.analyser.connect(ctx.destination);
    this.input = this.analyser;
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  private poll(): void {
    this.analyser.getFloatTimeDomainData(this.data);
    let peak = 0;
    for (const v of this.data) peak = Math.max(peak, Math.abs(v));
    this.level = peak;
    if (peak > SILENCE) this.lastSoundAt = performance.now();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.analyser.disconnect();
  }
}
