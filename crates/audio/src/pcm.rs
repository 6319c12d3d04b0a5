//! Raw little-endian PCM16: the identity encoder.

use crate::{EncodeError, Encoder};

/// Emits samples as little-endian signed 16-bit bytes; nothing to flush.
#[derive(Default)]
pub struct Pcm16Encoder;

impl Encoder for Pcm16Encoder {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.reserve(samples.len() * 2);
        for s in samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<u8>) -> Result<(), EncodeError> {
        Ok(())
    }
}
