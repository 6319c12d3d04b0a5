// Facts about the wire's format names that the UI shows or needs. Which formats a voice
// can be delivered in always comes from /v1/voices, never from here.

export const EXTENSION_BY_FORMAT: Record<string, string> = {
  pcm16: 'pcm',
  wav: 'wav',
  mp3: 'mp3',
  opus: 'opus',
  mulaw: 'ulaw',
  alaw: 'alaw',
  flac: 'flac',
  aac: 'aac',
};

export const FORMAT_LABELS: Record<string, string> = {
  pcm16: 'PCM16 (raw)',
  wav: 'WAV',
  mp3: 'MP3',
  opus: 'Opus (Ogg)',
  mulaw: 'G.711 µ-law',
  alaw: 'G.711 A-law',
  flac: 'FLAC',
  aac: 'AAC (ADTS)',
};

/** Formats for which a bitrate makes sense. */
export const BITRATE_FORMATS = new Set(['mp3', 'opus', 'aac']);
