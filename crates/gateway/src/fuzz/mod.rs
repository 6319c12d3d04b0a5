//! Property-based fuzzing of every parser the gateway runs on client input (docs/FUZZING.md):
//! the create-session body, the OpenAI body, the realtime and adapter socket messages
//! and Wyoming's framing (query strings are fuzzed over HTTP, in `tests/api/fuzz`). Each
//! property: no panic, and every rejection is a typed error with a message that names
//! what was wrong.
//!
//! The case budget is fixed for CI and raised with `FUZZ_CASES` for a longer run; inputs
//! that once failed are kept in `proptest-regressions/` and replayed first.

mod create_session;
mod messages;
mod wyoming;

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};

/// `cases` in CI; `FUZZ_CASES` for a longer run.
pub(crate) fn budget(cases: u32) -> Config {
    Config {
        cases: tts_core::fuzz_cases(cases),
        ..Config::default()
    }
}

/// Strings that parsers care about (names, numbers, formats, markup, escapes), mixed
/// with arbitrary ones.
pub(crate) fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "", " ", "speak", "flush", "close", "cancel", "Speak", "Flush", "Clear", "Close",
            "mock_tone", "en-US-mock-1", "en-US", "en", "xx-YY", "pcm16", "wav", "mp3", "opus",
            "flac", "aac", "mulaw", "alaw", "raw", "pcm_s16le", "pcm_f32le", "pcm_mulaw",
            "mp3_44100_128", "pcm_16000", "ulaw_8000", "opus_48000_64", "wav_", "pcm_x_1",
            "16000", "-1", "0", "1e309", "NaN", "plain", "ssml", "auto", "slow", "fast",
            "normal", "<speak>", "<speak><break time=\"9999999s\"/></speak>", "/ipa/",
            "\u{0}", "\u{feff}", "é", "\u{1F600}", "a\"b", "\\", "%", "&", "=",
        ])
        .prop_map(str::to_string),
        2 => "\\PC{0,16}",
        1 => any::<String>(),
    ]
}

/// Numbers at and around the edges parsers check.
pub(crate) fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            0i64,
            1,
            -1,
            6,
            7,
            8000,
            16000,
            22050,
            24000,
            44100,
            48000,
            384000,
            384001,
            30000,
            30001,
            512,
            513,
            i64::from(u32::MAX),
            i64::from(u32::MAX) + 1,
            i64::MIN,
            i64::MAX,
        ])
        .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![
            0.24, 0.25, 1.0, 4.0, 4.01, 16000.0, 16000.5, -0.0, 1e300
        ])
        .prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
    ]
}

/// Any JSON value, a few levels deep.
pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        texty().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((texty(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// What happens to one field of a valid message.
#[derive(Clone, Debug)]
pub(crate) enum Mutation {
    Keep,
    Remove,
    Replace(Value),
}

/// A valid object with each of its fields kept, removed or replaced, and a few fields
/// added: the near-misses that reach deep into a parser.
pub(crate) fn near(valid: Value) -> impl Strategy<Value = Value> {
    let Value::Object(fields) = valid else {
        panic!("near() takes an object")
    };
    let keys: Vec<String> = fields.keys().cloned().collect();
    let mutation = prop_oneof![
        4 => Just(Mutation::Keep),
        1 => Just(Mutation::Remove),
        2 => json_value().prop_map(Mutation::Replace),
    ];
    let extra = prop::collection::vec(
        (
            prop_oneof![prop::sample::select(keys.clone()), texty()],
            json_value(),
        ),
        0..2,
    );
    (prop::collection::vec(mutation, keys.len()), extra).prop_map(move |(mutations, extra)| {
        let mut out = Map::new();
        for ((k, v), m) in fields.iter().zip(mutations) {
            match m {
                Mutation::Keep => {
                    out.insert(k.clone(), v.clone());
                }
                Mutation::Remove => {}
                Mutation::Replace(r) => {
                    out.insert(k.clone(), r);
                }
            }
        }
        for (k, v) in extra {
            out.insert(k, v);
        }
        Value::Object(out)
    })
}

/// Text a client might send as a message: arbitrary text, any JSON, or a near miss of
/// one of `valid`.
pub(crate) fn message(valid: Vec<Value>) -> impl Strategy<Value = String> {
    let near_misses: Vec<_> = valid.into_iter().map(near).collect();
    prop_oneof![
        1 => any::<String>(),
        1 => json_value().prop_map(|v| v.to_string()),
        4 => prop::strategy::Union::new(near_misses).prop_map(|v| v.to_string()),
    ]
}
