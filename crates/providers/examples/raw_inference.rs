//! Benchmark: Piper's raw inference speed and time to first audio, whole-sentence and
//! chunked, and the providers' streams (Piper's and espeak's), on one core. Numbers for
//! docs/BENCHMARKS.md; run it pinned:
//!
//! ```text
//! taskset -c 0 cargo run --release -p tts-providers --example raw_inference
//! ```
//!
//! "whole" = the voice's graph as exported, one `Session::run` per sentence; "chunked" =
//! the graph cut into encoder, flow and decoder, run step by step as the provider does
//! (encoder windows, growing chunks of frames). Both with phoneme ids made beforehand and
//! 1 intra-op thread. "stream" = the provider's stream end to end (text split, espeak
//! phonemes, inference, PCM16), as the gateway sees it. Real-time factor = compute time /
//! audio duration; "CPU RTF" = CPU time of the process over all runs / audio duration,
//! which other load on the core does not inflate. `ORT_DYLIB_PATH` and `PIPER_VOICES_DIR` default to the repository's
//! `.local`. `PIPER_BENCH_CHUNKING=first,growth,max,flow_context,decoder_context` (frames)
//! tries another chunking than the provider's.

use futures::StreamExt;
use ort::session::RunOptions;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tts_core::{Provider, SynthesisRequest};
use tts_providers::espeak::engine::Engine;
use tts_providers::espeak::{EspeakConfig, EspeakProvider};
use tts_providers::piper::model::{self, LoadedModel};
use tts_providers::piper::stats::PiperStats;
use tts_providers::piper::unit::UnitSynthesis;
use tts_providers::piper::{Piper, PiperConfig, UNIT_CHARS};

/// Runs of each path per text; `RAW_INFERENCE_RUNS` sets another count (more runs narrow
/// the CPU RTF comparison on a noisy machine).
fn runs() -> usize {
    std::env::var("RAW_INFERENCE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(7)
}
/// 12 words.
const ONE: &str = "The quick brown fox jumps over the lazy dog near the old bridge.";
/// 56 words, one sentence without clause punctuation.
const LONG: &str = "The travellers who had waited for hours on the cold platform gathered \
    their bags and coats and climbed aboard without a word hoping that the long journey \
    through the mountains would be quicker than the last one and that the heating in the \
    old carriages would work this time so that nobody would have to sleep in a coat again.";
const THREE: &str = "It was a bright cold day in April, and the clocks were striking thirteen. \
    The quick brown fox jumps over the lazy dog near the old stone bridge. \
    Nobody in the village could remember a spring quite like this one.";
const TEXTS: [(&str, &str); 3] = [
    ("12 words   ", ONE),
    ("56 words   ", LONG),
    ("3 sentences", THREE),
];

fn local(var: &str, rest: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../.local")
            .join(rest)
    })
}

/// "median (best)": the best run is the least disturbed by other load on the machine.
fn stat(mut v: Vec<f64>, show: fn(f64) -> String) -> String {
    v.sort_by(f64::total_cmp);
    format!("{} ({})", show(v[v.len() / 2]), show(v[0]).trim())
}

/// CPU seconds (user + system) this process has used, from /proc (10 ms ticks).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

fn ms(d: f64) -> String {
    format!("{:6.1} ms", d * 1000.0)
}

fn ratio(r: f64) -> String {
    format!("{r:.3}")
}

fn main() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    println!("machine: {cpu}, {cores} core(s) available to this process, load average {load}; median (best) of {} runs", runs());

    let engine = Engine::global(None).expect("espeak starts");
    let config = PiperConfig {
        voices_dir: local("PIPER_VOICES_DIR", "voices"),
        ort_dylib_path: local("ORT_DYLIB_PATH", "lib/libonnxruntime.so"),
        intra_op_threads: 1,
        max_concurrent: 1,
        ..PiperConfig::default()
    };
    raw_piper(&config, &engine);
    stream(
        "piper",
        &Piper::start(&config, engine.clone()).expect("piper starts"),
    );
    stream(
        "espeak",
        &EspeakProvider::start(&EspeakConfig::default()).expect("espeak starts"),
    );
}

/// Raw inference of each unit, ids prepared beforehand: whole graph, then chunked.
fn raw_piper(config: &PiperConfig, engine: &Engine) {
    let models = model::discover(&config.voices_dir).expect("a voice");
    let m = &models[0];
    let env = model::environment(&config.ort_dylib_path).expect("ONNX Runtime loads");
    let started = Instant::now();
    let mut whole = LoadedModel::load_whole(&env, m, 1).expect("model loads");
    let whole_load = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let LoadedModel::Split(mut parts) = LoadedModel::load(&env, m, 1).expect("model loads") else {
        panic!("{}: the graph was not cut", m.name);
    };
    println!(
        "\npiper raw ({}, {} Hz, intra-op threads 1): load whole {}, cut {}",
        m.name,
        m.sample_rate,
        ms(whole_load),
        ms(started.elapsed().as_secs_f64())
    );
    let options = RunOptions::new().unwrap();
    let scales = [m.noise_scale, m.length_scale, m.noise_w];
    let units_of = |text: &str| {
        tts_providers::text::units(text, UNIT_CHARS, UNIT_CHARS)
            .iter()
            .map(|u| {
                let texts = u.clauses.iter().map(|c| c.text.clone()).collect();
                let ph = engine.phonemize(&m.espeak_voice, texts).unwrap();
                m.phoneme_ids.unit(u, &ph)
            })
            .collect::<Vec<_>>()
    };
    let warm = units_of("Warm up.");
    whole.infer(&warm[0].ids, scales, None, &options).unwrap();
    let stats = PiperStats::default();
    for (label, text) in TEXTS {
        let units = units_of(text);
        let (mut w_first, mut w_rtf, mut c_first, mut c_rtf, mut pieces, mut audio_s) =
            (vec![], vec![], vec![], vec![], 0, 0.0);
        let mut s_rtf = vec![];
        // CPU seconds of each path over all runs: robust against other load on the core.
        let (mut cpu, mut heard) = ([0.0f64; 3], [0.0f64; 3]);
        for _ in 0..runs() {
            let (mut compute, mut samples) = (0.0, 0);
            let cpu0 = cpu_secs();
            for (i, u) in units.iter().enumerate() {
                let t = Instant::now();
                let audio = whole.infer(&u.ids, scales, None, &options).unwrap();
                let dt = t.elapsed().as_secs_f64();
                if i == 0 {
                    w_first.push(dt);
                }
                compute += dt;
                samples += audio.len();
            }
            w_rtf.push(compute / (samples as f64 / f64::from(m.sample_rate)));
            cpu[0] += cpu_secs() - cpu0;
            heard[0] += samples as f64 / f64::from(m.sample_rate);

            let (mut compute, mut samples) = (0.0, 0);
            let cpu0 = cpu_secs();
            for u in &units {
                let t = Instant::now();
                let e = parts.encode(&u.ids, scales, None, &options).unwrap();
                let z = parts.flow(&e.prior, None, &options).unwrap();
                samples += parts.decode(&z, None, &options).unwrap().len();
                compute += t.elapsed().as_secs_f64();
            }
            s_rtf.push(compute / (samples as f64 / f64::from(m.sample_rate)));
            cpu[1] += cpu_secs() - cpu0;
            heard[1] += samples as f64 / f64::from(m.sample_rate);

            let (mut compute, mut samples) = (0.0, 0);
            let cpu0 = cpu_secs();
            pieces = 0;
            for (i, u) in units.iter().enumerate() {
                let starts = u.words.iter().map(|w| w.ids.start).collect();
                let mut unit = UnitSynthesis::new(u.ids.clone(), starts, Vec::new());
                if let Ok(v) = std::env::var("PIPER_BENCH_CHUNKING") {
                    let v: Vec<usize> = v.split(',').map(|x| x.parse().unwrap()).collect();
                    unit = unit.with_cuts(
                        tts_providers::piper::unit::Chunking {
                            first: v[0],
                            growth: v[1],
                            max: v[2],
                            flow_context: v[3],
                            decoder_context: v[4],
                            ..Default::default()
                        },
                        Default::default(),
                    );
                }
                unit = unit.after(samples as u64);
                let t = Instant::now();
                loop {
                    let piece = unit
                        .next_piece(&mut parts, scales, None, &options, &stats)
                        .unwrap();
                    if i == 0 && pieces == 0 {
                        c_first.push(t.elapsed().as_secs_f64());
                    }
                    pieces += 1;
                    samples += piece.samples.len();
                    if piece.last {
                        break;
                    }
                }
                compute += t.elapsed().as_secs_f64();
            }
            audio_s = samples as f64 / f64::from(m.sample_rate);
            c_rtf.push(compute / audio_s);
            cpu[2] += cpu_secs() - cpu0;
            heard[2] += audio_s;
        }
        let cpu_rtf = [0, 1, 2].map(|i| cpu[i] / heard[i]);
        println!(
            "  {label}: {} unit(s), {audio_s:5.2} s audio\n    whole  : first audio {} | RTF {} | CPU RTF {:.3}\n    cut, unchunked:                         RTF {} | CPU RTF {:.3}\n    chunked: first audio {} | RTF {} | CPU RTF {:.3} | {pieces} pieces",
            units.len(),
            stat(w_first, ms),
            stat(w_rtf, ratio),
            cpu_rtf[0],
            stat(s_rtf, ratio),
            cpu_rtf[1],
            stat(c_first, ms),
            stat(c_rtf, ratio),
            cpu_rtf[2],
        );
    }
}

/// The provider's stream: time to first chunk and to the end, per text.
fn stream(label: &str, provider: &dyn Provider) {
    let voice = provider
        .voices()
        .into_iter()
        .find(|v| v.language == "en-US")
        .expect("an en-US voice");
    println!(
        "\n{label} stream (voice {}, {} Hz):",
        voice.id, voice.sample_rate_hz
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (name, text) in TEXTS {
        let (mut first, mut total, mut rtf, mut audio_s) =
            (Vec::new(), Vec::new(), Vec::new(), 0.0);
        for _ in 0..runs() {
            let request = SynthesisRequest {
                text: text.into(),
                voice: voice.id.clone(),
                ..Default::default()
            };
            let (f, t, samples) = runtime.block_on(async {
                let started = Instant::now();
                let mut s = provider.synthesize(request);
                let mut first = None;
                let mut samples = 0usize;
                while let Some(chunk) = s.next().await {
                    let chunk = chunk.expect("audio");
                    first.get_or_insert(started.elapsed());
                    samples += chunk.samples.len();
                }
                (first.unwrap_or(Duration::ZERO), started.elapsed(), samples)
            });
            audio_s = samples as f64 / f64::from(voice.sample_rate_hz);
            first.push(f.as_secs_f64());
            total.push(t.as_secs_f64());
            rtf.push(t.as_secs_f64() / audio_s);
        }
        println!(
            "  {name}: {audio_s:5.2} s audio | first audio {} | all audio {} | RTF {}",
            stat(first, ms),
            stat(total, ms),
            stat(rtf, ratio)
        );
    }
}
