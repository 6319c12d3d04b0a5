// What every format's player offers the session: bytes in, in seq order; sound out; and
// a few facts for the page (state, playback drops, position, decoded samples for the
// waveform). Each player lives in its own file; `createPlayer` picks one.

export type PlaybackState = 'idle' | 'buffering' | 'playing' | 'ended' | 'stopped' | 'failed';

export interface PlayerEvents {
  onState(state: PlaybackState, detail?: string): void;
  /** `count` more chunks (or decoded blocks) were not played. */
  onDrop(count: number): void;
  /** Decoded mono samples, in order, for the waveform. */
  onSamples(samples: Float32Array, sampleRate: number): void;
}

export interface StreamPlayer {
  /** How the audio is played, in words: "Web Audio, live PCM". */
  readonly method: string;
  /** The next chunk of the stream's bytes. */
  push(bytes: Uint8Array): void;
  /** The stream ended normally (eos). */
  end(): void;
  /** Silence now and release resources. */
  stop(): void;
  /** Seconds heard so far. */
  position(): number;
  /** The live buffer limit in seconds if this player drops chunks over it, else null. */
  readonly leadLimitSeconds: number | null;
  /** True if the player produces no waveform samples itself (the session decodes the file at the end). */
  readonly needsWaveformDecode: boolean;
}
