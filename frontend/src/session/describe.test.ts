import { describe, expect, it } from 'vitest';
import { describeDrops, describePlayback, describeStatus } from './describe';
import { IDLE } from './sessionRun';

describe('session descriptions', () => {
  it('says a failure in words', () => {
    const s = { ...IDLE, phase: 'failed' as const, failure: { kind: 'ws-error' as const, code: 503, message: '' } };
    expect(describeStatus(s)).toBe('Gateway busy (WS 503): the streaming queue is full; try again in a moment.');
  });
  it('says what is playing', () => {
    expect(describePlayback({ ...IDLE, playback: 'playing', position: 1.25 })).toBe('Playing (1.3 s).');
    expect(describePlayback({ ...IDLE, playback: 'failed', playbackDetail: 'bad data' })).toBe('Playback failed: bad data.');
  });
  it('explains drops over the live buffer limit and how to avoid them', () => {
    expect(describeDrops(IDLE)).toBeNull();
    const full = describeDrops({ ...IDLE, playbackDrops: 3, overflowDrops: 3, bufferLimitSeconds: 10 });
    expect(full).toContain('3 chunks were not played: the live buffer was full (more than 10 s of audio waiting to play)');
    expect(full).toContain('Raise the live buffer limit');
    expect(describeDrops({ ...IDLE, playbackDrops: 1, bufferLimitSeconds: 120 })).toBe('1 chunk was not played: the player refused it.');
    expect(describeDrops({ ...IDLE, playbackDrops: 3, overflowDrops: 2, bufferLimitSeconds: 10 })).toMatch(/^2 chunks were .* 1 chunk was not played: the player refused it\.$/);
  });
});
