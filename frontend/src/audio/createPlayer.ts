// Builds the player for a session's format (see playbackMethod.ts for the choice).

import { audioContext } from './context';
import { MsePlayer } from './msePlayer';
import { OpusPlayer } from './opusPlayer';
import { PcmPlayer } from './pcmPlayer';
import { choosePlaybackMethod, detectCapabilities, MSE_TYPES } from './playbackMethod';
import type { PlayerEvents, StreamPlayer } from './player';
import { ProgressivePlayer } from './progressivePlayer';

export interface PlayerOptions {
  format: string;
  sampleRate: number;
  /** Live buffer limit of the PCM-like players: seconds of audio that may wait to be played before chunks are dropped (Infinity: none). */
  maxPendingSeconds: number;
}

/** A player for the format, or null if this browser cannot play it (the stream is still measured). */
export async function createPlayer(opts: PlayerOptions, events: PlayerEvents): Promise<StreamPlayer | null> {
  const caps = await detectCapabilities();
  const method = choosePlaybackMethod(opts.format, caps);
  switch (method) {
    case 'pcm':
      return new PcmPlayer(opts.format, opts.sampleRate, audioContext(), opts.maxPendingSeconds, events);
    case 'mse':
      return new MsePlayer(MSE_TYPES[opts.format] ?? '', events);
    case 'webcodecs-opus':
      return new OpusPlayer(audioContext(), events);
    case 'progressive':
      return new ProgressivePlayer(opts.format, audioContext(), events);
    case 'none':
      return null;
  }
}
