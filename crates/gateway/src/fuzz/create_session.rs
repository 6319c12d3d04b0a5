//! The create-session body (`POST /v1/tts/sessions`): arbitrary bytes and near-valid
//! bodies are parsed or refused with every problem named by its field.

use super::{budget, json_value, near};
use crate::validation::{parse_create, FIELDS, MAX_SAMPLE_RATE};
use proptest::prelude::*;
use serde_json::{json, Value};

const REQUIRED: [&str; 5] = [
    "provider",
    "voice",
    "text",
    "target_format",
    "sample_rate_hz",
];
const MAX_TEXT: usize = 40;

fn valid() -> Value {
    json!({"provider": "mock_tone", "voice": "en-US-mock-1", "text": "Hello there.",
           "target_format": "pcm16", "sample_rate_hz": 16000, "language": "en-US",
           "bitrate_kbps": null, "speed": 1.0, "pitch": 1.0, "word_timestamps": true,
           "normalize": true, "text_type": "plain", "lexicon": {"GW": "gateway"}})
}

/// Checks one body against the property; `Err` says what broke it.
fn check(body: &[u8]) -> Result<(), TestCaseError> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    match parse_create(body, MAX_TEXT) {
        Ok(c) => {
            let obj = parsed.as_ref().and_then(Value::as_object);
            prop_assert!(obj.is_some(), "accepted a body that is not an object");
            prop_assert!((1..=MAX_SAMPLE_RATE).contains(&u64::from(c.sample_rate_hz)));
            prop_assert!(!c.text.is_empty() && c.text.chars().count() <= MAX_TEXT);
            for f in [c.speed, c.pitch].into_iter().flatten() {
                prop_assert!((0.25..=4.0).contains(&f), "factor {f} accepted");
            }
            if let Some(b) = c.bitrate_kbps {
                prop_assert!((6..=512).contains(&b), "bitrate {b} accepted");
            }
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty(), "refused without saying why");
            for e in &errors {
                prop_assert!(!e.msg.trim().is_empty(), "empty message: {e:?}");
                prop_assert_eq!(&e.loc[0], &json!("body"));
                match e.kind {
                    "json_invalid" => prop_assert!(parsed.is_none(), "{e:?}"),
                    "model_attributes_type" => {
                        prop_assert!(parsed.as_ref().is_some_and(|v| !v.is_object()))
                    }
                    _ => {
                        let field = e.loc.get(1).and_then(Value::as_str);
                        prop_assert!(
                            field.is_some_and(|f| FIELDS.contains(&f)),
                            "error names no field: {e:?}"
                        );
                        let field = field.unwrap_or_default();
                        let given = parsed.as_ref().and_then(|v| v.get(field));
                        if e.kind == "missing" {
                            prop_assert!(REQUIRED.contains(&field) && given.is_none(), "{e:?}");
                        } else {
                            prop_assert!(given.is_some(), "{field} refused but not given: {e:?}");
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(budget(512))]

    #[test]
    fn arbitrary_bytes_are_parsed_or_refused_with_a_message(body in prop::collection::vec(any::<u8>(), 0..256)) {
        check(&body)?;
    }

    #[test]
    fn arbitrary_json_is_parsed_or_refused_naming_each_field(v in json_value()) {
        check(v.to_string().as_bytes())?;
    }

    #[test]
    fn near_valid_bodies_are_parsed_or_refused_naming_each_field(v in near(valid())) {
        check(v.to_string().as_bytes())?;
    }
}
