//! Measures how long normalisation takes per sentence, with std timing only.
//!
//! Run: `cargo run -p tts-normalize --release --example normalize_bench`
//! (add `-- --show` to print what each sentence becomes).
//! The budget is 20 µs per sentence; the figure is machine-dependent, so it is printed,
//! not asserted.

use std::hint::black_box;
use std::time::Instant;

use tts_normalize::{normalize, parse_ssml, Options};

const ENGLISH: &[&str] = &[
    "Your balance is $1,234.56 as of 03/14/2026.",
    "Dr. Smith lives at 221B Baker St. in London.",
    "The meeting is at 2:30 pm on March 14, 2026, in room 5.",
    "Call 1-800-555-0199 or email john.doe@example.com for help.",
    "It weighs 5 kg and runs at 100 mph, about 50% faster than v2.1.0.",
    "Henry VIII ruled England from 1509 to 1547.",
    "The quick brown fox jumps over the lazy dog, and then it rests.",
    "Temperatures fell to -5°C overnight; pages 5–7 explain why.",
];

const KOREAN: &[&str] = &[
    "사과 3개와 배 2개를 5,000원에 샀습니다.",
    "회의는 2026년 3월 14일 5시 30분에 시작합니다.",
    "연락처는 010-1234-5678입니다.",
];

fn per_sentence(label: &str, sentences: &[&str], f: impl Fn(&str) -> usize) {
    let rounds = 20_000;
    for s in sentences {
        black_box(f(s));
    }
    let start = Instant::now();
    for _ in 0..rounds {
        for s in sentences {
            black_box(f(black_box(s)));
        }
    }
    let each = start.elapsed().as_secs_f64() * 1e6 / (rounds * sentences.len()) as f64;
    println!(
        "{label:<28} {each:>7.2} µs per sentence ({} sentences × {rounds})",
        sentences.len()
    );
}

fn main() {
    if std::env::args().any(|a| a == "--show") {
        for s in ENGLISH {
            println!("{s}\n  → {}", normalize(s, "en-US"));
        }
        for s in KOREAN {
            println!("{s}\n  → {}", normalize(s, "ko-KR"));
        }
        return;
    }
    per_sentence("normalize en-US", ENGLISH, |s| normalize(s, "en-US").len());
    per_sentence("normalize ko-KR", KOREAN, |s| normalize(s, "ko-KR").len());
    let wrapped: Vec<String> = ENGLISH
        .iter()
        .map(|s| format!("<speak><s>{s}</s><break time=\"300ms\"/></speak>"))
        .collect();
    let wrapped: Vec<&str> = wrapped.iter().map(String::as_str).collect();
    let opts = Options::default();
    per_sentence("parse_ssml en-US", &wrapped, |s| {
        parse_ssml(s, "en-US", &opts).map_or(0, |p| p.len())
    });
}
