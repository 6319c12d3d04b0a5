import { describe, expect, it } from 'vitest';
import { buildSnippets, openAiFormat } from './snippets';
import type { SessionRequest } from './types';

const REQ: SessionRequest = { provider: 'piper', voice: 'en_US-joe-medium', text: 'Hello, "world". Bye!', target_format: 'pcm16', sample_rate_hz: 16000 };

const code = (id: string, req = REQ) => buildSnippets('http://gw:8080/', req).find((s) => s.id === id)?.code ?? '';

describe('code snippets', () => {
  it('point the OpenAI SDK, Pipecat and LiveKit at the gateway /v1 with the chosen voice', () => {
    for (const id of ['openai', 'pipecat', 'livekit']) {
      expect(code(id)).toContain('base_url="http://gw:8080/v1"');
      expect(code(id)).toContain('"en_US-joe-medium"');
    }
    expect(code('openai')).toContain('OpenAI(base_url=');
    expect(code('openai')).toContain('response_format="pcm"');
    expect(code('openai')).toContain('"sample_rate": 16000');
    expect(code('openai')).toContain('input="Hello, \\"world\\". Bye!"');
  });

  it('open the realtime socket with the settings on the first speak, then close', () => {
    const js = code('realtime');
    expect(js).toContain('new WebSocket("ws://gw:8080/v1/tts/realtime")');
    expect(js).toContain('"format":"pcm16","sample_rate_hz":16000');
    expect(js).toContain("text: \"Hello,\"");
    expect(js.indexOf("type: 'close'")).toBeGreaterThan(js.indexOf("type: 'speak'"));
  });

  it('keep the curl command first', () => {
    expect(buildSnippets('http://gw:8080', REQ)[0]?.code).toContain("BASE='http://gw:8080'");
  });

  it('map formats to OpenAI response formats', () => {
    expect(openAiFormat('pcm16')).toBe('pcm');
    expect(openAiFormat('mp3')).toBe('mp3');
    expect(openAiFormat('mulaw')).toBe('pcm');
    expect(code('openai', { ...REQ, target_format: 'mulaw' })).toContain('mulaw is not an OpenAI format');
  });
});
