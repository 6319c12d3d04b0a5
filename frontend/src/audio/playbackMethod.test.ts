import { describe, expect, it } from 'vitest';
import { choosePlaybackMethod, type Capabilities } from './playbackMethod';

const chromium: Capabilities = { mse: (m) => m === 'audio/mpeg' || m === 'audio/aac', webCodecsOpus: true };
const bare: Capabilities = { mse: () => false, webCodecsOpus: false };

describe('choosePlaybackMethod', () => {
  it('plays PCM-like formats live through Web Audio', () => {
    for (const f of ['pcm16', 'wav', 'mulaw', 'alaw']) expect(choosePlaybackMethod(f, bare)).toBe('pcm');
  });
  it('uses MediaSource where the type is supported', () => {
    expect(choosePlaybackMethod('mp3', chromium)).toBe('mse');
    expect(choosePlaybackMethod('aac', chromium)).toBe('mse');
  });
  it('decodes Ogg Opus with WebCodecs, else progressively', () => {
    expect(choosePlaybackMethod('opus', chromium)).toBe('webcodecs-opus');
    expect(choosePlaybackMethod('opus', bare)).toBe('progressive');
  });
  it('falls back to progressive decoding, or none for unknown formats', () => {
    expect(choosePlaybackMethod('flac', chromium)).toBe('progressive');
    expect(choosePlaybackMethod('mp3', bare)).toBe('progressive');
    expect(choosePlaybackMethod('speex', chromium)).toBe('none');
  });
});
