//! Opus in Ogg (RFC 7845), through libopus and the `ogg` crate's page writer.
//!
//! The stream is: a page holding only OpusHead (beginning of stream), a page holding only
//! OpusTags, then audio pages of 20 ms packets. A page is closed at the end of every
//! `encode` call that produced a packet, so audio leaves as soon as libopus has it rather
//! than when a page fills up. Granule positions count 48 kHz samples including the encoder
//! lookahead, which OpusHead announces as pre-skip; on `finish` the encoder is fed silence
//! until every real sample is out, and the last page's granule position is set to
//! pre-skip + input length so decoders trim the padding: the decoded length is exact.

use crate::rates::OPUS_RATES;
use crate::{EncodeError, Encoder, EncoderOptions};
use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use opus::{Application, Bitrate, Channels};

// `Application::Audio` rather than `Voip`: Voip steers speech into SILK, which measured
// 4-5x slower (throughput example, 16 kHz) than the CELT path Audio takes at these bitrates.

/// Packets are 20 ms: the usual choice for speech, and the lowest-overhead frame size at
/// which libopus can use every mode.
const FRAME_MS: u32 = 20;
/// Default bitrates: 24 kbit/s up to 16 kHz (good wideband speech in CELT mode), 32 kbit/s
/// for super-wideband and fullband.
fn default_kbps(rate: u32) -> u32 {
    if rate <= 16_000 {
        24
    } else {
        32
    }
}
/// libopus complexity when the client says nothing. Measured with the throughput example
/// (`--sweep`): 0..=4 cost about the same, 5 and up take ~1.7x the CPU, 7 and up ~2.7x.
/// 4 is the best of the cheap tier and what keeps ~200 sessions/s per core possible.
const DEFAULT_COMPLEXITY: u8 = 4;
/// The largest packet libopus can produce (RFC 6716 §3.4).
const MAX_PACKET: usize = 1275 * 3 + 7;

fn codec(e: opus::Error) -> EncodeError {
    EncodeError::Codec(format!("opus: {e}"))
}

/// One libopus encoder and one Ogg logical stream.
pub struct OggOpusEncoder {
    opus: opus::Encoder,
    pages: PacketWriter<'static, Vec<u8>>,
    serial: u32,
    /// Input samples per packet at the encoder's rate.
    frame: usize,
    /// 48 kHz samples per input sample.
    scale: u64,
    /// 48 kHz samples the decoder drops at the start.
    pre_skip: u64,
    pending: Vec<i16>,
    packet: Vec<u8>,
    headers_sent: bool,
    /// Real input samples received.
    samples_in: u64,
    /// 48 kHz samples covered by the packets written so far.
    granule: u64,
}

/// The bitrate to use at `rate`: the requested one if Opus allows it, else an error.
pub(crate) fn check_bitrate(rate: u32, options: EncoderOptions) -> Result<u32, EncodeError> {
    let kbps = options.bitrate_kbps.unwrap_or_else(|| default_kbps(rate));
    if !(6..=510).contains(&kbps) {
        return Err(EncodeError::Unsupported(format!(
            "bitrate_kbps {kbps} is not supported for opus; supported: 6 to 510"
        )));
    }
    Ok(kbps)
}

impl OggOpusEncoder {
    pub fn new(rate: u32, options: EncoderOptions) -> Result<Self, EncodeError> {
        if !OPUS_RATES.contains(&rate) {
            return Err(EncodeError::Unsupported(
                crate::rates::rate_error(tts_core::AudioFormat::Opus, rate).unwrap_or_default(),
            ));
        }
        let kbps = check_bitrate(rate, options)?;
        let mut opus =
            opus::Encoder::new(rate, Channels::Mono, Application::Audio).map_err(codec)?;
        opus.set_bitrate(Bitrate::Bits(kbps as i32 * 1000))
            .map_err(codec)?;
        let complexity = options.complexity.unwrap_or(DEFAULT_COMPLEXITY).min(10);
        opus.set_complexity(i32::from(complexity)).map_err(codec)?;
        let scale = u64::from(48_000 / rate);
        let lookahead = u64::try_from(opus.get_lookahead().map_err(codec)?).unwrap_or(0);
        let frame = (rate * FRAME_MS / 1000) as usize;
        Ok(Self {
            opus,
            pages: PacketWriter::new(Vec::new()),
            serial: crate::stream_serial(),
            frame,
            scale,
            pre_skip: lookahead * scale,
            pending: Vec::with_capacity(frame),
            packet: vec![0; MAX_PACKET],
            headers_sent: false,
            samples_in: 0,
            granule: 0,
        })
    }

    fn write(
        &mut self,
        packet: Vec<u8>,
        end: PacketWriteEndInfo,
        granule: u64,
    ) -> Result<(), EncodeError> {
        self.pages
            .write_packet(packet, self.serial, end, granule)
            .map_err(|e| EncodeError::Codec(format!("ogg: {e}")))
    }

    fn ensure_headers(&mut self) -> Result<(), EncodeError> {
        if self.headers_sent {
            return Ok(());
        }
        self.headers_sent = true;
        let rate = 48_000 / self.scale as u32;
        let head = opus_head(u16::try_from(self.pre_skip).unwrap_or(u16::MAX), rate);
        self.write(head, PacketWriteEndInfo::EndPage, 0)?;
        self.write(opus_tags(), PacketWriteEndInfo::EndPage, 0)
    }

    /// Encodes the full frame in `pending` as one packet (not yet closing the page).
    fn encode_frame(
        &mut self,
        end: PacketWriteEndInfo,
        granule: Option<u64>,
    ) -> Result<(), EncodeError> {
        let n = self
            .opus
            .encode(&self.pending, &mut self.packet)
            .map_err(codec)?;
        self.pending.clear();
        self.granule += self.frame as u64 * self.scale;
        let packet = self.packet[..n].to_vec();
        self.write(packet, end, granule.unwrap_or(self.granule))
    }

    fn drain_pages(&mut self, out: &mut Vec<u8>) {
        out.append(self.pages.inner_mut());
    }
}

impl Encoder for OggOpusEncoder {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.ensure_headers()?;
        self.samples_in += samples.len() as u64;
        let mut rest = samples;
        let mut frames = (self.pending.len() + rest.len()) / self.frame;
        while frames > 0 {
            let take = self.frame - self.pending.len();
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            frames -= 1;
            // The last packet of this call closes the page so it can be sent now.
            let end = if frames == 0 {
                PacketWriteEndInfo::EndPage
            } else {
                PacketWriteEndInfo::NormalPacket
            };
            self.encode_frame(end, None)?;
        }
        self.pending.extend_from_slice(rest);
        self.drain_pages(out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.ensure_headers()?;
        // Every real sample must come out of the decoder after pre-skip: encode silence
        // until the packets cover pre_skip + samples_in (at least one packet, so the
        // end-of-stream page exists even for an empty stream).
        let end_granule = self.pre_skip + self.samples_in * self.scale;
        loop {
            self.pending.resize(self.frame, 0);
            let last = self.granule + (self.frame as u64 * self.scale) >= end_granule;
            if last {
                self.encode_frame(PacketWriteEndInfo::EndStream, Some(end_granule))?;
                break;
            }
            self.encode_frame(PacketWriteEndInfo::NormalPacket, None)?;
        }
        self.drain_pages(out);
        Ok(())
    }
}

/// The identification header (RFC 7845 §5.1): mono, channel mapping family 0.
fn opus_head(pre_skip: u16, input_rate: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(19);
    h.extend_from_slice(b"OpusHead");
    h.push(1); // version
    h.push(1); // channels
    h.extend_from_slice(&pre_skip.to_le_bytes());
    h.extend_from_slice(&input_rate.to_le_bytes());
    h.extend_from_slice(&0i16.to_le_bytes()); // output gain
    h.push(0); // mapping family
    h
}

/// The comment header (RFC 7845 §5.2): vendor string, no user comments.
fn opus_tags() -> Vec<u8> {
    let vendor = concat!("tts-audio ", env!("CARGO_PKG_VERSION"), " (libopus)").as_bytes();
    let mut t = Vec::with_capacity(16 + vendor.len());
    t.extend_from_slice(b"OpusTags");
    t.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    t.extend_from_slice(vendor);
    t.extend_from_slice(&0u32.to_le_bytes());
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_has_the_rfc_layout() {
        let h = opus_head(312, 16_000);
        assert_eq!(h.len(), 19);
        assert_eq!(&h[..8], b"OpusHead");
        assert_eq!(u16::from_le_bytes([h[10], h[11]]), 312);
        assert_eq!(u32::from_le_bytes([h[12], h[13], h[14], h[15]]), 16_000);
    }

    #[test]
    fn stream_starts_with_two_header_pages_and_ends_with_eos() {
        let mut e = OggOpusEncoder::new(16_000, EncoderOptions::default()).unwrap();
        let mut out = Vec::new();
        e.encode(&vec![1000; 500], &mut out).unwrap();
        e.finish(&mut out).unwrap();
        let pages = crate::test_support::ogg_pages(&out);
        assert!(pages.len() >= 3);
        assert_eq!(pages[0].flags & 0x02, 0x02, "first page is BOS");
        assert!(pages[0].body.starts_with(b"OpusHead"));
        assert!(pages[1].body.starts_with(b"OpusTags"));
        let last = pages.last().unwrap();
        assert_eq!(last.flags & 0x04, 0x04, "last page is EOS");
        assert_eq!(last.granule, e.pre_skip + 500 * 3);
    }
}
