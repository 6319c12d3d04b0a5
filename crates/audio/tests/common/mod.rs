//! Test helpers: a tone, irregular chunking, and decoding through the real ffmpeg.
#![allow(dead_code)] // each test binary uses its own subset

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use tts_audio::{Codecs, EncoderOptions, Transcoder};
use tts_core::{AudioChunk, AudioFormat};

pub const TONE_HZ: f64 = 440.0;
pub const TONE_AMPLITUDE: f64 = 8000.0;

/// `len` samples of a 440 Hz tone at `rate`.
pub fn tone(rate: u32, len: usize) -> Vec<i16> {
    (0..len)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            (TONE_AMPLITUDE * (2.0 * std::f64::consts::PI * TONE_HZ * t).sin()).round() as i16
        })
        .collect()
}

/// Deterministic irregular chunk sizes in `0..=max` (an LCG; same every run).
pub fn chunk_sizes(seed: u64, max: usize) -> impl Iterator<Item = usize> {
    let mut state = seed;
    std::iter::from_fn(move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Some((state >> 33) as usize % (max + 1))
    })
}

/// Streams `samples` through a transcoder in irregular chunks; returns all bytes emitted.
pub fn stream(
    codecs: &Codecs,
    format: AudioFormat,
    from: u32,
    to: u32,
    samples: &[i16],
    seed: u64,
    options: EncoderOptions,
) -> Vec<u8> {
    let mut t = Transcoder::new(codecs, format, from, to, options)
        .unwrap_or_else(|e| panic!("{format} {from}->{to}: {e}"));
    let mut out = Vec::new();
    let mut rest = samples;
    for n in chunk_sizes(seed, 2500) {
        if rest.is_empty() {
            break;
        }
        let n = n.min(rest.len());
        t.push(&AudioChunk::new(rest[..n].to_vec(), from), &mut out)
            .unwrap();
        rest = &rest[n..];
    }
    t.finish(&mut out).unwrap();
    out
}

/// What ffprobe says about the first stream.
#[derive(Debug, Default)]
pub struct Probe {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u32,
}

/// ffmpeg's input options for `format` (headerless formats need to be described).
fn input_args(format: AudioFormat, rate: u32) -> Vec<String> {
    let raw = match format {
        AudioFormat::Pcm16 => "s16le",
        AudioFormat::Mulaw => "mulaw",
        AudioFormat::Alaw => "alaw",
        _ => return Vec::new(),
    };
    ["-f", raw, "-ar", &rate.to_string(), "-ac", "1"]
        .map(String::from)
        .to_vec()
}

/// A file that removes itself: ffmpeg gets a real (seekable) file, as a downloaded one
/// would be; some trimming (an MP3's end padding) is only applied when it can seek.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(bytes: &[u8]) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "tts-audio-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, bytes).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `program` with `args`, where the argument "INPUT" is replaced by a file holding
/// `input`; returns stdout.
fn run(program: &str, args: &[String], input: &[u8]) -> Vec<u8> {
    let file = TempFile::new(input);
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a == "INPUT" {
                file.0.display().to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    let out = Command::new(program)
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed for these tests: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn probe(format: AudioFormat, rate: u32, bytes: &[u8]) -> Probe {
    let mut args: Vec<String> = ["-v", "error"].map(String::from).to_vec();
    args.extend(input_args(format, rate));
    args.extend(
        [
            "-show_entries",
            "stream=codec_name,sample_rate,channels",
            "-of",
            "default=nw=1",
            "-i",
            "INPUT",
        ]
        .map(String::from),
    );
    let text = String::from_utf8(run("ffprobe", &args, bytes)).unwrap();
    let mut p = Probe::default();
    for line in text.lines() {
        match line.split_once('=') {
            Some(("codec_name", v)) => p.codec = v.to_string(),
            Some(("sample_rate", v)) => p.sample_rate = v.parse().unwrap(),
            Some(("channels", v)) => p.channels = v.parse().unwrap(),
            _ => {}
        }
    }
    p
}

/// Decodes with ffmpeg to mono s16le at the file's own rate (no conversion).
pub fn decode(format: AudioFormat, rate: u32, bytes: &[u8]) -> Vec<i16> {
    let mut args: Vec<String> = ["-v", "error"].map(String::from).to_vec();
    args.extend(input_args(format, rate));
    args.extend(["-i", "INPUT", "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1"].map(String::from));
    run("ffmpeg", &args, bytes)
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The tone's frequency from zero crossings (with linear interpolation between samples).
pub fn frequency(x: &[i16], rate: u32) -> f64 {
    let mut crossings = Vec::new();
    for i in 1..x.len() {
        let (a, b) = (f64::from(x[i - 1]), f64::from(x[i]));
        if a < 0.0 && b >= 0.0 {
            crossings.push(i as f64 - 1.0 + a / (a - b));
        }
    }
    let (first, last) = (crossings[0], crossings[crossings.len() - 1]);
    (crossings.len() - 1) as f64 / (last - first) * f64::from(rate)
}

pub fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}
