import { describe, expect, it } from 'vitest';
import { downloadFiles } from './download';
import { parseWavHeader } from './wav';

describe('downloadFiles', () => {
  const parts = [new Uint8Array([1, 2]), new Uint8Array([3, 4, 5])];

  it('offers pcm16 wrapped as WAV first, and the raw bytes', () => {
    const [wav, raw] = downloadFiles('pcm16', 16000, parts, 'tts-x');
    expect(wav?.filename).toBe('tts-x.wav');
    expect(wav?.mime).toBe('audio/wav');
    const h = parseWavHeader(wav!.bytes);
    expect(h.status === 'ok' && h.info).toMatchObject({ sampleRate: 16000, dataLength: 4 });
    expect(raw?.filename).toBe('tts-x.pcm');
    expect([...raw!.bytes]).toEqual([1, 2, 3, 4, 5]);
  });

  it('decodes G.711 into a WAV of twice the size', () => {
    const [wav, raw] = downloadFiles('mulaw', 8000, parts, 'a');
    expect(wav!.bytes.length).toBe(44 + 10);
    expect(raw?.filename).toBe('a.ulaw');
  });

  it('gives container formats as they came, with their type', () => {
    const files = downloadFiles('mp3', 22050, parts, 'b');
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ filename: 'b.mp3', mime: 'audio/mpeg' });
    expect(downloadFiles('opus', 48000, parts, 'c')[0]).toMatchObject({ filename: 'c.opus', mime: 'audio/ogg; codecs=opus' });
  });
});
