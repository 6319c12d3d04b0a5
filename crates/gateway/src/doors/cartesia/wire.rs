//! Cartesia's messages: the generation request (REST body, and each socket input), its
//! `voice` and `output_format`, and the socket's `chunk`, `timestamps`, `flush_done`,
//! `done` and `error` messages.

use super::error::{CartesiaError, CODES};
use crate::doors::context::ContextWire;
use crate::pipeline::WordTiming;
use axum::extract::ws::Message;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use tts_core::AudioFormat;

/// A generation request: the REST body, or one input of a socket context. `model_id`
/// (and any field not named here) is accepted and ignored: the engine is the voice's.
#[derive(Debug, Default, Deserialize)]
pub struct Generation {
    pub context_id: Option<String>,
    #[serde(default)]
    pub transcript: String,
    pub voice: Option<Value>,
    pub output_format: Option<OutputFormat>,
    pub language: Option<String>,
    /// `"slow"`, `"normal"`, `"fast"`, or a factor.
    pub speed: Option<Value>,
    pub generation_config: Option<GenerationConfig>,
    #[serde(rename = "continue", default)]
    pub more: bool,
    #[serde(default)]
    pub flush: bool,
    #[serde(default)]
    pub add_timestamps: bool,
    pub max_buffer_delay_ms: Option<u64>,
    #[serde(default)]
    pub cancel: bool,
    /// `"cache": false`: not served from nor stored in the phrase cache (not Cartesia's;
    /// on a socket, read from a context's first input).
    pub cache: Option<bool>,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct GenerationConfig {
    pub speed: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OutputFormat {
    pub container: String,
    pub encoding: Option<String>,
    pub sample_rate: u32,
    pub bit_rate: Option<u32>,
}

/// What a context is made with; later inputs may not change it.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub voice: String,
    pub output_format: OutputFormat,
    pub language: Option<String>,
    pub speed: Option<f32>,
}

impl Generation {
    /// The voice id: a string, or `{"id": …}` (`{"mode": "id", "id": …}` in older versions).
    pub fn voice_id(&self) -> Result<String, CartesiaError> {
        match &self.voice {
            Some(Value::String(id)) => Ok(id.clone()),
            Some(Value::Object(o)) => match o.get("id") {
                Some(Value::String(id)) => Ok(id.clone()),
                _ => Err(CODES.invalid(
                    "voice must name an id: {\"id\": \"en-US-mock-1\"}; embeddings are not supported",
                )),
            },
            _ => Err(CODES.invalid(
                "voice is required: one of this gateway's voice ids, e.g. \"en-US-mock-1\"",
            )),
        }
    }

    pub fn speed(&self) -> Result<Option<f32>, CartesiaError> {
        if let Some(s) = self.generation_config.as_ref().and_then(|g| g.speed) {
            if !(0.25..=4.0).contains(&s) {
                return Err(CODES.invalid(format!(
                    "generation_config.speed must be between 0.25 and 4.0 (got {s})"
                )));
            }
            return Ok(Some(s));
        }
        match &self.speed {
            None => Ok(None),
            Some(Value::String(s)) if s == "slow" => Ok(Some(0.8)),
            Some(Value::String(s)) if s == "normal" => Ok(None),
            Some(Value::String(s)) if s == "fast" => Ok(Some(1.25)),
            Some(other) => Err(CODES.invalid(format!(
                "speed must be \"slow\", \"normal\" or \"fast\" (got {other}); \
                 for a factor use generation_config.speed"
            ))),
        }
    }

    /// The settings of the context this input starts.
    pub fn settings(&self) -> Result<Settings, CartesiaError> {
        Ok(Settings {
            voice: self.voice_id()?,
            output_format: self
                .output_format
                .clone()
                .ok_or_else(|| CODES.invalid("output_format is required"))?,
            language: self.language.clone(),
            speed: self.speed()?,
        })
    }
}

/// Our format for Cartesia's `output_format`: raw `pcm_s16le`, `pcm_mulaw`, `pcm_alaw`;
/// `wav` of `pcm_s16le`; `mp3`. `pcm_f32le` is refused: the gateway has no float output.
pub fn format(o: &OutputFormat) -> Result<(AudioFormat, Option<u32>), CartesiaError> {
    let encoding = o.encoding.as_deref().unwrap_or("pcm_s16le");
    let format = match (o.container.as_str(), encoding) {
        ("raw", "pcm_s16le") => AudioFormat::Pcm16,
        ("raw", "pcm_mulaw") => AudioFormat::Mulaw,
        ("raw", "pcm_alaw") => AudioFormat::Alaw,
        ("wav", "pcm_s16le") => AudioFormat::Wav,
        ("mp3", _) => AudioFormat::Mp3,
        (_, "pcm_f32le") => {
            return Err(CODES.invalid(
                "output_format encoding pcm_f32le is not supported by this gateway; use pcm_s16le, pcm_mulaw or pcm_alaw",
            ))
        }
        (container, encoding) => {
            return Err(CODES.invalid(format!(
                "output_format {container}/{encoding} is not supported; use raw with pcm_s16le, \
                 pcm_mulaw or pcm_alaw, wav with pcm_s16le, or mp3"
            )))
        }
    };
    Ok((format, o.bit_rate.map(|b| b / 1000)))
}

/// A socket error: `done` is true when it ended the context.
pub fn error(context_id: Option<&str>, code: u16, message: &str, done: bool) -> String {
    let status = axum::http::StatusCode::from_u16(code).ok();
    json!({
        "type": "error",
        "context_id": context_id,
        "done": done,
        "status_code": code,
        "title": status.and_then(|s| s.canonical_reason()).unwrap_or("Error"),
        "message": message,
        "error_code": match code {
            400 | 404 | 409 | 413 => "invalid_request",
            429 => "rate_limited",
            503 => "service_unavailable",
            504 => "timeout",
            _ => "synthesis_failed",
        },
    })
    .to_string()
}

/// A context's frames; `flush_done` numbers its flushes from 1.
#[derive(Default)]
pub struct CartesiaWire {
    flushes: AtomicU64,
}

impl ContextWire for CartesiaWire {
    /// `{"type":"chunk",…}`, written directly (per frame).
    fn audio(&self, context_id: &str, _seq: u64, data: &[u8]) -> Message {
        let id = Value::from(context_id).to_string();
        let mut s = String::with_capacity(96 + id.len() + data.len().div_ceil(3) * 4);
        s.push_str(r#"{"type":"chunk","context_id":"#);
        s.push_str(&id);
        let _ = write!(
            s,
            r#","done":false,"status_code":206,"step_time":0,"data":""#
        );
        STANDARD.encode_string(data, &mut s);
        s.push_str(r#""}"#);
        Message::Text(s.into())
    }

    fn words(&self, context_id: &str, words: &[WordTiming]) -> Option<Message> {
        let secs = |ms: f64| ms / 1000.0;
        let frame = json!({
            "type": "timestamps",
            "context_id": context_id,
            "done": false,
            "status_code": 206,
            "word_timestamps": {
                "words": words.iter().map(|w| w.word.as_str()).collect::<Vec<_>>(),
                "start": words.iter().map(|w| secs(w.start_ms)).collect::<Vec<_>>(),
                "end": words.iter().map(|w| secs(w.end_ms)).collect::<Vec<_>>(),
            },
        });
        Some(Message::Text(frame.to_string().into()))
    }

    fn flushed(&self, context_id: &str) -> Option<Message> {
        let id = self.flushes.fetch_add(1, Ordering::AcqRel) + 1;
        let frame = json!({"type": "flush_done", "context_id": context_id, "flush_id": id,
                           "flush_done": true, "done": false, "status_code": 206});
        Some(Message::Text(frame.to_string().into()))
    }

    fn done(&self, context_id: &str) -> Option<Message> {
        let frame =
            json!({"type": "done", "context_id": context_id, "done": true, "status_code": 200});
        Some(Message::Text(frame.to_string().into()))
    }

    fn error(&self, context_id: &str, code: u16, message: &str) -> Message {
        Message::Text(error(Some(context_id), code, message, true).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(container: &str, encoding: &str) -> OutputFormat {
        OutputFormat {
            container: container.into(),
            encoding: Some(encoding.into()),
            sample_rate: 16_000,
            bit_rate: None,
        }
    }

    #[test]
    fn output_formats_map_to_ours_or_say_why_not() {
        assert_eq!(
            format(&out("raw", "pcm_s16le")).unwrap().0,
            AudioFormat::Pcm16
        );
        assert_eq!(
            format(&out("raw", "pcm_mulaw")).unwrap().0,
            AudioFormat::Mulaw
        );
        assert_eq!(
            format(&out("wav", "pcm_s16le")).unwrap().0,
            AudioFormat::Wav
        );
        let e = format(&out("raw", "pcm_f32le")).unwrap_err();
        assert!(e.message.contains("pcm_f32le"), "{}", e.message);
        assert!(format(&out("wav", "pcm_mulaw")).is_err());
    }

    #[test]
    fn voices_come_as_strings_or_objects() {
        let g: Generation =
            serde_json::from_value(json!({"voice": {"mode": "id", "id": "v"}})).unwrap();
        assert_eq!(g.voice_id().unwrap(), "v");
        let g: Generation = serde_json::from_value(json!({"voice": "w"})).unwrap();
        assert_eq!(g.voice_id().unwrap(), "w");
    }

    #[test]
    fn word_timings_are_timestamps_in_seconds() {
        let words = [WordTiming {
            word: "Hi".into(),
            start_ms: 250.0,
            end_ms: 500.0,
            text_start: 0,
            text_end: 2,
        }];
        let Some(Message::Text(t)) = CartesiaWire::default().words("c", &words) else {
            panic!()
        };
        let v: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(v["type"], "timestamps");
        assert_eq!(
            v["word_timestamps"],
            json!({"words": ["Hi"], "start": [0.25], "end": [0.5]})
        );
    }

    #[test]
    fn chunks_are_json() {
        let Message::Text(t) = CartesiaWire::default().audio("c\"1", 1, &[1, 2, 3]) else {
            panic!()
        };
        let v: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(
            (v["type"].as_str(), v["context_id"].as_str()),
            (Some("chunk"), Some("c\"1"))
        );
        assert_eq!(v["data"], "AQID");
    }
}
