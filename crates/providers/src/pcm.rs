//! Small PCM helpers shared by the engines: float → PCM16, edge fades, silence.

/// Converts float samples in [-1, 1] to PCM16, clamping what lies outside. (Piper's C++
/// CLI peak-normalises each sentence instead; we keep the model's level so that units of
/// one text, which may be clauses, stay equally loud.)
pub fn f32_to_i16(samples: &[f32]) -> Vec<i16> {
    samples
        .iter()
        .map(|s| {
            let v = if s.is_finite() {
                s.clamp(-1.0, 1.0)
            } else {
                0.0
            };
            (v * 32767.0).round() as i16
        })
        .collect()
}

/// Fades the first `len` samples linearly from zero, so that joining a piece to silence
/// (or to another piece) never makes a click.
pub fn fade_in(samples: &mut [i16], len: usize) {
    let len = len.min(samples.len());
    for (i, s) in samples[..len].iter_mut().enumerate() {
        *s = (f32::from(*s) * (i as f32 / len as f32)) as i16;
    }
}

/// Fades the last `len` samples linearly to zero.
pub fn fade_out(samples: &mut [i16], len: usize) {
    let len = len.min(samples.len());
    for (i, s) in samples.iter_mut().rev().take(len).enumerate() {
        *s = (f32::from(*s) * (i as f32 / len as f32)) as i16;
    }
}

/// The number of samples in `ms` milliseconds at `sample_rate`.
pub fn samples_for_ms(ms: u32, sample_rate: u32) -> usize {
    (u64::from(ms) * u64::from(sample_rate) / 1000) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_clamped_and_scaled() {
        assert_eq!(
            f32_to_i16(&[0.0, 1.0, -1.0, 2.0, 0.5, f32::NAN]),
            [0, 32767, -32767, 32767, 16384, 0]
        );
    }

    #[test]
    fn edges_fade_to_zero() {
        let mut s = vec![1000i16; 10];
        fade_in(&mut s, 4);
        fade_out(&mut s, 4);
        assert_eq!(s, [0, 250, 500, 750, 1000, 1000, 750, 500, 250, 0]);
        let mut short = vec![1000i16; 2];
        fade_out(&mut short, 4);
        assert_eq!(short, [500, 0]);
    }
}
