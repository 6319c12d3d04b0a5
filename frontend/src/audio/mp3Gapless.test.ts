import { describe, expect, it } from 'vitest';
import { aacPrimingSeconds, DECODER_DELAY, MP3_INFO_BYTES, parseMp3Gapless, trimSeconds } from './mp3Gapless';

/**
 * An Info frame as crates/audio/src/mp3_info.rs (streams) and LAME (files) lay it out:
 * header, side info, "Info" (or "Xing"), flags 0xF, frames, bytes, TOC, quality, then
 * LAME's extension with delay and padding at its offset 21.
 */
function infoFrame(header: number[], sideInfo: number, opts: { tag?: string; frames?: number; delay: number; padding: number; crc?: boolean }): Uint8Array {
  const frame = new Uint8Array(1000);
  frame.set(header);
  let p = 4 + (opts.crc ? 2 : 0) + sideInfo;
  frame.set([...(opts.tag ?? 'Info')].map((c) => c.charCodeAt(0)), p);
  const view = new DataView(frame.buffer);
  view.setUint32(p + 4, 0xf);
  view.setUint32(p + 8, opts.frames ?? 0);
  view.setUint32(p + 12, 417);
  p += 120;
  frame.set([...'LAME3.100'].map((c) => c.charCodeAt(0)), p);
  frame[p + 21] = opts.delay >> 4;
  frame[p + 22] = ((opts.delay & 0x0f) << 4) | (opts.padding >> 8);
  frame[p + 23] = opts.padding & 0xff;
  return frame;
}

// MPEG-2 Layer III, 24 kHz, mono, no CRC (the OpenAI door's mp3 at 24 kHz).
const MPEG2_24K_MONO = [0xff, 0xf3, 0x44, 0xc4];
// MPEG-1 Layer III, 44.1 kHz, stereo, CRC present.
const MPEG1_44K_STEREO_CRC = [0xff, 0xfa, 0x90, 0x04];

describe('parseMp3Gapless', () => {
  it('reads a stream\'s Info frame: the delay, padding and frame count unknown', () => {
    const g = parseMp3Gapless(infoFrame(MPEG2_24K_MONO, 9, { delay: 576, padding: 0 }));
    expect(g).toEqual({ sampleRate: 24_000, samplesPerFrame: 576, delay: 576, padding: 0, frames: null });
    expect(trimSeconds(g!)).toEqual({ start: (576 + DECODER_DELAY) / 24_000, end: null });
  });

  it('reads a whole file\'s tag: the end is the audio\'s own length', () => {
    const g = parseMp3Gapless(infoFrame(MPEG1_44K_STEREO_CRC, 32, { tag: 'Xing', frames: 100, delay: 576, padding: 1200, crc: true }))!;
    expect(g).toMatchObject({ sampleRate: 44_100, samplesPerFrame: 1152, delay: 576, padding: 1200, frames: 100 });
    const { start, end } = trimSeconds(g);
    expect(start).toBeCloseTo((576 + 529) / 44_100, 9);
    expect(end).toBeCloseTo((100 * 1152 - 576 - 1200) / 44_100, 9);
  });

  it('skips an ID3v2 tag in front', () => {
    const id3 = [0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5];
    const frame = infoFrame(MPEG2_24K_MONO, 9, { delay: 576, padding: 0 });
    const bytes = new Uint8Array(id3.length + frame.length);
    bytes.set(id3);
    bytes.set(frame, id3.length);
    expect(parseMp3Gapless(bytes)?.delay).toBe(576);
  });

  it('finds nothing in an audio frame, a short head, or a tag without LAME\'s extension', () => {
    const audio = new Uint8Array(400);
    audio.set(MPEG2_24K_MONO);
    expect(parseMp3Gapless(audio)).toBeNull();
    const frame = infoFrame(MPEG2_24K_MONO, 9, { delay: 576, padding: 0 });
    expect(parseMp3Gapless(frame.subarray(0, 100))).toBeNull();
    frame.fill(0, 4 + 9 + 120, 4 + 9 + 124);
    expect(parseMp3Gapless(frame)).toBeNull();
    expect(parseMp3Gapless(new Uint8Array([0x49, 0x44]))).toBeNull();
  });

  it('needs no more than MP3_INFO_BYTES of the head', () => {
    const frame = infoFrame(MPEG1_44K_STEREO_CRC, 32, { delay: 576, padding: 0, crc: true });
    expect(parseMp3Gapless(frame.subarray(0, MP3_INFO_BYTES))?.delay).toBe(576);
  });
});

describe('aacPrimingSeconds', () => {
  it('reads the rate of the first ADTS header: one frame of priming', () => {
    // AAC-LC, 24 kHz (index 6), mono, no CRC.
    expect(aacPrimingSeconds(new Uint8Array([0xff, 0xf1, 0x58, 0x40, 0x01, 0x7f, 0xfc]))).toBeCloseTo(1024 / 24_000, 9);
    // 16 kHz (index 8).
    expect(aacPrimingSeconds(new Uint8Array([0xff, 0xf1, 0x60, 0x40, 0x01, 0x7f, 0xfc]))).toBeCloseTo(1024 / 16_000, 9);
  });

  it('finds nothing without an ADTS header', () => {
    expect(aacPrimingSeconds(new Uint8Array([0xff, 0xf3, 0x44, 0xc4, 0, 0, 0]))).toBeNull();
    expect(aacPrimingSeconds(new Uint8Array([0xff, 0xf1]))).toBeNull();
  });
});
