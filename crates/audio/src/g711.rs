//! G.711 µ-law and A-law: one byte per sample, headerless, no state.
//!
//! Written by hand because the whole codec is two small bit-twiddling functions (ITU-T G.711,
//! in the segment/mantissa form of the classic Sun reference code). Both take the top bits
//! of a 16-bit sample (µ-law: 14, A-law: 13), so quantisation error grows with level: at most
//! half a step of the segment the sample falls in.

use crate::{EncodeError, Encoder};

/// Which G.711 companding law an encoder applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Law {
    Mu,
    A,
}

/// Streams samples as G.711 bytes. Nothing is buffered, so `finish` emits nothing.
pub struct G711Encoder {
    law: Law,
}

impl G711Encoder {
    pub fn new(law: Law) -> Self {
        Self { law }
    }
}

impl Encoder for G711Encoder {
    fn encode(&mut self, samples: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let f = match self.law {
            Law::Mu => linear_to_ulaw,
            Law::A => linear_to_alaw,
        };
        out.extend(samples.iter().map(|&s| f(s)));
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<u8>) -> Result<(), EncodeError> {
        Ok(())
    }
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

/// The segment (exponent) of a biased magnitude: the position of its highest set bit above
/// bit 7, clamped to 0..=7.
fn segment(magnitude: i32) -> i32 {
    let high = 31 - (magnitude | 0xFF).leading_zeros() as i32; // >= 7
    (high - 7).min(7)
}

/// Encodes one sample as µ-law (G.711 §3, with the usual inverted bits on the wire).
fn linear_to_ulaw(sample: i16) -> u8 {
    let s = i32::from(sample);
    let sign = if s < 0 { 0x80 } else { 0 };
    let magnitude = s.abs().min(ULAW_CLIP) + ULAW_BIAS;
    let seg = segment(magnitude);
    let mantissa = (magnitude >> (seg + 3)) & 0x0F;
    !(sign | (seg << 4) | mantissa) as u8
}

/// Decodes one µ-law byte (the tests' reference; clients decode).
#[cfg(test)]
fn ulaw_to_linear(byte: u8) -> i16 {
    let u = i32::from(!byte);
    let seg = (u >> 4) & 0x07;
    let magnitude = (((u & 0x0F) << 3) + ULAW_BIAS) << seg;
    let value = magnitude - ULAW_BIAS;
    (if u & 0x80 != 0 { -value } else { value }) as i16
}

/// Encodes one sample as A-law (G.711 §2, even bits inverted on the wire).
fn linear_to_alaw(sample: i16) -> u8 {
    // A-law works on 13-bit magnitudes; negative values are one's complement so that
    // -1 and 0 land in the same step, exactly as the reference code does.
    let s = i32::from(sample) >> 3;
    let (sign, magnitude) = if s >= 0 { (0xD5, s) } else { (0x55, -s - 1) };
    let byte = if magnitude < 32 {
        (magnitude >> 1) as u8
    } else {
        // Segment 1.. : position of the highest bit of the magnitude, above bit 4.
        let seg = 31 - magnitude.leading_zeros() as i32 - 4; // 1..=7 for 32..=4095
        let seg = seg.min(7);
        let mantissa = (magnitude >> seg) & 0x0F;
        ((seg << 4) | mantissa) as u8
    };
    byte ^ sign
}

/// Decodes one A-law byte (the tests' reference; clients decode).
#[cfg(test)]
fn alaw_to_linear(byte: u8) -> i16 {
    let a = i32::from(byte ^ 0x55);
    let seg = (a >> 4) & 0x07;
    let mantissa = a & 0x0F;
    let magnitude = if seg == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (seg - 1)
    };
    (if a & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest decode error G.711 allows for a sample: half a quantisation step of its
    /// segment (plus the clipping of µ-law at 32635).
    fn max_error(law: Law, s: i16) -> i32 {
        let m = i32::from(s).abs();
        match law {
            Law::Mu => {
                if m > ULAW_CLIP {
                    return m - 32124 + 1;
                }
                let seg = segment(m + ULAW_BIAS);
                1 << (seg + 2)
            }
            Law::A => {
                let m13 = m >> 3;
                let seg = if m13 < 32 {
                    1
                } else {
                    (31 - m13.leading_zeros() as i32 - 4).min(7)
                };
                1 << (seg + 2)
            }
        }
    }

    #[test]
    fn every_sample_round_trips_within_half_a_step() {
        for s in i16::MIN..=i16::MAX {
            let u = i32::from(ulaw_to_linear(linear_to_ulaw(s)));
            assert!(
                (u - i32::from(s)).abs() <= max_error(Law::Mu, s),
                "µ-law {s} -> {u}"
            );
            let a = i32::from(alaw_to_linear(linear_to_alaw(s)));
            assert!(
                (a - i32::from(s)).abs() <= max_error(Law::A, s),
                "A-law {s} -> {a}"
            );
        }
    }

    #[test]
    fn known_code_points_match_the_standard() {
        // Silence: µ-law 0xFF, A-law 0xD5; full scale: µ-law 0x80/0x00, A-law 0xAA/0x2A.
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(alaw_to_linear(0xD5), 8);
    }

    #[test]
    fn decoding_every_code_and_encoding_again_is_the_identity() {
        for b in 0..=255u8 {
            let u = ulaw_to_linear(b);
            // 0x7F and 0xFF are both zero in µ-law; the encoder picks +0.
            if b != 0x7F {
                assert_eq!(linear_to_ulaw(u), b, "µ-law code {b:#x}");
            }
            assert_eq!(linear_to_alaw(alaw_to_linear(b)), b, "A-law code {b:#x}");
        }
    }
}
