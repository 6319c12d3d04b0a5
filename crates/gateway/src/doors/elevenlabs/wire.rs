//! ElevenLabs' messages: `output_format`, the speech body, the sockets' client messages,
//! and the audio messages with their per-character `alignment`.

use super::error::{self, ElevenLabsError};
use crate::doors::context::ContextWire;
use crate::pipeline::WordTiming;
use axum::extract::ws::Message;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Mutex;
use tts_core::AudioFormat;

/// ElevenLabs' default output.
pub const DEFAULT_OUTPUT: &str = "mp3_44100_128";

/// The query of the speech endpoints and of the sockets.
#[derive(Debug, Default, Deserialize)]
pub struct SpeechQuery {
    pub output_format: Option<String>,
    /// The sockets take the model here; the REST body has its own.
    pub model_id: Option<String>,
    pub language_code: Option<String>,
    /// `cache=false`: not served from nor stored in the phrase cache (not ElevenLabs').
    pub cache: Option<bool>,
}

/// `voice_settings`; only `speed` changes anything here.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct VoiceSettings {
    pub speed: Option<f32>,
}

/// The body of `POST /v1/text-to-speech/{voice_id}[/stream]`.
#[derive(Debug, Deserialize)]
pub struct SpeechBody {
    pub text: String,
    pub model_id: Option<String>,
    pub language_code: Option<String>,
    pub voice_settings: Option<VoiceSettings>,
}

/// An `output_format` such as `mp3_44100_128`, `pcm_16000` or `ulaw_8000`.
#[derive(Debug, PartialEq)]
pub struct Output {
    pub format: AudioFormat,
    pub sample_rate: u32,
    pub bitrate_kbps: Option<u32>,
}

pub fn output(name: Option<&str>) -> Result<Output, ElevenLabsError> {
    let name = name.unwrap_or(DEFAULT_OUTPUT);
    let bad = || {
        error::invalid(
            "invalid_output_format",
            format!(
                "output_format {name:?} is not supported; use mp3_<rate>_<kbps>, pcm_<rate>, \
                 wav_<rate>, opus_48000_<kbps>, ulaw_8000 or alaw_8000"
            ),
        )
    };
    let mut parts = name.split('_');
    let codec = parts.next().unwrap_or_default();
    let rate: u32 = parts.next().and_then(|r| r.parse().ok()).ok_or_else(bad)?;
    let bitrate = match parts.next() {
        None => None,
        Some(b) => Some(b.parse::<u32>().map_err(|_| bad())?),
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    let format = match (codec, bitrate) {
        ("mp3", Some(_)) => AudioFormat::Mp3,
        ("opus", Some(_)) => AudioFormat::Opus,
        ("pcm", None) => AudioFormat::Pcm16,
        ("wav", None) => AudioFormat::Wav,
        ("ulaw", None) => AudioFormat::Mulaw,
        ("alaw", None) => AudioFormat::Alaw,
        _ => return Err(bad()),
    };
    Ok(Output {
        format,
        sample_rate: rate,
        bitrate_kbps: bitrate,
    })
}

/// A client message of either socket. The single-context socket has no `context_id`.
#[derive(Debug, Default, Deserialize)]
pub struct Incoming {
    pub text: Option<String>,
    pub context_id: Option<String>,
    #[serde(default)]
    pub flush: bool,
    #[serde(default)]
    pub close_context: bool,
    #[serde(default)]
    pub close_socket: bool,
    /// With `close_context`: stop now instead of after the context's audio (not
    /// ElevenLabs'; for barge-in).
    #[serde(default)]
    pub immediate: bool,
    pub voice_settings: Option<VoiceSettings>,
    /// The key, in the first message of a socket opened without one (ElevenLabs' SDK
    /// spells it `xi-api-key` on `stream-input`, `xi_api_key` on `multi-stream-input`).
    #[serde(alias = "xi-api-key")]
    pub xi_api_key: Option<String>,
    /// Or a bearer token (`Bearer <token>`, or the token alone), likewise.
    pub authorization: Option<String>,
}

impl Incoming {
    /// The credential the message carries, if any.
    pub fn credential(&self) -> Option<&str> {
        let bearer = self.authorization.as_deref().map(|a| {
            let a = a.trim();
            match a.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
                _ => a,
            }
        });
        self.xi_api_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .or(bearer.filter(|t| !t.is_empty()))
    }
}

pub fn parse(text: &str) -> Result<Incoming, String> {
    serde_json::from_str(text).map_err(|e| format!("message is not a valid message: {e}"))
}

/// ElevenLabs' socket error: `{"message","error","code"}`.
pub fn error(context_id: Option<&str>, code: u16, message: &str) -> String {
    let error = match code {
        400 => "invalid_request",
        404 => "context_not_found",
        408 => "input_timeout_exceeded",
        409 => "context_closed",
        413 => "message_too_large",
        429 => "max_active_conversations",
        503 => "service_unavailable",
        _ => "synthesis_failed",
    };
    let mut v = json!({"message": message, "error": error, "code": code});
    if let Some(id) = context_id {
        v["contextId"] = json!(id);
    }
    v.to_string()
}

/// `{"isFinal": true}`, with the context's id on the multi-context socket.
pub fn final_message(context_id: Option<&str>) -> String {
    match context_id {
        Some(id) => json!({"isFinal": true, "contextId": id}),
        None => json!({"isFinal": true}),
    }
    .to_string()
}

/// Word timings spread over their characters: `(char, start_ms, duration_ms)`. Each
/// word's time is shared equally by its characters; the gap before a word is one space.
fn spread(words: &[WordTiming]) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    let mut last_end: Option<f64> = None;
    for w in words {
        if let Some(end) = last_end {
            out.push((" ".to_string(), end, (w.start_ms - end).max(0.0)));
        }
        let n = w.word.chars().count().max(1) as f64;
        let each = (w.end_ms - w.start_ms).max(0.0) / n;
        for (i, c) in w.word.chars().enumerate() {
            out.push((c.to_string(), w.start_ms + each * i as f64, each));
        }
        last_end = Some(w.end_ms);
    }
    out
}

/// The sockets' `alignment`: `{"chars","charStartTimesMs","charDurationsMs"}`.
pub fn alignment(words: &[WordTiming]) -> Value {
    let chars = spread(words);
    let ms = |v: f64| v.round() as i64;
    json!({
        "chars": chars.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        "charStartTimesMs": chars.iter().map(|c| ms(c.1)).collect::<Vec<_>>(),
        "charDurationsMs": chars.iter().map(|c| ms(c.2)).collect::<Vec<_>>(),
    })
}

/// Adds `more` to the alignment waiting for the next audio (the arrays of each key
/// concatenated), so timings that come before one audio frame are all kept.
fn append(pending: &mut Option<Value>, more: Value) {
    match pending {
        Some(Value::Object(have)) => {
            if let Value::Object(more) = more {
                for (key, values) in more {
                    if let (Some(Value::Array(a)), Value::Array(b)) = (have.get_mut(&key), values) {
                        a.extend(b);
                    }
                }
            }
        }
        _ => *pending = Some(more),
    }
}

/// The REST `alignment`: `{"characters","character_start_times_seconds",
/// "character_end_times_seconds"}`.
pub fn rest_alignment(words: &[WordTiming]) -> Value {
    let chars = spread(words);
    json!({
        "characters": chars.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        "character_start_times_seconds": chars.iter().map(|c| c.1 / 1000.0).collect::<Vec<_>>(),
        "character_end_times_seconds": chars.iter().map(|c| (c.1 + c.2) / 1000.0).collect::<Vec<_>>(),
    })
}

/// `…/stream/with-timestamps`: one JSON line per piece of audio, `{"audio_base64",
/// "alignment", "normalized_alignment"}`, the timings riding on the audio they describe.
#[derive(Default)]
pub struct TimestampLines {
    pending: Option<Value>,
}

impl crate::pipeline::Framer for TimestampLines {
    type Frame = axum::body::Bytes;

    fn audio(&mut self, _seq: u64, data: &[u8]) -> Self::Frame {
        let alignment = self.pending.take().unwrap_or(Value::Null);
        let line = json!({
            "audio_base64": STANDARD.encode(data),
            "alignment": alignment,
            "normalized_alignment": alignment,
        });
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        bytes.into()
    }

    fn words(&mut self, words: &[WordTiming]) -> Option<Self::Frame> {
        append(&mut self.pending, rest_alignment(words));
        None
    }
}

/// One context's frames. Alignment waits for the audio it describes (the pipeline gives
/// a chunk's timings just before its audio), and goes out in the same message.
pub struct ElevenLabsWire {
    /// `contextId` in every message (the multi-context socket).
    pub multi: bool,
    pending: Mutex<Option<Value>>,
}

impl ElevenLabsWire {
    pub fn new(multi: bool) -> Self {
        Self {
            multi,
            pending: Mutex::new(None),
        }
    }

    fn id<'a>(&self, context_id: &'a str) -> Option<&'a str> {
        self.multi.then_some(context_id)
    }
}

impl ContextWire for ElevenLabsWire {
    fn audio(&self, context_id: &str, _seq: u64, data: &[u8]) -> Message {
        let alignment = self.pending.lock().map(|mut p| p.take()).unwrap_or(None);
        let mut m = Map::new();
        m.insert("audio".into(), Value::String(STANDARD.encode(data)));
        m.insert("isFinal".into(), Value::Bool(false));
        let alignment = alignment.unwrap_or(Value::Null);
        m.insert("normalizedAlignment".into(), alignment.clone());
        m.insert("alignment".into(), alignment);
        if let Some(id) = self.id(context_id) {
            m.insert("contextId".into(), Value::String(id.into()));
        }
        Message::Text(Value::Object(m).to_string().into())
    }

    fn words(&self, _context_id: &str, words: &[WordTiming]) -> Option<Message> {
        if let Ok(mut pending) = self.pending.lock() {
            append(&mut pending, alignment(words));
        }
        None
    }

    fn done(&self, context_id: &str) -> Option<Message> {
        Some(Message::Text(final_message(self.id(context_id)).into()))
    }

    fn error(&self, context_id: &str, code: u16, message: &str) -> Message {
        Message::Text(error(self.id(context_id), code, message).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_formats_name_codec_rate_and_bitrate() {
        let o = output(None).unwrap();
        assert_eq!(
            (o.format, o.sample_rate, o.bitrate_kbps),
            (AudioFormat::Mp3, 44_100, Some(128))
        );
        let o = output(Some("pcm_16000")).unwrap();
        assert_eq!((o.format, o.sample_rate), (AudioFormat::Pcm16, 16_000));
        assert_eq!(
            output(Some("ulaw_8000")).unwrap().format,
            AudioFormat::Mulaw
        );
        for bad in ["pcm", "mp3_44100", "pcm_16000_1", "flac_44100", "pcm_x"] {
            assert!(output(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn alignment_spreads_each_word_over_its_characters() {
        let w = |word: &str, start_ms, end_ms| WordTiming {
            word: word.into(),
            start_ms,
            end_ms,
            text_start: 0,
            text_end: 0,
        };
        let a = alignment(&[w("Hi", 0.0, 200.0), w("you", 300.0, 600.0)]);
        assert_eq!(a["chars"], json!(["H", "i", " ", "y", "o", "u"]));
        assert_eq!(a["charStartTimesMs"], json!([0, 100, 200, 300, 400, 500]));
        assert_eq!(a["charDurationsMs"], json!([100, 100, 100, 100, 100, 100]));
    }

    #[test]
    fn rest_alignment_is_in_seconds_with_end_times() {
        let words = [WordTiming {
            word: "ab".into(),
            start_ms: 1000.0,
            end_ms: 1500.0,
            text_start: 0,
            text_end: 2,
        }];
        let a = rest_alignment(&words);
        assert_eq!(a["characters"], json!(["a", "b"]));
        assert_eq!(a["character_start_times_seconds"], json!([1.0, 1.25]));
        assert_eq!(a["character_end_times_seconds"], json!([1.25, 1.5]));
    }

    #[test]
    fn audio_carries_the_alignment_of_the_words_before_it_once() {
        let wire = ElevenLabsWire::new(true);
        let words = [WordTiming {
            word: "a".into(),
            start_ms: 0.0,
            end_ms: 100.0,
            text_start: 0,
            text_end: 1,
        }];
        assert!(wire.words("c", &words).is_none());
        let text = |m: Message| match m {
            Message::Text(t) => serde_json::from_str::<Value>(&t).unwrap(),
            other => panic!("{other:?}"),
        };
        let first = text(wire.audio("c", 1, &[1, 2, 3]));
        assert_eq!(first["alignment"]["chars"], json!(["a"]));
        assert_eq!(first["contextId"], "c");
        assert_eq!(first["audio"], "AQID");
        assert!(text(wire.audio("c", 2, &[1]))["alignment"].is_null());
    }
}
