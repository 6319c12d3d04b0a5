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
  const n = s.playbackDrops;
  if (n === 0) return null;
  const chunks = n === 1 ? '1 chunk was' : `${n} chunks were`;
  if (s.leadLimitSeconds !== null) {
    return (
      `${chunks} not played: ${n === 1 ? 'it' : 'they'} arrived more than ${s.leadLimitSeconds} s ahead of playback. ` +
      'Raise the live buffer limit under Advanced options to hear everything.'
    );
  }
  return `${chunks} not played: the player refused ${n === 1 ? 'it' : 'them'}.`;
}
