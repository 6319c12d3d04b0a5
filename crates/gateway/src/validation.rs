//! Checks a create-session body the way the original (FastAPI + pydantic) did, so clients
//! get the same 422 shapes: every problem at once, each naming its field.
//!
//! The body is parsed by hand from a `serde_json::Value` rather than by a derived
//! deserializer, because serde stops at the first error and cannot name every field.

use crate::error::FieldError;
use crate::pipeline::{TextOptions, TextType};
use serde_json::{Map, Value};
use tts_core::AudioFormat;

/// A create-session body that has the right shape (semantic checks come after).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSession {
    pub provider: String,
    pub voice: String,
    pub text: String,
    pub target_format: AudioFormat,
    pub sample_rate_hz: u32,
    pub language: Option<String>,
    pub bitrate_kbps: Option<u32>,
    pub speed: Option<f32>,
    pub pitch: Option<f32>,
    /// Ask for `timestamps` frames (word timings) on the stream.
    pub word_timestamps: bool,
    /// `normalize`, `text_type`, `lexicon`.
    pub reading: TextOptions,
    /// `cache` (default true), `cache_info` (default false).
    pub cache: crate::cache::CacheUse,
}

/// Every field a create-session body may carry; an error names one of them.
pub const FIELDS: [&str; 13] = [
    "provider",
    "voice",
    "text",
    "target_format",
    "sample_rate_hz",
    "language",
    "bitrate_kbps",
    "speed",
    "pitch",
    "word_timestamps",
    "normalize",
    "text_type",
    "lexicon",
];

/// Upper bound on `sample_rate_hz`, far above any codec's, to keep numbers sane.
pub const MAX_SAMPLE_RATE: u64 = 384_000;

pub fn parse_create(body: &[u8], max_text_chars: usize) -> Result<CreateSession, Vec<FieldError>> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        vec![FieldError {
            loc: vec![Value::from("body"), Value::from(e.column())],
            msg: format!("JSON decode error: {e}"),
            kind: "json_invalid",
        }]
    })?;
    let Value::Object(obj) = value else {
        return Err(vec![FieldError {
            loc: vec![Value::from("body")],
            msg: "Input should be a valid dictionary or object".into(),
            kind: "model_attributes_type",
        }]);
    };
    let mut errors = Vec::new();
    let provider = required_str(&obj, "provider", &mut errors);
    let voice = required_str(&obj, "voice", &mut errors);
    let text = required_str(&obj, "text", &mut errors);
    if let Some(t) = &text {
        let chars = t.chars().count();
        if chars == 0 {
            errors.push(FieldError::body(
                "text",
                "string_too_short",
                "String should have at least 1 character",
            ));
        } else if chars > max_text_chars {
            errors.push(FieldError::body(
                "text",
                "string_too_long",
                format!("String should have at most {max_text_chars} characters (got {chars})"),
            ));
        }
    }
    let target_format = required_str(&obj, "target_format", &mut errors).and_then(|f| {
        f.parse::<AudioFormat>()
            .map_err(|_| {
                let names: Vec<String> = AudioFormat::ALL
                    .iter()
                    .map(|f| format!("'{}'", f.name()))
                    .collect();
                errors.push(FieldError::body(
                    "target_format",
                    "enum",
                    format!("Input should be {} (got {f:?})", names.join(", ")),
                ));
            })
            .ok()
    });
    let sample_rate_hz = match obj.get("sample_rate_hz") {
        None => {
            errors.push(missing("sample_rate_hz"));
            None
        }
        Some(v) => int_in(v, "sample_rate_hz", 1, MAX_SAMPLE_RATE, &mut errors).map(|v| v as u32),
    };
    let language = optional_str(&obj, "language", &mut errors).filter(|s| !s.trim().is_empty());
    let bitrate_kbps = obj
        .get("bitrate_kbps")
        .filter(|v| !v.is_null())
        .and_then(|v| int_in(v, "bitrate_kbps", 6, 512, &mut errors))
        .map(|v| v as u32);
    let speed = optional_factor(&obj, "speed", &mut errors);
    let pitch = optional_factor(&obj, "pitch", &mut errors);
    let word_timestamps = optional_bool(&obj, "word_timestamps", &mut errors).unwrap_or(false);
    let normalize = optional_bool(&obj, "normalize", &mut errors).unwrap_or(true);
    let text_type = optional_str(&obj, "text_type", &mut errors).and_then(|t| {
        TextType::parse(&t).or_else(|| {
            errors.push(FieldError::body(
                "text_type",
                "enum",
                format!("Input should be 'plain', 'ssml' or 'auto' (got {t:?})"),
            ));
            None
        })
    });
    let lexicon = lexicon_entries(&obj, &mut errors);
    let cache = crate::cache::CacheUse {
        enabled: optional_bool(&obj, "cache", &mut errors).unwrap_or(true),
        marks: optional_bool(&obj, "cache_info", &mut errors).unwrap_or(false),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CreateSession {
        provider: provider.expect("checked"),
        voice: voice.expect("checked"),
        text: text.expect("checked"),
        target_format: target_format.expect("checked"),
        sample_rate_hz: sample_rate_hz.expect("checked"),
        language,
        bitrate_kbps,
        speed,
        pitch,
        word_timestamps,
        reading: TextOptions {
            normalize,
            text_type: text_type.unwrap_or_default(),
            lexicon,
        },
        cache,
    })
}

/// `"lexicon": {"word": "replacement or /ipa/", …}`; absent or null is none.
fn lexicon_entries(
    obj: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Vec<(String, String)> {
    match obj.get("lexicon") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => {
            let mut out = Vec::with_capacity(map.len());
            for (from, to) in map {
                match to {
                    Value::String(to) => out.push((from.clone(), to.clone())),
                    _ => errors.push(FieldError::body(
                        "lexicon",
                        "string_type",
                        format!("the entry for {from:?} should be a string"),
                    )),
                }
            }
            out
        }
        Some(_) => {
            errors.push(FieldError::body(
                "lexicon",
                "dict_type",
                "Input should be an object of word → replacement",
            ));
            Vec::new()
        }
    }
}

/// Absent and `null` are both "not given".
fn optional_bool(
    obj: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<bool> {
    match obj.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            errors.push(FieldError::body(
                field,
                "bool_type",
                "Input should be a valid boolean",
            ));
            None
        }
    }
}

fn missing(field: &str) -> FieldError {
    FieldError::body(field, "missing", "Field required")
}

fn required_str(
    obj: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match obj.get(field) {
        None => {
            errors.push(missing(field));
            None
        }
        Some(v) => string(v, field, errors),
    }
}

/// Absent and `null` are both "not given".
fn optional_str(
    obj: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match obj.get(field) {
        None | Some(Value::Null) => None,
        Some(v) => string(v, field, errors),
    }
}

fn string(v: &Value, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        _ => {
            errors.push(FieldError::body(
                field,
                "string_type",
                "Input should be a valid string",
            ));
            None
        }
    }
}

/// An integer in `[min, max]`; integral floats (16000.0) are accepted as pydantic does.
fn int_in(v: &Value, field: &str, min: u64, max: u64, errors: &mut Vec<FieldError>) -> Option<u64> {
    let n = match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        }),
        _ => None,
    };
    let Some(n) = n else {
        errors.push(FieldError::body(
            field,
            "int_type",
            "Input should be a valid integer",
        ));
        return None;
    };
    if n < min as i64 {
        let msg = if min == 1 {
            "Input should be greater than 0".to_string()
        } else {
            format!("Input should be greater than or equal to {min}")
        };
        errors.push(FieldError::body(field, "greater_than_equal", msg));
        return None;
    }
    if n as u64 > max {
        errors.push(FieldError::body(
            field,
            "less_than_equal",
            format!("Input should be less than or equal to {max}"),
        ));
        return None;
    }
    Some(n as u64)
}

/// A relative factor (speed, pitch) between 0.25 and 4.0.
fn optional_factor(
    obj: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<f32> {
    match obj.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if (0.25..=4.0).contains(&f) => Some(f as f32),
            _ => {
                errors.push(FieldError::body(
                    field,
                    "value_error",
                    "Input should be between 0.25 and 4.0",
                ));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::body(
                field,
                "float_type",
                "Input should be a valid number",
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errs: &[FieldError]) -> Vec<String> {
        errs.iter()
            .map(|e| e.loc[1].as_str().unwrap_or("?").to_string())
            .collect()
    }

    #[test]
    fn a_valid_body_parses() {
        let body = br#"{"provider":"mock_tone","voice":"en-US-mock-1","text":"Hi",
            "target_format":"pcm16","sample_rate_hz":16000.0,"language":"en-us"}"#;
        let c = parse_create(body, 10).unwrap();
        assert_eq!(c.sample_rate_hz, 16000);
        assert_eq!(c.language.as_deref(), Some("en-us"));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let body = br#"{"provider":1,"text":"","target_format":"vorbis","sample_rate_hz":0}"#;
        let errs = parse_create(body, 10).unwrap_err();
        assert_eq!(
            fields(&errs),
            [
                "provider",
                "voice",
                "text",
                "target_format",
                "sample_rate_hz"
            ]
        );
    }

    #[test]
    fn null_is_refused_for_required_fields_and_ignored_for_optional_ones() {
        let body = br#"{"provider":null,"voice":"v","text":"t","target_format":"wav",
            "sample_rate_hz":8000,"language":null}"#;
        let errs = parse_create(body, 10).unwrap_err();
        assert_eq!(fields(&errs), ["provider"]);
        assert_eq!(errs[0].kind, "string_type");
    }

    #[test]
    fn long_text_is_refused() {
        let body = br#"{"provider":"p","voice":"v","text":"abcdef","target_format":"wav","sample_rate_hz":8000}"#;
        let errs = parse_create(body, 5).unwrap_err();
        assert_eq!(errs[0].kind, "string_too_long");
    }

    #[test]
    fn non_json_and_non_objects_are_refused() {
        assert_eq!(
            parse_create(b"{oops", 5).unwrap_err()[0].kind,
            "json_invalid"
        );
        assert_eq!(
            parse_create(b"[1]", 5).unwrap_err()[0].kind,
            "model_attributes_type"
        );
    }
}
