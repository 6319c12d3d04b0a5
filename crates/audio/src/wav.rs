//! WAV (RIFF, PCM16 mono): a header, then raw PCM.
//!
//! A streamed WAV cannot know its length when the header leaves, so the stream encoder
//! writes the "unknown length" sizes (0xFFFFFFFF) that ffmpeg, browsers and sox read to the
//! end of the data; [`wav_header`] with a known length gives exact sizes for `/file`.

use crate::pcm::Pcm16Encoder;
use crate::{EncodeError, Encoder};

/// A 44-byte canonical WAV header for mono PCM16. `data_len = None` marks a stream of
/// unknown length.
pub fn wav_header(sample_rate: u32, data_len: Option<u32>) -> [u8; 44] {
    let data = data_len.unwrap_or(u32::MAX);
    let riff = data_len.map_or(u32::MAX, |d| d.saturating_add(36));
    let mut h = [0u8; 44];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&riff.to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&1u16.to_le_bytes()); // mono
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&(sample_rate * 2).to_le_bytes()); // byte rate
    h[32..34].copy_from_slice(&2u16.to_le_bytes()); // block align
    h[34..36].copy_from_slice(&16u16.to_le_bytes()); // bits per sample
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data.to_le_bytes());
    h
}

/// Streaming WAV: the header with unknown sizes before the first samples, then PCM.
pub struct WavStreamEncoder {
    sample_rate: u32,
    header_sent: bool,
    pcm: Pcm16Encoder,
}

impl WavStreamEncoder {
    pub fn new(sample_rate: u32) -> Self {
        Self {
            sample_rate,
            header_sent: false,
            pcm: Pcm16Encoder,
        }
    }

    fn ensure_header(&mut self, out: &mut Vec<u8>) {
        if !self.header_sent {
            out.extend_from_slice(&wav_header(self.sample_rate, None));
            self.header_sent = true;
        }
    }
}

impl Encoder for WavStreamEncoder {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.ensure_header(out);
        self.pcm.encode(samples, out)
    }

    /// A stream with no audio at all still ends as a valid (empty) WAV file.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.ensure_header(out);
        Ok(())
    }

    /// Writes the true sizes (everything after the 44-byte header is sample data).
    fn seal(&mut self, file: &mut [u8]) -> Result<(), EncodeError> {
        let data_len = file.len().saturating_sub(44);
        let data_len = u32::try_from(data_len)
            .map_err(|_| EncodeError::Unsupported("wav data over 4 GiB".into()))?;
        if let Some(header) = file.get_mut(..44) {
            header.copy_from_slice(&wav_header(self.sample_rate, Some(data_len)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_has_exact_sizes_when_known() {
        let h = wav_header(16000, Some(100));
        assert_eq!(&h[4..8], &136u32.to_le_bytes());
        assert_eq!(&h[40..44], &100u32.to_le_bytes());
        assert_eq!(&h[24..28], &16000u32.to_le_bytes());
    }

    #[test]
    fn stream_sends_header_once() {
        let mut e = WavStreamEncoder::new(8000);
        let mut out = Vec::new();
        e.encode(&[1, 2], &mut out).unwrap();
        e.encode(&[3], &mut out).unwrap();
        e.finish(&mut out).unwrap();
        assert_eq!(out.len(), 44 + 6);
        assert_eq!(&out[0..4], b"RIFF");
    }
}
