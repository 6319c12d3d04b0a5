// Cuts decoded Opus down to the samples the Ogg stream really holds (RFC 7845 §4.2, §4.5):
// the first `pre_skip` samples (at 48 kHz) of the decoded stream are encoder delay, and the
// granule position of the last page marks the end of the audio (the last packet is padded
// to a whole frame). Positions here are in 48 kHz samples of the decoded stream, pre-skip
// included, so the audio is [preSkip, finalGranule).
//
// Decoders differ on the start: Chromium's WebCodecs (and WebKit's) already drop pre-skip
// when the OpusHead is given as `description`, others may not. So the first decoded block is
// compared with the first packet's length: shorter means the decoder has dropped pre-skip
// itself (the output then starts at `preSkip`), as long means it has not (the output starts
// at 0 and pre-skip is cut here). This assumes a decoder that drops pre-skip drops all of it,
// and that pre-skip is not a whole number of packets (libopus: 312 samples).

export class OpusTrimmer {
  /** Position of the next decoded sample; null before the first block. */
  private pos: number | null = null;
  private firstPacket: number | null = null;
  private end = Infinity;

  constructor(readonly preSkip: number) {}

  /** Each audio packet sent to the decoder, in order, with its length in 48 kHz samples. */
  packet(samples48k: number): void {
    if (this.firstPacket === null) this.firstPacket = samples48k;
  }

  /** The granule position of the stream's last page. */
  setFinalGranule(granule: number): void {
    if (granule >= 0) this.end = granule;
  }

  /** The part of the next decoded block (mono samples at `sampleRate`) that is audio. */
  trim(samples: Float32Array, sampleRate: number): Float32Array {
    const per = 48000 / sampleRate;
    const length48 = samples.length * per;
    if (this.pos === null) {
      const decoderSkipped = this.preSkip > 0 && this.firstPacket !== null && length48 < this.firstPacket - per / 2;
      this.pos = decoderSkipped ? this.preSkip : 0;
    }
    const start = this.pos;
    this.pos += length48;
    const from = Math.max(0, Math.round((this.preSkip - start) / per));
    const to = Math.min(samples.length, Math.round((this.end - start) / per));
    if (from === 0 && to === samples.length) return samples;
    return to > from ? samples.subarray(from, to) : new Float32Array(0);
  }
}
