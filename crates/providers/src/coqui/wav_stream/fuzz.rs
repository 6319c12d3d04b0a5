//! Property-based fuzzing of the incremental WAV reader (docs/FUZZING.md): any byte
//! stream, split at any points, gives exactly what it gives in one piece (the same
//! samples, the same typed error, the same end), and never panics.

use super::{WavError, WavStream};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// `cases` in CI; `FUZZ_CASES` for a longer run.
fn budget(cases: u32) -> Config {
    Config {
        cases: tts_core::fuzz_cases(cases),
        ..Config::default()
    }
}

/// What a reader made of a whole stream.
#[derive(Debug, PartialEq)]
struct Outcome {
    samples: Vec<i16>,
    /// The first error of `push`; nothing is pushed after it.
    error: Option<WavError>,
    /// `finish`, when every push was accepted.
    end: Option<Result<(), WavError>>,
    format: Option<super::WavFormat>,
}

fn read(pieces: &[&[u8]]) -> Outcome {
    let mut p = WavStream::new();
    let mut samples = Vec::new();
    for piece in pieces {
        match p.push(piece) {
            Ok(s) => samples.extend(s),
            Err(e) => {
                return Outcome {
                    samples,
                    error: Some(e),
                    end: None,
                    format: p.format(),
                }
            }
        }
    }
    Outcome {
        samples,
        error: None,
        end: Some(p.finish()),
        format: p.format(),
    }
}

/// A chunk: a known or arbitrary id, a size that may lie, and its bytes.
fn chunk() -> impl Strategy<Value = Vec<u8>> {
    let id = prop_oneof![
        Just(*b"LIST"),
        Just(*b"fact"),
        Just(*b"fmt "),
        Just(*b"data"),
        any::<[u8; 4]>(),
    ];
    (id, prop::collection::vec(any::<u8>(), 0..24), any::<bool>()).prop_map(|(id, body, honest)| {
        let size = if honest {
            body.len() as u32
        } else {
            body.len() as u32 ^ 5
        };
        [&id[..], &size.to_le_bytes(), &body].concat()
    })
}

/// A `fmt ` chunk with plausible and implausible fields.
fn fmt() -> impl Strategy<Value = Vec<u8>> {
    let tag = prop::sample::select(vec![1u16, 3, 2, 0xFFFE, 0]);
    let channels = prop::sample::select(vec![1u16, 2, 0, 17, 3]);
    let bits = prop::sample::select(vec![8u16, 16, 24, 32, 12, 0]);
    let rate = prop::sample::select(vec![8_000u32, 16_000, 22_050, 999, 384_001, 0]);
    let size = prop::sample::select(vec![16u32, 18, 40, 15, 17, 2000]);
    (tag, channels, bits, rate, size, any::<bool>()).prop_map(
        |(tag, channels, bits, rate, size, aligned)| {
            let block = if aligned {
                channels * bits.div_ceil(8)
            } else {
                3
            };
            let mut v = b"fmt ".to_vec();
            v.extend(size.to_le_bytes());
            v.extend(tag.to_le_bytes());
            v.extend(channels.to_le_bytes());
            v.extend(rate.to_le_bytes());
            v.extend((rate * u32::from(block)).to_le_bytes());
            v.extend(block.to_le_bytes());
            v.extend(bits.to_le_bytes());
            let mut rest = vec![0u8; (size as usize).saturating_sub(16).min(64)];
            if tag == 0xFFFE && rest.len() >= 10 {
                rest[8..10].copy_from_slice(&1u16.to_le_bytes()); // sub-format: PCM
            }
            v.extend(rest);
            v
        },
    )
}

/// `data`: a true size, a streaming placeholder, or a lie.
fn data() -> impl Strategy<Value = Vec<u8>> {
    let size = prop_oneof![
        Just(None),
        prop::sample::select(vec![0u32, 0x7FFF_F000, 0xFFFF_FFFF, 1, 3]).prop_map(Some),
    ];
    (size, prop::collection::vec(any::<u8>(), 0..96)).prop_map(|(size, body)| {
        let size = size.unwrap_or(body.len() as u32);
        [&b"data"[..], &size.to_le_bytes(), &body].concat()
    })
}

/// Streams that look like WAVs (chunks in any order, some corrupted), and plain noise.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let riff = prop_oneof![
        8 => Just(b"RIFF\xff\xff\xff\xffWAVE".to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..12),
    ];
    let part = prop_oneof![2 => chunk(), 3 => fmt(), 3 => data()];
    let wav = (
        riff,
        prop::collection::vec(part, 0..5),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
    )
        .prop_map(|(riff, parts, flips)| {
            let mut v = [riff, parts.concat()].concat();
            for (at, byte) in flips {
                if !v.is_empty() {
                    let i = at.index(v.len());
                    v[i] = byte;
                }
            }
            v
        });
    prop_oneof![5 => wav, 1 => prop::collection::vec(any::<u8>(), 0..128)]
}

proptest! {
    #![proptest_config(budget(1024))]

    #[test]
    fn a_stream_split_anywhere_reads_as_it_does_whole(
        bytes in stream(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let whole = read(&[&bytes]);
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        at.extend([0, bytes.len()]);
        at.sort_unstable();
        let pieces: Vec<&[u8]> = at.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
        let split = read(&pieces);
        prop_assert_eq!(&split, &whole);
        let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(&read(&one_by_one), &whole);
        if let Some(e) = &whole.error {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}
