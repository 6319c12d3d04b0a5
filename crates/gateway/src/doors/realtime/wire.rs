//! The realtime socket's messages (docs/PROTOCOL.md, "Realtime").
//!
//! Client → server: `speak`, `flush`, `close`, `cancel`, each naming a `context_id`.
//! Server → client: `audio`, `timestamps`, `flushed`, `done`, `cancelled`, `error`.

use crate::doors::context::ContextWire;
use crate::pipeline::{CacheMark, TextOptions, TextType, WordTiming};
use axum::extract::ws::Message;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Longest `context_id` accepted.
pub const MAX_CONTEXT_ID: usize = 128;

/// A client message, parsed.
#[derive(Debug, PartialEq)]
pub enum Command {
    Speak {
        context_id: String,
        text: String,
        settings: Box<Settings>,
    },
    Flush {
        context_id: String,
    },
    Close {
        context_id: String,
    },
    Cancel {
        context_id: String,
    },
}

/// The settings a context's first `speak` carries. Later `speak`s may repeat them
/// unchanged, or leave them out.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub voice: Option<String>,
    pub provider: Option<String>,
    pub language: Option<String>,
    pub format: Option<String>,
    pub sample_rate_hz: Option<u32>,
    pub bitrate_kbps: Option<u32>,
    pub speed: Option<f32>,
    pub pitch: Option<f32>,
    pub word_timestamps: Option<bool>,
    pub max_buffer_delay_ms: Option<u64>,
    /// `false` turns text normalisation off for the context.
    pub normalize: Option<bool>,
    /// `plain`, `ssml` or `auto` (the default: SSML when a segment starts with `<speak>`).
    pub text_type: Option<String>,
    /// Pronunciations for this context: `{"word": "replacement or /ipa/"}`.
    pub lexicon: Option<std::collections::BTreeMap<String, String>>,
    /// `false` bypasses the phrase cache for this context.
    pub cache: Option<bool>,
    /// `true` asks for a `cache` frame before each sentence's audio.
    pub cache_info: Option<bool>,
}

impl Settings {
    /// The context's reading options; `Err` names a bad `text_type`.
    pub fn reading(&self) -> Result<TextOptions, (u16, String)> {
        let text_type = match self.text_type.as_deref() {
            None => TextType::Auto,
            Some(t) => TextType::parse(t).ok_or_else(|| {
                (
                    400,
                    format!("text_type must be plain, ssml or auto (got {t:?})"),
                )
            })?,
        };
        Ok(TextOptions {
            normalize: self.normalize.unwrap_or(true),
            text_type,
            lexicon: self
                .lexicon
                .iter()
                .flatten()
                .map(|(a, b)| (a.clone(), b.clone()))
                .collect(),
        })
    }

    /// Returns true if and only if no setting is given.
    pub fn is_empty(&self) -> bool {
        *self == Settings::default()
    }
}

/// A message that could not be parsed: what was wrong, and the context it named if any.
#[derive(Debug, PartialEq)]
pub struct BadMessage {
    pub context_id: Option<String>,
    pub message: String,
}

fn bad(context_id: Option<String>, message: impl Into<String>) -> BadMessage {
    BadMessage {
        context_id,
        message: message.into(),
    }
}

/// Parses one text message.
pub fn parse(text: &str) -> Result<Command, BadMessage> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| bad(None, format!("message is not valid JSON: {e}")))?;
    let Value::Object(mut obj) = value else {
        return Err(bad(None, "message must be a JSON object"));
    };
    let context_id = match obj.remove("context_id") {
        Some(Value::String(id)) if !id.is_empty() && id.len() <= MAX_CONTEXT_ID => id,
        Some(Value::String(_)) => {
            return Err(bad(
                None,
                format!("context_id must be 1 to {MAX_CONTEXT_ID} bytes"),
            ))
        }
        Some(_) => return Err(bad(None, "context_id must be a string")),
        None => return Err(bad(None, "every message needs a context_id")),
    };
    let id = Some(context_id.clone());
    let kind = match obj.remove("type") {
        Some(Value::String(t)) => t,
        _ => {
            return Err(bad(
                id,
                "message needs a \"type\" (speak, flush, close or cancel)",
            ))
        }
    };
    let no_more = |obj: &serde_json::Map<String, Value>| match obj.keys().next() {
        Some(k) => Err(bad(
            Some(context_id.clone()),
            format!("unknown field {k:?} in a {kind} message"),
        )),
        None => Ok(()),
    };
    match kind.as_str() {
        "speak" => {
            let text = match obj.remove("text") {
                Some(Value::String(t)) => t,
                Some(_) => return Err(bad(id, "text must be a string")),
                None => return Err(bad(id, "speak needs a text (it may be empty)")),
            };
            let settings: Settings = serde_json::from_value(Value::Object(obj))
                .map_err(|e| bad(id, format!("bad speak settings: {e}")))?;
            Ok(Command::Speak {
                context_id,
                text,
                settings: Box::new(settings),
            })
        }
        "flush" => no_more(&obj).map(|_| Command::Flush { context_id }),
        "close" => no_more(&obj).map(|_| Command::Close { context_id }),
        "cancel" => no_more(&obj).map(|_| Command::Cancel { context_id }),
        other => Err(bad(
            id,
            format!("unknown message type {other:?}; expected speak, flush, close or cancel"),
        )),
    }
}

/// `{"type":"audio","context_id":…,"seq":N,"data":"<base64>"}`, written directly (per frame).
pub fn audio(context_id: &str, seq: u64, data: &[u8]) -> String {
    let id = Value::from(context_id).to_string();
    let mut s = String::with_capacity(64 + id.len() + data.len().div_ceil(3) * 4);
    s.push_str(r#"{"type":"audio","context_id":"#);
    s.push_str(&id);
    let _ = write!(s, r#","seq":{seq},"data":""#);
    STANDARD.encode_string(data, &mut s);
    s.push_str(r#""}"#);
    s
}

/// A frame with only a type and the context (`flushed`, `done`, `cancelled`).
pub fn event(kind: &str, context_id: &str) -> String {
    json!({"type": kind, "context_id": context_id}).to_string()
}

pub fn error(context_id: Option<&str>, code: u16, message: &str) -> String {
    json!({"type": "error", "context_id": context_id, "code": code, "message": message}).to_string()
}

/// The realtime socket's frames for its contexts.
pub struct RealtimeWire;

impl ContextWire for RealtimeWire {
    fn audio(&self, context_id: &str, seq: u64, data: &[u8]) -> Message {
        Message::Text(audio(context_id, seq, data).into())
    }

    fn words(&self, context_id: &str, words: &[WordTiming]) -> Option<Message> {
        let frame = json!({"type": "timestamps", "context_id": context_id, "words": words});
        Some(Message::Text(frame.to_string().into()))
    }

    fn cache(&self, context_id: &str, mark: &CacheMark) -> Option<Message> {
        let frame = json!({"type": "cache", "context_id": context_id, "hit": mark.hit,
                           "text_start": mark.text_start, "text_end": mark.text_end});
        Some(Message::Text(frame.to_string().into()))
    }

    fn flushed(&self, context_id: &str) -> Option<Message> {
        Some(Message::Text(event("flushed", context_id).into()))
    }

    fn done(&self, context_id: &str) -> Option<Message> {
        Some(Message::Text(event("done", context_id).into()))
    }

    fn error(&self, context_id: &str, code: u16, message: &str) -> Message {
        Message::Text(error(Some(context_id), code, message).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_speak_carries_its_settings() {
        let c = parse(r#"{"type":"speak","context_id":"c1","text":"Hi, ","voice":"v","format":"pcm16","sample_rate_hz":16000,"word_timestamps":true}"#).unwrap();
        let Command::Speak { settings, text, .. } = c else {
            panic!("{c:?}")
        };
        assert_eq!(text, "Hi, ");
        assert_eq!(settings.voice.as_deref(), Some("v"));
        assert_eq!(settings.word_timestamps, Some(true));
    }

    #[test]
    fn every_bad_message_says_what_is_wrong() {
        for (msg, want) in [
            ("{", "not valid JSON"),
            ("[]", "JSON object"),
            (r#"{"type":"speak"}"#, "context_id"),
            (
                r#"{"type":"shout","context_id":"a"}"#,
                "unknown message type",
            ),
            (r#"{"type":"speak","context_id":"a"}"#, "needs a text"),
            (
                r#"{"type":"speak","context_id":"a","text":"x","colour":"red"}"#,
                "colour",
            ),
            (
                r#"{"type":"flush","context_id":"a","text":"x"}"#,
                "unknown field",
            ),
            (
                r#"{"type":"speak","context_id":"a","text":3}"#,
                "text must be a string",
            ),
            (
                r#"{"type":"speak","context_id":"a","text":"","sample_rate_hz":-1}"#,
                "settings",
            ),
        ] {
            let e = parse(msg).unwrap_err();
            assert!(e.message.contains(want), "{msg}: {}", e.message);
        }
    }

    #[test]
    fn audio_frames_are_json() {
        let v: Value = serde_json::from_str(&audio("c\"1", 3, &[1, 2, 3])).unwrap();
        assert_eq!(v["context_id"], "c\"1");
        assert_eq!(v["seq"], 3);
        assert_eq!(v["data"], "AQID");
    }
}
