// What every format's player offers the session: bytes in, in seq order; sound out; and
// a few facts for the page (state, playback drops, position, decoded samples for the
// waveform). Each player lives in its own file; `createPlayer` picks one.

import type { BufferState } from './scheduler';

export type PlaybackState = 'idle' | 'buffering' | 'playing' | 'ended' | 'stopped' | 'failed';

/** Why audio was not played: the live buffer was full, or the player could not take it. */
export type DropCause = 'overflow' | 'refused';

export interface PlayerEvents {
  onState(state: PlaybackState, detail?: string): void;
  /** `count` more chunks (or decoded blocks) were not played. */
  onDrop(count: number, cause: DropCause): void;
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
  /** The live buffer limit (seconds of audio waiting to be played) over which this player drops chunks, or null if it has none. */
  readonly bufferLimitSeconds: number | null;
  /** The Web Audio jitter buffer's state, for players that use one. */
  buffer(): BufferState | null;
  /** True if the player produces no waveform samples itself (the session decodes the file at the end). */
  readonly needsWaveformDecode: boolean;
}
