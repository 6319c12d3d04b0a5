//! CPU time of resampling, per second of audio, for the gateway's usual rate pairs: the
//! method `Resampler::new` picks for the pair against the time-domain windowed sinc that
//! every pair used before (`Resampler::sinc`), in the same run.
//!
//! The input is 60 s of a tone sweep fed in 100 ms chunks (what the pipeline feeds). CPU
//! time is this thread's own (`/proc/thread-self/schedstat`, nanoseconds); pin to one core:
//!
//!     taskset -c 1 cargo run --release -p tts-audio --example resample_cost

mod common;

use common::cpu_time;
use tts_audio::Resampler;

/// A sweep from 100 Hz to 0.45 of the rate, so every part of the band is exercised.
fn sweep(rate: u32, seconds: u32) -> Vec<i16> {
    let n = (rate * seconds) as usize;
    let (f0, f1) = (100.0, 0.45 * f64::from(rate));
    let mut phase = 0.0f64;
    (0..n)
        .map(|i| {
            let f = f0 + (f1 - f0) * i as f64 / n as f64;
            phase += 2.0 * std::f64::consts::PI * f / f64::from(rate);
            (phase.sin() * 12_000.0) as i16
        })
        .collect()
}

/// Microseconds of CPU per second of input audio, best of `rounds`.
fn cost(make: &dyn Fn() -> Resampler, input: &[i16], rate: u32, rounds: usize) -> f64 {
    let chunk = (rate / 10) as usize;
    let seconds = input.len() as f64 / f64::from(rate);
    let mut out = Vec::with_capacity(input.len() * 7);
    (0..rounds)
        .map(|_| {
            out.clear();
            let started = cpu_time();
            let mut r = make();
            for piece in input.chunks(chunk) {
                r.process(piece, &mut out).unwrap();
            }
            r.finish(&mut out).unwrap();
            (cpu_time() - started).as_secs_f64() * 1e6 / seconds
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let pairs = [
        (16_000, 48_000),
        (22_050, 44_100),
        (24_000, 48_000),
        (16_000, 8_000),
        (48_000, 16_000),
        (22_050, 48_000),
        (22_050, 8_000),
    ];
    println!(
        "| from → to (Hz) | sinc µs CPU / s audio | chosen method | µs CPU / s audio | speed-up |"
    );
    println!("|---|---|---|---|---|");
    for (from, to) in pairs {
        let input = sweep(from, 60);
        let sinc = cost(&|| Resampler::sinc(from, to).unwrap(), &input, from, 5);
        let new = cost(&|| Resampler::new(from, to).unwrap(), &input, from, 5);
        let method = Resampler::new(from, to).unwrap().method();
        println!(
            "| {from} → {to} | {sinc:.0} | {method} | {new:.0} | {:.1}× |",
            sinc / new
        );
    }
}
