//! Encoder throughput, per format, on one core.
//!
//! For each case: the per-stream setup cost (creating the transcoder), the throughput of
//! one long stream (60 s of a speech-like signal in 100 ms chunks) in multiples of real
//! time, and the measured rate of gateway-like sessions (setup + 4.1 s of 16 kHz audio in
//! 100 ms chunks + finish) per second.
//!
//! CPU time is this thread's own (`/proc/thread-self/schedstat`, nanoseconds), so it
//! excludes ffmpeg's work for aac; wall time includes it. Pin to one core to make the two
//! comparable:
//!
//!     taskset -c 1 cargo run --release -p tts-audio --example encoder_throughput

mod common;

use common::cpu_time;
use std::time::{Duration, Instant};
use tts_audio::{Codecs, EncoderOptions, Transcoder};
use tts_core::{AudioChunk, AudioFormat};

/// A deterministic speech-like signal: a glottal-pulse-ish harmonic series whose pitch
/// glides between 100 and 220 Hz, shaped into ~4 syllables per second, with noise bursts
/// (fricatives) and short pauses between phrases.
fn speech_like(rate: u32, seconds: f64) -> Vec<i16> {
    let n = (f64::from(rate) * seconds) as usize;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let mut phase = 0.0f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let pitch = 160.0 + 60.0 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
            phase += pitch / f64::from(rate);
            let mut voiced = 0.0;
            for h in 1..=12 {
                let hf = pitch * f64::from(h);
                if hf < f64::from(rate) / 2.0 {
                    voiced +=
                        (2.0 * std::f64::consts::PI * f64::from(h) * phase).sin() / f64::from(h);
                }
            }
            let syllable = (std::f64::consts::PI * 4.0 * t).sin().abs();
            let pause = if (t % 3.0) > 2.6 { 0.0 } else { 1.0 };
            let fricative = if (t * 4.0) % 1.0 > 0.8 {
                0.3 * noise()
            } else {
                0.0
            };
            (pause * (syllable * voiced * 0.35 + fricative) * 12_000.0).clamp(-32_768.0, 32_767.0)
                as i16
        })
        .collect()
}

struct Case {
    label: &'static str,
    format: AudioFormat,
    from: u32,
    to: u32,
    options: EncoderOptions,
}

fn case(label: &'static str, format: AudioFormat, from: u32, to: u32) -> Case {
    Case {
        label,
        format,
        from,
        to,
        options: EncoderOptions::default(),
    }
}

fn with_bitrate(mut c: Case, kbps: u32) -> Case {
    c.options.bitrate_kbps = Some(kbps);
    c
}

fn with_complexity(mut c: Case, complexity: u8) -> Case {
    c.options.complexity = Some(complexity);
    c
}

/// Streams `samples` through a new transcoder in 100 ms chunks.
fn run_stream(codecs: &Codecs, c: &Case, samples: &[i16]) -> usize {
    let mut t = Transcoder::new(codecs, c.format, c.from, c.to, c.options).expect("transcoder");
    let mut out = Vec::new();
    let mut bytes = 0;
    for chunk in samples.chunks(c.from as usize / 10) {
        t.push(&AudioChunk::new(chunk.to_vec(), c.from), &mut out)
            .expect("push");
        bytes += out.len();
        out.clear();
    }
    t.finish(&mut out).expect("finish");
    bytes + out.len()
}

/// Repeats `f` until `min` of CPU time (or three times that of wall time, for work done
/// in another process) has passed; returns (runs, CPU, wall). The thread's CPU clock only
/// advances at scheduler ticks, so short runs are repeated until its granularity no
/// longer matters.
fn measure(min: Duration, mut f: impl FnMut()) -> (u32, Duration, Duration) {
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    let mut runs = 0;
    while runs == 0 || (cpu_time() - cpu0 < min && wall0.elapsed() < 3 * min) {
        f();
        runs += 1;
    }
    (runs, cpu_time() - cpu0, wall0.elapsed())
}

fn main() {
    let codecs = Codecs::detect();
    let args: Vec<String> = std::env::args().collect();
    let sweep = args.iter().any(|a| a == "--sweep");
    // `--only mp3` keeps the cases whose label contains "mp3" (for profiling one codec).
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let mut cases = vec![
        case("pcm16", AudioFormat::Pcm16, 16_000, 16_000),
        case("wav", AudioFormat::Wav, 16_000, 16_000),
        case("mulaw", AudioFormat::Mulaw, 16_000, 16_000),
        case("alaw", AudioFormat::Alaw, 16_000, 16_000),
        case("flac", AudioFormat::Flac, 16_000, 16_000),
        case("mp3 (default)", AudioFormat::Mp3, 16_000, 16_000),
        with_complexity(
            case("mp3 (fast)", AudioFormat::Mp3, 16_000, 16_000),
            tts_audio::MP3_FAST_COMPLEXITY,
        ),
        case("opus (default)", AudioFormat::Opus, 16_000, 16_000),
        case("resample only (pcm16)", AudioFormat::Pcm16, 16_000, 48_000),
        case("resample only (pcm16)", AudioFormat::Pcm16, 22_050, 8_000),
        case("resample + opus", AudioFormat::Opus, 16_000, 48_000),
        case("resample + mulaw", AudioFormat::Mulaw, 22_050, 8_000),
        case("resample + mp3", AudioFormat::Mp3, 22_050, 44_100),
    ];
    if sweep {
        for kbps in [24, 32, 48, 64, 80, 96] {
            cases.push(with_bitrate(
                case("mp3 bitrate", AudioFormat::Mp3, 16_000, 16_000),
                kbps,
            ));
            cases.push(with_complexity(
                with_bitrate(
                    case("mp3 fast bitrate", AudioFormat::Mp3, 16_000, 16_000),
                    kbps,
                ),
                tts_audio::MP3_FAST_COMPLEXITY,
            ));
        }
        for c in 0..=10 {
            cases.push(with_complexity(
                case("mp3 complexity", AudioFormat::Mp3, 16_000, 16_000),
                c,
            ));
            cases.push(with_complexity(
                case("opus complexity", AudioFormat::Opus, 16_000, 16_000),
                c,
            ));
        }
    }
    if codecs.available().contains(&AudioFormat::Aac) {
        cases.push(case(
            "aac (ffmpeg process)",
            AudioFormat::Aac,
            16_000,
            16_000,
        ));
    }

    if let Some(only) = &only {
        cases.retain(|c| c.label.contains(only.as_str()));
    }
    println!("| case | complexity | kbit/s | rate in→out | setup µs | 60 s stream, × real time | 4.1 s sessions per CPU-second | sessions per wall-second |");
    println!("|---|---:|---:|---|---:|---:|---:|---:|");
    for c in &cases {
        // ffmpeg's work happens in another process: only wall time sees it.
        let is_process = c.format == AudioFormat::Aac;
        let new = || Transcoder::new(&codecs, c.format, c.from, c.to, c.options).expect("new");
        let (runs, cpu, wall) = measure(Duration::from_millis(300), || {
            std::hint::black_box(new());
        });
        let setup = if is_process { wall } else { cpu } / runs;

        let long = speech_like(c.from, 60.0);
        let (runs, cpu, wall) = measure(Duration::from_secs(1), || {
            std::hint::black_box(run_stream(&codecs, c, &long));
        });
        let stream_time = if is_process { wall } else { cpu };
        let realtime = 60.0 * f64::from(runs) / stream_time.as_secs_f64();

        let session = speech_like(c.from, 4.1);
        let (runs, cpu, wall) = measure(Duration::from_secs(1), || {
            std::hint::black_box(run_stream(&codecs, c, &session));
        });
        let per_cpu = if is_process {
            "n/a".to_string()
        } else {
            format!("{:.0}", f64::from(runs) / cpu.as_secs_f64())
        };
        let per_wall = f64::from(runs) / wall.as_secs_f64();

        let complexity = c
            .options
            .complexity
            .map_or("default".to_string(), |x| x.to_string());
        let kbps = c
            .options
            .bitrate_kbps
            .map_or("default".to_string(), |x| x.to_string());
        println!(
            "| {} | {} | {} | {}→{} | {:.0} | {:.0}× | {} | {:.0} |",
            c.label,
            complexity,
            kbps,
            c.from,
            c.to,
            setup.as_secs_f64() * 1e6,
            realtime,
            per_cpu,
            per_wall
        );
    }
}
