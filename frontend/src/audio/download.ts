// The result of a session as files to save: the concatenated payloads as they came (which
// for container formats is one valid file), plus a WAV for formats that have no header
// (pcm16 wrapped as is; mulaw/alaw decoded to PCM16).

import { decodeAlaw, decodeMulaw } from './g711';
import { buildWav } from './wav';
import { EXTENSION_BY_FORMAT } from '../api/formats';

export interface DownloadFile {
  label: string;
  filename: string;
  mime: string;
  bytes: Uint8Array;
}

export function mimeType(format: string, sampleRate: number): string {
  switch (format) {
    case 'pcm16':
      return `audio/L16;rate=${sampleRate};channels=1`;
    case 'wav':
      return 'audio/wav';
    case 'mp3':
      return 'audio/mpeg';
    case 'opus':
      return 'audio/ogg; codecs=opus';
    case 'mulaw':
      return `audio/basic;rate=${sampleRate}`;
    case 'alaw':
      return `audio/PCMA;rate=${sampleRate}`;
    case 'flac':
      return 'audio/flac';
    case 'aac':
      return 'audio/aac';
    default:
      return 'application/octet-stream';
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function int16ToBytes(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, s, true));
  return out;
}

/** The files offered for download, best first. `base` names them (e.g. "tts-<session>"). */
export function downloadFiles(format: string, sampleRate: number, parts: readonly Uint8Array[], base: string): DownloadFile[] {
  const raw = concatBytes(parts);
  const ext = EXTENSION_BY_FORMAT[format] ?? 'bin';
  const original: DownloadFile = {
    label: `${format} (.${ext})`,
    filename: `${base}.${ext}`,
    mime: mimeType(format, sampleRate),
    bytes: raw,
  };
  const wav = (pcm: Uint8Array, label: string): DownloadFile => ({
    label,
    filename: `${base}.wav`,
    mime: 'audio/wav',
    bytes: buildWav(pcm, sampleRate),
  });
  switch (format) {
    case 'pcm16':
      return [wav(raw.subarray(0, raw.length - (raw.length % 2)), 'WAV (.wav)'), original];
    case 'mulaw':
      return [wav(int16ToBytes(decodeMulaw(raw)), 'WAV, decoded (.wav)'), original];
    case 'alaw':
      return [wav(int16ToBytes(decodeAlaw(raw)), 'WAV, decoded (.wav)'), original];
    default:
      return [original];
  }
}
