// The gapless information at the head of an mp3 stream or file: the Xing/Info frame with
// LAME's extension (encoder delay and padding, 12 bits each; crates/audio/src/mp3_info.rs
// writes it in front of every stream, LAME writes it into every whole file). Chromium's
// MediaSource parser skips that frame but applies none of it, so the MSE player trims the
// delay (and, when the frame count is known, the padding) itself.

/** Samples every mp3 decoder adds in front of its output (the MDCT's overlap). */
export const DECODER_DELAY = 529;

export interface Mp3Gapless {
  sampleRate: number;
  samplesPerFrame: number;
  /** LAME's encoder delay in samples (576 for LAME 3.100). */
  delay: number;
  /** Samples of padding after the audio; 0 in a stream (unknown until its end). */
  padding: number;
  /** Audio frames after the Info frame; null when unknown (a stream). */
  frames: number | null;
}

const MPEG1_RATES = [44_100, 48_000, 32_000];

/** Bytes needed to read the Info frame: header, side info, Xing fields, LAME's extension. */
export const MP3_INFO_BYTES = 4 + 2 + 32 + 120 + 24;

/**
 * Reads the Xing/Info frame that `bytes` start with (after an ID3v2 tag, if any); null if
 * there is none, or no LAME extension in it.
 */
export function parseMp3Gapless(bytes: Uint8Array): Mp3Gapless | null {
  const byte = (i: number): number => bytes[i] ?? 0;
  let at = 0;
  if (bytes.length >= 10 && byte(0) === 0x49 && byte(1) === 0x44 && byte(2) === 0x33) {
    // ID3v2: a 10-byte header and a syncsafe size.
    at = 10 + ((byte(6) << 21) | (byte(7) << 14) | (byte(8) << 7) | byte(9));
  }
  if (bytes.length < at + 4 || byte(at) !== 0xff || (byte(at + 1) & 0xe0) !== 0xe0) return null;
  const b1 = byte(at + 1);
  const b2 = byte(at + 2);
  const b3 = byte(at + 3);
  const version = (b1 >> 3) & 0b11; // 0b11 MPEG-1, 0b10 MPEG-2, 0b00 MPEG-2.5
  const layer = (b1 >> 1) & 0b11; // 0b01 Layer III
  const rateIndex = (b2 >> 2) & 0b11;
  if (version === 0b01 || layer !== 0b01 || rateIndex === 3) return null;
  const mpeg1 = version === 0b11;
  const sampleRate = (MPEG1_RATES[rateIndex] ?? 0) >> (mpeg1 ? 0 : version === 0b10 ? 1 : 2);
  const mono = b3 >> 6 === 0b11;
  const crc = (b1 & 1) === 0 ? 2 : 0;
  const sideInfo = mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17;
  let p = at + 4 + crc + sideInfo;
  const tag = String.fromCharCode(...bytes.subarray(p, p + 4));
  if (tag !== 'Xing' && tag !== 'Info') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < p + 8) return null;
  const flags = view.getUint32(p + 4);
  p += 8;
  let frames: number | null = null;
  if (flags & 1) {
    if (bytes.length < p + 4) return null;
    frames = view.getUint32(p) || null; // 0: unknown (a stream)
    p += 4;
  }
  if (flags & 2) p += 4; // bytes
  if (flags & 4) p += 100; // TOC
  if (flags & 8) p += 4; // quality
  // LAME's extension: 9 bytes of encoder name, then 12 bytes, then delay and padding.
  if (bytes.length < p + 24) return null;
  const encoder = String.fromCharCode(...bytes.subarray(p, p + 4));
  if (encoder !== 'LAME' && encoder !== 'Lavf' && encoder !== 'Lavc') return null;
  const d = p + 21;
  const delay = (byte(d) << 4) | (byte(d + 1) >> 4);
  const padding = ((byte(d + 1) & 0x0f) << 8) | byte(d + 2);
  return { sampleRate, samplesPerFrame: mpeg1 ? 1152 : 576, delay, padding, frames };
}

/**
 * What a player drops, in seconds: `start` from the front (the encoder's delay and the
 * decoder's), and the audio's own length `end` when the frame count is known (else null:
 * the last frame's padding stays).
 */
export function trimSeconds(g: Mp3Gapless): { start: number; end: number | null } {
  const start = (g.delay + DECODER_DELAY) / g.sampleRate;
  const end = g.frames === null ? null : (g.frames * g.samplesPerFrame - g.delay - g.padding) / g.sampleRate;
  return { start, end };
}

/**
 * AAC in ADTS has no field for its priming, but the gateway's encoder (FFmpeg's native
 * `aac`) always primes with 1024 samples, one frame. Reads the first ADTS header's rate.
 */
export const AAC_PRIMING = 1024;

const ADTS_RATES = [96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350];

/** The seconds of priming in front of an ADTS stream from the gateway; null if `bytes` do not start with an ADTS header. */
export function aacPrimingSeconds(bytes: Uint8Array): number | null {
  const byte = (i: number): number => bytes[i] ?? 0;
  if (bytes.length < 7 || byte(0) !== 0xff || (byte(1) & 0xf6) !== 0xf0) return null;
  const rate = ADTS_RATES[(byte(2) >> 2) & 0x0f];
  return rate ? AAC_PRIMING / rate : null;
}
