// Ogg pages → packets (RFC 3533), fed bytes split at any point, and the two Opus facts the
// player needs (RFC 7845 OpusHead, RFC 6716 TOC durations). The CRC is not checked: the
// bytes come over TCP from our own gateway, and a decoder error would show a bad page anyway.

export interface OggPacket {
  data: Uint8Array;
  /** Granule position of the page on which this packet ends (-1 if none). */
  granule: number;
  serial: number;
  /** The packet ends on the stream's last page (end-of-stream flag). */
  eos: boolean;
}

const HEADER = 27;

export class OggDemuxer {
  private buf = new Uint8Array(0);
  /** Parts of a packet continued on the next page. */
  private partial: Uint8Array[] = [];
  /** Pages dropped because they did not start with "OggS" (resync). */
  badBytes = 0;

  push(chunk: Uint8Array): OggPacket[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    const packets: OggPacket[] = [];
    let at = 0;
    for (;;) {
      if (joined.length - at < HEADER) break;
      if (!(joined[at] === 0x4f && joined[at + 1] === 0x67 && joined[at + 2] === 0x67 && joined[at + 3] === 0x53)) {
        at++;
        this.badBytes++;
        continue;
      }
      const nSegs = joined[at + 26] ?? 0;
      if (joined.length - at < HEADER + nSegs) break;
      let bodyLen = 0;
      for (let i = 0; i < nSegs; i++) bodyLen += joined[at + HEADER + i] ?? 0;
      const pageLen = HEADER + nSegs + bodyLen;
      if (joined.length - at < pageLen) break;
      const view = new DataView(joined.buffer, joined.byteOffset + at, pageLen);
      const headerType = joined[at + 5] ?? 0;
      const granule = Number(view.getBigInt64(6, true));
      const serial = view.getUint32(14, true);
      if ((headerType & 0x01) === 0) this.partial = [];
      let pos = at + HEADER + nSegs;
      for (let i = 0; i < nSegs; i++) {
        const len = joined[at + HEADER + i] ?? 0;
        this.partial.push(joined.slice(pos, pos + len));
        pos += len;
        if (len < 255) {
          packets.push({ data: concat(this.partial), granule, serial, eos: (headerType & 0x04) !== 0 });
          this.partial = [];
        }
      }
      at += pageLen;
    }
    this.buf = joined.slice(at);
    return packets;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface OpusHead {
  channels: number;
  preSkip: number;
  inputSampleRate: number;
}

/** Parses an OpusHead packet; null if `packet` is not one. */
export function parseOpusHead(packet: Uint8Array): OpusHead | null {
  if (packet.length < 19 || String.fromCharCode(...packet.subarray(0, 8)) !== 'OpusHead') return null;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return { channels: packet[9] ?? 1, preSkip: view.getUint16(10, true), inputSampleRate: view.getUint32(12, true) };
}

export function isOpusTags(packet: Uint8Array): boolean {
  return packet.length >= 8 && String.fromCharCode(...packet.subarray(0, 8)) === 'OpusTags';
}

/** Samples at 48 kHz in one Opus packet, from its TOC byte (RFC 6716 §3.1); 0 if malformed. */
export function opusPacketSamples(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) return 0;
  const config = toc >> 3;
  let frameUs: number;
  if (config < 12) frameUs = [10_000, 20_000, 40_000, 60_000][config % 4] ?? 0;
  else if (config < 16) frameUs = config % 2 === 0 ? 10_000 : 20_000;
  else frameUs = [2_500, 5_000, 10_000, 20_000][config % 4] ?? 0;
  const code = toc & 0x03;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 3) frames = (packet[1] ?? 0) & 0x3f;
  else frames = 2;
  return (frames * frameUs * 48) / 1000;
}
