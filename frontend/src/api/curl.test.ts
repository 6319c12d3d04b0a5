import { describe, expect, it } from 'vitest';
import { buildCurl, shellQuote } from './curl';

describe('shellQuote', () => {
  it('survives single quotes', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('buildCurl', () => {
  it('creates the session and fetches the file in the chosen format', () => {
    const cmd = buildCurl('http://127.0.0.1:8080/', {
      provider: 'mock_tone',
      voice: 'en-US-mock-1',
      text: "Don't stop",
      target_format: 'mp3',
      sample_rate_hz: 16000,
    });
    expect(cmd).toContain(`BASE='http://127.0.0.1:8080'`);
    expect(cmd).toContain(`"text":"Don'\\''t stop"`);
    expect(cmd).toContain(`-o 'speech.mp3' "$BASE/v1/tts/sessions/$SID/file?format=mp3"`);
  });
});
