// The session's status and playback in words, for the aria-live status line.

import { describeFailure } from '../api/errors';
import type { SessionSnapshot } from './sessionRun';

export function describeStatus(s: SessionSnapshot): string {
  switch (s.phase) {
    case 'idle':
      return 'Ready. Choose a voice and press Start.';
    case 'creating':
      return 'Creating the session…';
    case 'streaming':
      return s.chunks === 0 ? 'Connected; waiting for the first audio…' : `Streaming: ${s.chunks} chunks received so far.`;
    case 'completed':
      return `Completed: ${s.chunks} chunks received${s.streamMs !== null ? ` in ${(s.streamMs / 1000).toFixed(2)} s` : ''}.`;
    case 'failed':
      return s.failure ? describeFailure(s.failure) : 'Failed.';
    case 'stopped':
      return 'Stopped.';
  }
}

export function describePlayback(s: SessionSnapshot): string {
  const at = `${s.position.toFixed(1)} s`;
  switch (s.playback) {
    case 'idle':
      return 'Not playing.';
    case 'buffering':
      return 'Waiting for enough audio to play…';
    case 'playing':
      return `Playing (${at}).`;
    case 'ended':
      return `Played to the end (${at}).`;
    case 'stopped':
      return `Stopped at ${at}.`;
    case 'failed':
      return `Playback failed: ${s.playbackDetail ?? 'unknown error'}.`;
    case 'unsupported':
      return 'Not played: this browser cannot play this format.';
  }
}

/** Why audio was skipped, and what to do about it; null when nothing was skipped. */
export function describeDrops(s: SessionSnapshot): string | null {
  const overflow = s.overflowDrops;
  const refused = s.playbackDrops - overflow;
  const chunks = (n: number) => (n === 1 ? '1 chunk was' : `${n} chunks were`);
  const parts: string[] = [];
  if (overflow > 0) {
    const limit = s.bufferLimitSeconds !== null ? `${s.bufferLimitSeconds} s` : 'the limit';
    parts.push(
      `${chunks(overflow)} not played: the live buffer was full (more than ${limit} of audio waiting to play). ` +
        'Raise the live buffer limit under Advanced options to hear everything.',
    );
  }
  if (refused > 0) parts.push(`${chunks(refused)} not played: the player refused ${refused === 1 ? 'it' : 'them'}.`);
  return parts.length > 0 ? parts.join(' ') : null;
}

