import { describe, expect, it } from 'vitest';
import { isOpusTags, OggDemuxer, opusPacketSamples, parseOpusHead } from './ogg';

/** One Ogg page holding `segments` bytes laid out by the lacing values given. */
function page(body: Uint8Array, lacing: number[], headerType = 0, granule = 0): Uint8Array {
  const out = new Uint8Array(27 + lacing.length + body.length);
  out.set([0x4f, 0x67, 0x67, 0x53, 0, headerType]);
  new DataView(out.buffer).setBigInt64(6, BigInt(granule), true);
  new DataView(out.buffer).setUint32(14, 0x1234, true);
  out[26] = lacing.length;
  out.set(lacing, 27);
  out.set(body, 27 + lacing.length);
  return out;
}

function lacingFor(len: number, closes = true): number[] {
  const l: number[] = [];
  let rest = len;
  while (rest >= 255) {
    l.push(255);
    rest -= 255;
  }
  if (closes) l.push(rest);
  return l;
}

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('OggDemuxer', () => {
  it('splits a page into its packets', () => {
    const p = page(concat(bytes(3, 1), bytes(300, 2)), [3, ...lacingFor(300)], 0, 960);
    const packets = new OggDemuxer().push(p);
    expect(packets.map((x) => x.data.length)).toEqual([3, 300]);
    expect(packets[1]?.granule).toBe(960);
    expect(packets[0]?.serial).toBe(0x1234);
  });

  it('joins a packet continued on the next page', () => {
    const first = page(bytes(510, 7), [255, 255]);
    const second = page(bytes(10, 7), [10], 0x01);
    const packets = new OggDemuxer().push(concat(first, second));
    expect(packets.map((x) => x.data.length)).toEqual([520]);
  });

  it('gives the same packets whatever the byte splits', () => {
    const stream = concat(page(bytes(20, 1), [20]), page(concat(bytes(5, 2), bytes(6, 3)), [5, 6]));
    const d = new OggDemuxer();
    const seen: number[] = [];
    for (let i = 0; i < stream.length; i += 7) seen.push(...d.push(stream.subarray(i, i + 7)).map((p) => p.data.length));
    expect(seen).toEqual([20, 5, 6]);
  });

  it('marks the packets of the last page', () => {
    const packets = new OggDemuxer().push(concat(page(bytes(5, 1), [5], 0, 960), page(bytes(5, 2), [5], 0x04, 1500)));
    expect(packets.map((p) => [p.eos, p.granule])).toEqual([
      [false, 960],
      [true, 1500],
    ]);
  });

  it('resynchronises after garbage', () => {
    const d = new OggDemuxer();
    const packets = d.push(concat(new Uint8Array([1, 2, 3]), page(bytes(4, 9), [4])));
    expect(packets).toHaveLength(1);
    expect(d.badBytes).toBe(3);
  });
});

describe('Opus headers', () => {
  it('reads OpusHead', () => {
    const head = new Uint8Array(19);
    head.set(new TextEncoder().encode('OpusHead'));
    head[8] = 1;
    head[9] = 2;
    new DataView(head.buffer).setUint16(10, 312, true);
    new DataView(head.buffer).setUint32(12, 22050, true);
    expect(parseOpusHead(head)).toEqual({ channels: 2, preSkip: 312, inputSampleRate: 22050 });
    expect(parseOpusHead(new TextEncoder().encode('OpusTags........'))).toBeNull();
    expect(isOpusTags(new TextEncoder().encode('OpusTags........'))).toBe(true);
  });

  it('computes packet durations from the TOC byte', () => {
    expect(opusPacketSamples(new Uint8Array([0xf8]))).toBe(960); // CELT 20 ms, 1 frame
    expect(opusPacketSamples(new Uint8Array([(0 << 3) | 1]))).toBe(960); // SILK 10 ms, 2 frames
    expect(opusPacketSamples(new Uint8Array([(19 << 3) | 3, 3]))).toBe(2880); // CELT 20 ms, 3 frames
    expect(opusPacketSamples(new Uint8Array([16 << 3]))).toBe(120); // CELT 2.5 ms
    expect(opusPacketSamples(new Uint8Array([]))).toBe(0);
  });
});
