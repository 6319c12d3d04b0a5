//! FLAC, streamed frame by frame, with `flacenc` doing the per-frame coding.
//!
//! FLAC streams well: STREAMINFO may say "unknown" for total samples (0), MD5 (all zero)
//! and frame sizes (0), and every frame is self-contained. So the stream is `fLaC`, a
//! STREAMINFO with those unknowns, then one frame per block as soon as a block is full;
//! `finish` codes the last, shorter block. [`crate::encode_file`] additionally seals the
//! exact totals, MD5 and frame sizes into STREAMINFO (same 34 bytes, rewritten in place).
//!
//! Blocks are ~32 ms (a power of two, 256..=4096 samples): short enough that a stream's
//! first bytes leave quickly, long enough that LPC coding still pays off.

use crate::{EncodeError, Encoder};
use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, StreamInfo};
use flacenc::error::{Verified, Verify};
use flacenc::source::{Fill, FrameBuf};
use md5::{Digest, Md5};

/// `fLaC` + metadata block header + 34 bytes of STREAMINFO.
const HEADER_LEN: usize = 4 + 4 + 34;

fn codec(e: impl std::fmt::Debug) -> EncodeError {
    EncodeError::Codec(format!("flac: {e:?}"))
}

/// The block size for `rate`: the largest power of two not above 32 ms, within 256..=4096.
pub fn block_size(rate: u32) -> usize {
    let target = (rate as usize * 32 / 1000).max(1);
    let pow = 1usize << (usize::BITS - 1 - target.leading_zeros());
    pow.clamp(256, 4096)
}

/// One FLAC stream, mono 16-bit.
pub struct FlacEncoder {
    rate: u32,
    block: usize,
    config: Verified<flacenc::config::Encoder>,
    info: StreamInfo,
    framebuf: FrameBuf,
    pending: Vec<i32>,
    sink: ByteSink,
    frames: usize,
    header_sent: bool,
    total: u64,
    min_frame: u32,
    max_frame: u32,
    /// MD5 of the input as little-endian bytes; only kept for whole files.
    md5: Option<Md5>,
}

impl FlacEncoder {
    /// `exact` selects whole-file mode: the MD5 is computed so that `seal` can store it.
    pub fn new(rate: u32, exact: bool) -> Result<Self, EncodeError> {
        let block = block_size(rate);
        let mut config = flacenc::config::Encoder::default();
        config.block_size = block;
        config.multithread = false;
        Ok(Self {
            rate,
            block,
            config: config.into_verified().map_err(|(_, e)| codec(e))?,
            info: StreamInfo::new(rate as usize, 1, 16).map_err(codec)?,
            framebuf: FrameBuf::with_size(1, block).map_err(codec)?,
            pending: Vec::with_capacity(block),
            sink: ByteSink::new(),
            frames: 0,
            header_sent: false,
            total: 0,
            min_frame: u32::MAX,
            max_frame: 0,
            md5: exact.then(Md5::new),
        })
    }

    /// STREAMINFO (FLAC format §8.2); zeros where a value is not known yet.
    fn header(&self, total: u64, frame_sizes: (u32, u32), md5: [u8; 16]) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[..4].copy_from_slice(b"fLaC");
        h[4] = 0x80; // last metadata block, type 0 (STREAMINFO)
        h[5..8].copy_from_slice(&34u32.to_be_bytes()[1..]);
        let block = self.block as u16;
        h[8..10].copy_from_slice(&block.to_be_bytes());
        h[10..12].copy_from_slice(&block.to_be_bytes());
        h[12..15].copy_from_slice(&frame_sizes.0.to_be_bytes()[1..]);
        h[15..18].copy_from_slice(&frame_sizes.1.to_be_bytes()[1..]);
        // 20 bits rate, 3 bits channels-1 (0), 5 bits bits-per-sample-1 (15), 36 bits total.
        let packed: u64 = (u64::from(self.rate) << 44) | (15u64 << 36) | (total & 0xF_FFFF_FFFF);
        h[18..26].copy_from_slice(&packed.to_be_bytes());
        h[26..42].copy_from_slice(&md5);
        h
    }

    /// Codes the samples in `pending` (a full block, or the last one) as one frame.
    fn write_frame(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.framebuf
            .fill_interleaved(&self.pending)
            .map_err(codec)?;
        let frame =
            flacenc::encode_fixed_size_frame(&self.config, &self.framebuf, self.frames, &self.info)
                .map_err(codec)?;
        self.sink.clear();
        frame.write(&mut self.sink).map_err(codec)?;
        let bytes = self.sink.as_slice();
        let len = bytes.len() as u32;
        self.min_frame = self.min_frame.min(len);
        self.max_frame = self.max_frame.max(len);
        out.extend_from_slice(bytes);
        self.frames += 1;
        self.pending.clear();
        Ok(())
    }

    fn ensure_header(&mut self, out: &mut Vec<u8>) {
        if !self.header_sent {
            out.extend_from_slice(&self.header(0, (0, 0), [0; 16]));
            self.header_sent = true;
        }
    }
}

impl Encoder for FlacEncoder {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.ensure_header(out);
        self.total += samples.len() as u64;
        if let Some(md5) = &mut self.md5 {
            for s in samples {
                md5.update(s.to_le_bytes());
            }
        }
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.block - self.pending.len()).min(rest.len());
            self.pending
                .extend(rest[..take].iter().map(|&s| i32::from(s)));
            rest = &rest[take..];
            if self.pending.len() == self.block {
                self.write_frame(out)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.ensure_header(out);
        if !self.pending.is_empty() {
            self.write_frame(out)?;
        }
        Ok(())
    }

    /// Rewrites STREAMINFO with the total length, frame sizes and MD5.
    fn seal(&mut self, file: &mut [u8]) -> Result<(), EncodeError> {
        let md5 = self
            .md5
            .take()
            .map(|m| m.finalize().into())
            .unwrap_or([0; 16]);
        let sizes = if self.frames == 0 {
            (0, 0)
        } else {
            (self.min_frame, self.max_frame)
        };
        let header = self.header(self.total, sizes, md5);
        file.get_mut(..HEADER_LEN)
            .ok_or_else(|| EncodeError::Codec("flac: file shorter than its header".into()))?
            .copy_from_slice(&header);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sizes_are_about_32_ms() {
        assert_eq!(block_size(8_000), 256);
        assert_eq!(block_size(16_000), 512);
        assert_eq!(block_size(44_100), 1024);
        assert_eq!(block_size(48_000), 1024);
        assert_eq!(block_size(192_000), 4096);
    }

    #[test]
    fn frames_leave_as_soon_as_a_block_is_full() {
        let mut e = FlacEncoder::new(16_000, false).unwrap();
        let mut out = Vec::new();
        e.encode(&vec![7; 511], &mut out).unwrap();
        assert_eq!(out.len(), HEADER_LEN, "only the header before a full block");
        e.encode(&[7], &mut out).unwrap();
        assert!(out.len() > HEADER_LEN, "a full block is coded at once");
    }
}
