//! [`Resampler`]: streaming, stateful sample-rate conversion of mono PCM16.
//!
//! Engines emit chunks of any size, so the resampler cannot treat a chunk as a unit: a
//! filter restarted at every chunk boundary clicks. Instead one rubato resampler lives as
//! long as the stream and is always fed the same fixed block of input. Whatever does not
//! fill a block waits for the next call. Two things follow: the output does not depend on
//! how the input was chunked (it is bit-identical to resampling everything in one call),
//! and at most one block is held back beyond the filter's own delay.
//!
//! The filter's delay is trimmed from the start and flushed at the end, so the output
//! starts in step with the input and has exactly `ceil(n_in × out / in)` samples.
//!
//! Two methods, chosen by the ratio:
//! - **Ratios with a short period** (the input frames after which the output phase
//!   repeats, `input_rate / gcd`, twice of which last at most [`MAX_FFT_BLOCK_MS`]:
//!   16→48 kHz is 1:3, 22.05→48 kHz 147:320, 22.05→44.1 and 24→48 kHz 1:2, 48→16 kHz
//!   3:1, 16→8 kHz 2:1) use rubato's synchronous `Fft` resampler: a windowed-sinc filter of at least
//!   128 taps at the lower rate, applied by overlap-add in the frequency domain, exact for
//!   a fixed ratio. It costs a fraction of the time-domain filter (figures:
//!   `docs/BENCHMARKS.md`, `examples/resample_cost.rs`), which at 16→48 kHz cost more than
//!   opus's own encoding.
//! - **Other ratios** (22.05→8 kHz is 441:160, 16→22.05 kHz 320:441) use the time-domain
//!   windowed sinc (rubato's `Async`) fed ≈4 ms blocks. When the rates have a common period
//!   of at most [`MAX_EXACT_PHASES`] output phases the sinc table gets exactly one entry per
//!   phase and nearest-neighbour lookup is exact: a plain polyphase filter, one dot
//!   product per output sample. Other pairs fall back to cubic interpolation between 256
//!   table entries.

use crate::rates::{MAX_RATE, MIN_RATE};
use crate::EncodeError;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, Fft, FixedAsync, FixedSync, Indexing, Resampler as _, SincInterpolationParameters,
    SincInterpolationType, WindowFunction,
};

/// Taps of the sinc filter: 64 input samples each side. Stop-band rejection ~ -100 dB with
/// the Blackman-Harris window; delay 4 ms at 16 kHz.
const SINC_LEN: usize = 128;
/// The largest phase count for which an exact polyphase table is built (memory is
/// `SINC_LEN × phases × 4` bytes: 320 KiB at this limit).
const MAX_EXACT_PHASES: usize = 640;
/// Input block length of the time-domain filter, in milliseconds' worth of input frames.
const BLOCK_MS: u32 = 4;
/// The longest FFT block, in ms of input, for the FFT method to be taken. A block is an
/// even number of periods of the ratio (`input_rate / gcd` input frames after which the
/// output phase repeats: 1 for 16→48 kHz, 147 for 22.05→48 kHz), so that the filter's
/// centre, half a block, falls on an output frame. A block is what may be held back, and
/// half a block is the filter's delay.
pub const MAX_FFT_BLOCK_MS: u32 = 20;
/// Frames of the lower rate per FFT block, at least: the filter's length in taps at that
/// rate, as long as the time-domain sinc's (delay ≈ 4 ms at 16 kHz).
const FFT_BLOCK_LOW: u32 = 128;

/// Converts a stream of mono PCM16 from one rate to another. See the module docs.
pub struct Resampler {
    input_rate: u32,
    output_rate: u32,
    inner: Box<dyn rubato::Resampler<f32> + Send>,
    method: &'static str,
    block: usize,
    /// Input not yet processed; always shorter than `block` between calls.
    pending: Vec<f32>,
    /// One block of output, reused.
    scratch: Vec<f32>,
    /// Leading output frames still to drop (the filter delay).
    to_trim: usize,
    frames_in: u64,
    frames_out: u64,
}

fn check_rates(input_rate: u32, output_rate: u32) -> Result<(), EncodeError> {
    for r in [input_rate, output_rate] {
        if !(MIN_RATE..=MAX_RATE).contains(&r) {
            return Err(EncodeError::Unsupported(format!(
                "cannot resample at {r} Hz; supported: {MIN_RATE} to {MAX_RATE}"
            )));
        }
    }
    Ok(())
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Resampler {
    /// A resampler from `input_rate` to `output_rate` Hz (both within 8000..=192000),
    /// by the cheapest exact method for the pair (see the module docs).
    pub fn new(input_rate: u32, output_rate: u32) -> Result<Self, EncodeError> {
        check_rates(input_rate, output_rate)?;
        let g = gcd(input_rate, output_rate);
        let periods = u64::from(2 * (input_rate / g));
        let low = u64::from(input_rate.min(output_rate));
        let frames = (u64::from(FFT_BLOCK_LOW) * u64::from(input_rate)).div_ceil(low);
        let block = frames.div_ceil(periods) * periods;
        if block * 1000 <= u64::from(MAX_FFT_BLOCK_MS) * u64::from(input_rate) {
            let block = block as usize;
            let inner = Fft::<f32>::new_custom(
                input_rate as usize,
                output_rate as usize,
                block,
                1,
                1,
                WindowFunction::BlackmanHarris2,
                FixedSync::Input,
            )
            .map_err(|e| EncodeError::Codec(format!("resampler: {e}")))?;
            // The filter is centred on input frame `block / 2`, a whole number of
            // periods: exactly this many output frames.
            let to_trim = block / 2 * output_rate as usize / input_rate as usize;
            debug_assert_eq!(inner.input_frames_next(), block);
            let inner = Box::new(inner);
            return Ok(Self::with(input_rate, output_rate, inner, "fft", to_trim));
        }
        Self::sinc(input_rate, output_rate)
    }

    /// A resampler by the time-domain windowed sinc, whatever the pair (what every pair
    /// used before the FFT method; kept callable for the cost comparison).
    pub fn sinc(input_rate: u32, output_rate: u32) -> Result<Self, EncodeError> {
        check_rates(input_rate, output_rate)?;
        // Output sample k sits at input position k × in/out; its fractional part is a
        // multiple of 1/phases.
        let phases = (output_rate / gcd(input_rate, output_rate)) as usize;
        let (factor, interpolation) = if phases <= MAX_EXACT_PHASES {
            (phases, SincInterpolationType::Nearest)
        } else {
            (256, SincInterpolationType::Cubic)
        };
        let params = SincInterpolationParameters::new(SINC_LEN, WindowFunction::BlackmanHarris2)
            .oversampling_factor(factor)
            .interpolation(interpolation);
        let block = (input_rate * BLOCK_MS / 1000) as usize;
        let ratio = f64::from(output_rate) / f64::from(input_rate);
        let inner = Async::<f32>::new_sinc(ratio, 1.0, &params, block, 1, FixedAsync::Input)
            .map_err(|e| EncodeError::Codec(format!("resampler: {e}")))?;
        let to_trim = delay(ratio, factor).round() as usize;
        Ok(Self::with(
            input_rate,
            output_rate,
            Box::new(inner),
            "sinc",
            to_trim,
        ))
    }

    fn with(
        input_rate: u32,
        output_rate: u32,
        inner: Box<dyn rubato::Resampler<f32> + Send>,
        method: &'static str,
        to_trim: usize,
    ) -> Self {
        // A fixed-input resampler: every call takes exactly this many frames.
        let block = inner.input_frames_next();
        Self {
            input_rate,
            output_rate,
            to_trim,
            scratch: vec![0.0; inner.output_frames_max()],
            inner,
            method,
            block,
            pending: Vec::with_capacity(block * 2),
            frames_in: 0,
            frames_out: 0,
        }
    }

    /// `"fft"` or `"sinc"`: the method chosen for the pair.
    pub fn method(&self) -> &'static str {
        self.method
    }

    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    pub fn output_rate(&self) -> u32 {
        self.output_rate
    }

    /// Resamples `input`, appending every output sample that is ready to `out`.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) -> Result<(), EncodeError> {
        self.frames_in += input.len() as u64;
        let mut rest = input;
        while !rest.is_empty() {
            let take = (self.block - self.pending.len()).min(rest.len());
            self.pending
                .extend(rest[..take].iter().map(|&s| f32::from(s) / 32768.0));
            rest = &rest[take..];
            if self.pending.len() == self.block {
                self.run_block(None, out, u64::MAX)?;
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Flushes the filter: appends the last samples, so the whole output has exactly
    /// `ceil(n_in × out / in)` samples. The resampler must not be used afterwards.
    pub fn finish(&mut self, out: &mut Vec<i16>) -> Result<(), EncodeError> {
        let total =
            (self.frames_in * u64::from(self.output_rate)).div_ceil(u64::from(self.input_rate));
        let partial = self.pending.len();
        self.pending.resize(self.block, 0.0);
        self.run_block(Some(partial), out, total)?;
        self.pending.clear();
        while self.frames_out < total {
            self.pending.resize(self.block, 0.0);
            self.run_block(Some(0), out, total)?;
        }
        Ok(())
    }

    /// Runs one block from `pending` (its first `valid` frames real, the rest silence) and
    /// appends the output after trimming the delay, stopping at `limit` frames in total.
    fn run_block(
        &mut self,
        valid: Option<usize>,
        out: &mut Vec<i16>,
        limit: u64,
    ) -> Result<(), EncodeError> {
        let input = InterleavedSlice::new(&self.pending[..], 1, self.block)
            .map_err(|e| EncodeError::Codec(format!("resampler input: {e}")))?;
        let frames = self.scratch.len();
        let mut output = InterleavedSlice::new_mut(&mut self.scratch[..], 1, frames)
            .map_err(|e| EncodeError::Codec(format!("resampler output: {e}")))?;
        let indexing = valid.map(|n| Indexing::new().partial_len(n));
        let (_, produced) = self
            .inner
            .process_into_buffer(&input, &mut output, indexing.as_ref())
            .map_err(|e| EncodeError::Codec(format!("resampler: {e}")))?;
        let skip = self.to_trim.min(produced);
        self.to_trim -= skip;
        let room = usize::try_from(limit - self.frames_out).unwrap_or(usize::MAX);
        let ready = &self.scratch[skip..produced];
        let ready = &ready[..ready.len().min(room)];
        out.extend(ready.iter().map(|&x| to_i16(x)));
        self.frames_out += ready.len() as u64;
        Ok(())
    }
}

/// The time-domain filter's delay in output samples. rubato's `output_delay()` reports `L/2 × ratio`,
/// but with its indexing (first output at input position `-(L-1) + in/out`, and table
/// entry `s` centred `(s+1)/factor` past the tap grid) output `k` sits at input time
/// `(k+1)·in/out - L/2 + 1/factor`; solving for the output that lands on input time 0 gives
/// this. Rounded, it leaves the output within half a sample of the input's timing (exactly
/// in step when the delay is whole); the resampler tests check it.
fn delay(ratio: f64, factor: usize) -> f64 {
    SINC_LEN as f64 / 2.0 * ratio - 1.0 - ratio / factor as f64
}

fn to_i16(x: f32) -> i16 {
    (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Resamples a whole buffer in one go (what a stream fed the same samples produces).
pub fn resample(
    input_rate: u32,
    output_rate: u32,
    samples: &[i16],
) -> Result<Vec<i16>, EncodeError> {
    let mut r = Resampler::new(input_rate, output_rate)?;
    let mut out = Vec::with_capacity(
        (samples.len() as u64 * u64::from(output_rate) / u64::from(input_rate)) as usize + 16,
    );
    r.process(samples, &mut out)?;
    r.finish(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, amplitude: f64, len: usize) -> Vec<i16> {
        (0..len)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
            })
            .collect()
    }

    /// Deterministic chunk sizes from 0 to `max` (a tiny LCG: no dependency, same every run).
    fn chunk_sizes(seed: u64, max: usize) -> impl Iterator<Item = usize> {
        let mut state = seed;
        std::iter::from_fn(move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Some((state >> 33) as usize % (max + 1))
        })
    }

    /// Short-period ratios (FFT method) and others (time-domain sinc).
    const PAIRS: &[(u32, u32)] = &[
        (22_050, 48_000),
        (16_000, 48_000),
        (22_050, 8_000),
        (16_000, 22_050),
        (24_000, 16_000),
        (22_050, 44_100),
        (16_000, 12_345),
        (24_000, 48_000),
        (16_000, 8_000),
        (48_000, 16_000),
    ];

    #[test]
    fn chunked_input_gives_exactly_the_one_go_output() {
        for &(from, to) in PAIRS {
            let input = sine(from, 440.0, 12_000.0, from as usize); // 1 s
            let one_go = resample(from, to, &input).unwrap();
            for (seed, max) in [(1, 7), (2, 160), (3, 5000)] {
                let mut r = Resampler::new(from, to).unwrap();
                let mut out = Vec::new();
                let mut rest = &input[..];
                for n in chunk_sizes(seed, max) {
                    if rest.is_empty() {
                        break;
                    }
                    let n = n.min(rest.len());
                    r.process(&rest[..n], &mut out).unwrap();
                    rest = &rest[n..];
                }
                r.finish(&mut out).unwrap();
                assert_eq!(out, one_go, "{from}->{to}, chunks up to {max}");
            }
        }
    }

    #[test]
    fn output_length_is_input_length_times_the_ratio() {
        for &(from, to) in PAIRS {
            for len in [0usize, 1, 5, 63, 64, 65, 1000, 16_001] {
                let out = resample(from, to, &vec![100; len]).unwrap();
                let expected = (len as u64 * u64::from(to)).div_ceil(u64::from(from));
                assert_eq!(out.len() as u64, expected, "{from}->{to}, {len} samples");
            }
        }
    }

    /// Fits `a·sin(ωk) + b·cos(ωk)` to `x` by least squares; returns the phase lag of `x`
    /// behind `sin(ωk)` in samples, and the largest deviation from the fit.
    fn fit_tone(x: &[i16], omega: f64) -> (f64, f64) {
        let (mut ss, mut cc, mut sc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (k, &v) in x.iter().enumerate() {
            let (s, c) = (omega * k as f64).sin_cos();
            let v = f64::from(v);
            ss += s * s;
            cc += c * c;
            sc += s * c;
            xs += v * s;
            xc += v * c;
        }
        let det = ss * cc - sc * sc;
        let a = (xs * cc - xc * sc) / det;
        let b = (xc * ss - xs * sc) / det;
        let worst = x
            .iter()
            .enumerate()
            .map(|(k, &v)| {
                let (s, c) = (omega * k as f64).sin_cos();
                (f64::from(v) - a * s - b * c).abs()
            })
            .fold(0.0, f64::max);
        // a·sin(ωk) + b·cos(ωk) = r·sin(ω(k - lag)) with lag = -atan2(b, a)/ω.
        (-b.atan2(a) / omega, worst)
    }

    /// The output is the same tone, sampled at the new rate, in step with the input (the
    /// filter delay is trimmed to within half an output sample), and clean everywhere: a
    /// click at a block edge would show up as a large deviation from the fitted tone.
    #[test]
    fn a_tone_comes_out_as_the_same_tone_in_step() {
        for &(from, to) in PAIRS {
            let freq = 440.0;
            let input = sine(from, freq, 12_000.0, from as usize / 2);
            let out = resample(from, to, &input).unwrap();
            // Skip the edges, where the input itself starts and stops abruptly.
            let edge = to as usize / 100;
            let omega = 2.0 * std::f64::consts::PI * freq / f64::from(to);
            let middle = &out[edge..out.len() - edge];
            let (lag, worst) = fit_tone(middle, omega);
            // `middle` starts at output sample `edge`: the lag of the whole output is the
            // fitted phase, modulo whole periods of the tone.
            let period = f64::from(to) / freq;
            let lag = (lag + edge as f64).rem_euclid(period);
            let lag = if lag > period / 2.0 {
                lag - period
            } else {
                lag
            };
            assert!(
                lag.abs() <= 0.5,
                "{from}->{to}: output lags by {lag:.3} samples"
            );
            // 8 LSB is -63 dB below the tone; a one-sample glitch would be ~100x that.
            assert!(
                worst <= 8.0,
                "{from}->{to}: deviates {worst:.1} from a clean tone"
            );
        }
    }

    /// Amplitude of the tone `freq` in `x` (least-squares fit), over the middle half.
    fn amplitude(x: &[i16], rate: u32, freq: f64) -> f64 {
        let middle = &x[x.len() / 4..x.len() * 3 / 4];
        let omega = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
        let (mut ss, mut cc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0);
        for (k, &v) in middle.iter().enumerate() {
            let (sn, cs) = (omega * k as f64).sin_cos();
            ss += sn * sn;
            cc += cs * cs;
            xs += f64::from(v) * sn;
            xc += f64::from(v) * cs;
        }
        ((xs / ss).powi(2) + (xc / cc).powi(2)).sqrt()
    }

    /// Both methods, fed in uneven chunks, keep speech's band (up to 0.35 of the lower
    /// rate, 2.8 kHz at 8 kHz; the FFT method measures flat to 0.4) within 0.1 dB and, when the rate goes down, remove what the
    /// new rate cannot carry (a tone at 0.6 of the input's band) by at least 60 dB.
    #[test]
    fn chunked_output_keeps_the_passband_and_rejects_what_would_alias() {
        for &(from, to) in PAIRS {
            let nyquist = f64::from(from.min(to)) / 2.0;
            for fraction in [0.05, 0.2, 0.5, 0.7] {
                let freq = nyquist * fraction;
                let input = sine(from, freq, 12_000.0, from as usize / 2);
                let mut r = Resampler::new(from, to).unwrap();
                let mut out = Vec::new();
                let mut rest = &input[..];
                for n in chunk_sizes(7, 3000) {
                    let n = n.min(rest.len());
                    r.process(&rest[..n], &mut out).unwrap();
                    rest = &rest[n..];
                    if rest.is_empty() {
                        break;
                    }
                }
                r.finish(&mut out).unwrap();
                assert_eq!(out, resample(from, to, &input).unwrap());
                let db = 20.0 * (amplitude(&out, to, freq) / 12_000.0).log10();
                assert!(
                    db.abs() <= 0.1,
                    "{from}->{to}: {freq:.0} Hz comes out at {db:+.3} dB"
                );
            }
            if to < from {
                let freq = f64::from(to) / 2.0 * 1.2;
                let input = sine(from, freq, 12_000.0, from as usize / 2);
                let out = resample(from, to, &input).unwrap();
                // What is left folds back below the new Nyquist; measure all of it.
                let rms = (out[out.len() / 4..out.len() * 3 / 4]
                    .iter()
                    .map(|&v| f64::from(v).powi(2))
                    .sum::<f64>()
                    / (out.len() / 2) as f64)
                    .sqrt();
                let db = 20.0 * (rms * 2f64.sqrt() / 12_000.0).log10();
                assert!(
                    db <= -60.0,
                    "{from}->{to}: {freq:.0} Hz leaks at {db:.1} dB"
                );
            }
        }
    }

    #[test]
    fn short_period_ratios_take_the_fft_method_and_match_the_sinc_one() {
        for &(from, to) in &[(22_050, 48_000), (44_100, 48_000), (24_000, 16_000)] {
            assert_eq!(Resampler::new(from, to).unwrap().method(), "fft");
        }
        for &(from, to) in &[(22_050, 8_000), (16_000, 22_050), (16_000, 12_345)] {
            assert_eq!(Resampler::new(from, to).unwrap().method(), "sinc");
        }
        // Pairs whose sinc delay is a whole number of samples, so both are exactly in
        // step (elsewhere the sinc output is off by up to half a sample).
        for &(from, to) in &[(16_000, 48_000), (22_050, 44_100), (48_000, 16_000)] {
            assert_eq!(Resampler::new(from, to).unwrap().method(), "fft");
            let input = sine(from, 440.0, 12_000.0, from as usize / 2);
            let fft = resample(from, to, &input).unwrap();
            let mut sinc = Vec::new();
            let mut r = Resampler::sinc(from, to).unwrap();
            r.process(&input, &mut sinc).unwrap();
            r.finish(&mut sinc).unwrap();
            assert_eq!(fft.len(), sinc.len());
            let edge = to as usize / 100;
            let worst = fft[edge..fft.len() - edge]
                .iter()
                .zip(&sinc[edge..sinc.len() - edge])
                .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
                .max()
                .unwrap();
            // Two filters of the same length and window: the same tone, to a few LSB.
            assert!(worst <= 8, "{from}->{to}: the methods differ by {worst}");
        }
    }

    #[test]
    fn rates_outside_the_range_are_refused() {
        assert!(Resampler::new(4_000, 16_000).is_err());
        assert!(Resampler::new(16_000, 400_000).is_err());
    }
}
