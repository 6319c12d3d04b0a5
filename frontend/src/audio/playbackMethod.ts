// Which player plays which format, decided from what this browser can do. Pure, so the
// choice is tested without a browser; `detectCapabilities` asks the real browser.

import { webCodecsOpusSupported } from './opusPlayer';
import { isLivePcmFormat } from './sampleDecoders';

export type PlaybackMethod = 'pcm' | 'mse' | 'webcodecs-opus' | 'progressive' | 'none';

export interface Capabilities {
  /** MediaSource.isTypeSupported for a MIME type. */
  mse(mime: string): boolean;
  webCodecsOpus: boolean;
}

/** The MediaSource MIME type to try for a format, if any. */
export const MSE_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  aac: 'audio/aac',
  flac: 'audio/flac',
};

/** Formats the browser can decode as a whole file. */
const FILE_DECODABLE = new Set(['mp3', 'aac', 'flac', 'opus']);

export function choosePlaybackMethod(format: string, caps: Capabilities): PlaybackMethod {
  if (isLivePcmFormat(format)) return 'pcm';
  const mime = MSE_TYPES[format];
  if (mime && caps.mse(mime)) return 'mse';
  if (format === 'opus' && caps.webCodecsOpus) return 'webcodecs-opus';
  if (FILE_DECODABLE.has(format)) return 'progressive';
  return 'none';
}

let detected: Promise<Capabilities> | null = null;

export function detectCapabilities(): Promise<Capabilities> {
  detected ??= webCodecsOpusSupported().then((webCodecsOpus) => ({
    mse: (mime: string) => typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(mime),
    webCodecsOpus,
  }));
  return detected;
}
