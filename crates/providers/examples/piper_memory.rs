//! Measurement: Piper's resident memory and CPU per audio second over many streams of
//! varying length, in one process with nothing else in it, so that ONNX Runtime's memory
//! is seen apart from the gateway's. The texts are the soak harness's (one or two of its
//! sentences, or a few of their words, as the realtime door sends them); a fifth of the
//! streams are dropped at their first audio (a barge-in). Prints, every `--every`
//! streams, resident memory and CPU seconds per audio second since the last line.
//!
//! ```text
//! source scripts/env.sh
//! taskset -c 0 cargo run --release -p tts-providers --example piper_memory -- 600 50
//! ```
//!
//! Arguments: streams (default 600), lines every N streams (default 50). One inference
//! thread, as `PIPER_MAX_CONCURRENT=1`; the other `PIPER_*` variables are read as the
//! gateway reads them, and glibc's (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`, …) apply
//! as they would to the gateway. Figures: docs/RELIABILITY.md.

use futures::StreamExt;
use std::path::PathBuf;
use std::time::Instant;
use tts_core::{Provider, SynthesisRequest};
use tts_providers::espeak::engine::Engine;
use tts_providers::piper::{Piper, PiperConfig};

/// The soak harness's sentences (crates/bench/src/soak/clients.rs).
const TEXTS: &[&str] = &[
    "Your order shipped this morning.",
    "Hello, and welcome back. How can I help you today?",
    "The meeting moved to Thursday at three, in room four.",
    "Sure, I can help with that, one moment please.",
    "It is 21 degrees outside, with a light wind from the west.",
    "Thanks for calling. Please hold while I find your booking.",
];

/// A small xorshift generator: the same sequence every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn text(rng: &mut Rng) -> String {
    let one = TEXTS[rng.below(TEXTS.len())];
    match rng.below(10) {
        0..=5 => one.to_string(),
        6..=7 => format!("{one} {}", TEXTS[rng.below(TEXTS.len())]),
        _ => {
            let words: Vec<&str> = one.split(' ').collect();
            let start = rng.below(words.len());
            let end = (start + 1 + rng.below(4)).min(words.len());
            words[start..end].join(" ")
        }
    }
}

fn local(var: &str, rest: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../.local")
            .join(rest)
    })
}

/// (resident MiB, CPU seconds) of this process, from /proc.
fn rss_and_cpu() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit(')').next().unwrap_or("");
    let ticks: f64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<f64>().ok())
        .sum();
    (rss_kib / 1024.0, ticks / 100.0)
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let streams = args.next().and_then(Result::ok).unwrap_or(600);
    let every = args.next().and_then(Result::ok).unwrap_or(50).max(1);
    let engine = Engine::global(None).expect("espeak starts");
    let config = PiperConfig {
        voices_dir: local("PIPER_VOICES_DIR", "voices"),
        ort_dylib_path: local("ORT_DYLIB_PATH", "lib/libonnxruntime.so"),
        max_concurrent: 1,
        ..PiperConfig::from_env(&|k| std::env::var(k).ok()).expect("the PIPER_* variables")
    };
    let piper = Piper::start(&config, engine).expect("piper starts");
    let voice = piper.voices().into_iter().next().expect("a voice");
    let rate = f64::from(voice.sample_rate_hz);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (start_rss, _) = rss_and_cpu();
    println!("after start: {start_rss:.1} MiB");
    println!("streams    RSS MiB   CPU s / audio s (since the line before)");
    let started = Instant::now();
    let (mut audio, mut cpu_mark) = (0.0, rss_and_cpu().1);
    for n in 1..=streams {
        let request = SynthesisRequest {
            text: text(&mut rng),
            voice: voice.id.clone(),
            ..Default::default()
        };
        let barge_in = rng.below(5) == 0;
        audio += runtime.block_on(async {
            let mut s = piper.synthesize(request);
            let mut samples = 0usize;
            while let Some(chunk) = s.next().await {
                samples += chunk.expect("audio").samples.len();
                if barge_in {
                    break;
                }
            }
            samples as f64 / rate
        });
        if n % every == 0 {
            let (rss, cpu) = rss_and_cpu();
            println!(
                "{n:7}   {rss:7.1}   {:.3}",
                (cpu - cpu_mark) / audio.max(1e-9)
            );
            (audio, cpu_mark) = (0.0, cpu);
        }
    }
    println!(
        "{streams} streams in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
