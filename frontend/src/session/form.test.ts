import { describe, expect, it } from 'vitest';
import type { Voice } from '../api/types';
import { bufferLimitSeconds, buildRequest, INITIAL_FORM, sampleRateOptions, withVoice } from './form';

const piper: Voice = {
  id: 'en_US-joe-medium',
  name: 'Joe',
  language: 'en-US',
  provider: 'piper',
  sample_rate_hz: 22050,
  supported_formats: ['pcm16', 'wav', 'mp3'],
};

describe('buildRequest', () => {
  it('builds the contract body with the voice’s native rate by default', () => {
    const form = withVoice({ ...INITIAL_FORM, text: 'Hi', format: 'mp3' }, piper);
    expect(buildRequest(form, piper)).toEqual({
      ok: true,
      request: { provider: 'piper', voice: 'en_US-joe-medium', text: 'Hi', target_format: 'mp3', sample_rate_hz: 22050, language: 'en-US' },
    });
  });

  it('adds speed, pitch and bitrate only when set', () => {
    const form = { ...withVoice({ ...INITIAL_FORM, format: 'mp3' }, piper), speed: '1.5', pitch: '1', bitrate: '64', sampleRate: '16000' };
    const built = buildRequest(form, piper);
    expect(built.ok && built.request).toMatchObject({ speed: 1.5, bitrate_kbps: 64, sample_rate_hz: 16000 });
    expect(built.ok && 'pitch' in built.request).toBe(false);
  });

  it('ignores the bitrate for formats without one', () => {
    const form = { ...withVoice({ ...INITIAL_FORM, format: 'wav' }, piper), bitrate: '64' };
    const built = buildRequest(form, piper);
    expect(built.ok && 'bitrate_kbps' in built.request).toBe(false);
  });

  it('names each field at fault', () => {
    const form = { ...withVoice(INITIAL_FORM, piper), text: '  ', speed: '9', format: 'flac' };
    const built = buildRequest(form, piper);
    expect(built.ok).toBe(false);
    expect(!built.ok && Object.keys(built.errors).sort()).toEqual(['format', 'speed', 'text']);
    expect(buildRequest(INITIAL_FORM, undefined)).toMatchObject({ ok: false, errors: { voice: 'Choose a voice.' } });
  });
});

describe('withVoice', () => {
  it('keeps the format when the new voice offers it, else takes its first', () => {
    expect(withVoice({ ...INITIAL_FORM, format: 'mp3' }, piper).format).toBe('mp3');
    expect(withVoice({ ...INITIAL_FORM, format: 'opus' }, piper).format).toBe('pcm16');
  });
});

describe('form helpers', () => {
  it('offers the native rate first', () => {
    expect(sampleRateOptions(piper)[0]).toBe(22050);
    expect(sampleRateOptions(piper)).not.toContain(undefined);
  });
  it('reads the live buffer limit', () => {
    expect(bufferLimitSeconds({ ...INITIAL_FORM, bufferLimit: 'none' })).toBe(Infinity);
    expect(bufferLimitSeconds({ ...INITIAL_FORM, bufferLimit: '10' })).toBe(10);
    expect(bufferLimitSeconds({ ...INITIAL_FORM, bufferLimit: 'x' })).toBe(120);
    expect(bufferLimitSeconds(INITIAL_FORM)).toBe(120);
  });
});
