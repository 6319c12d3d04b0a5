//! Deepgram's `/v1/speak` messages: the query both forms share, the REST body, the
//! socket's client messages (`Speak`, `Flush`, `Clear`, `Close`) and its server messages
//! (binary audio, `Metadata`, `Flushed`, `Cleared`, `Warning`).

use super::error::{DeepgramError, CODES};
use crate::doors::context::ContextWire;
use axum::body::Bytes;
use axum::extract::ws::Message;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use tts_core::AudioFormat;

/// The query of `POST /v1/speak` and of the socket.
#[derive(Debug, Default, Deserialize)]
pub struct SpeakQuery {
    /// Deepgram's model names a voice; here it is one of this gateway's voice ids.
    pub model: Option<String>,
    pub encoding: Option<String>,
    pub container: Option<String>,
    /// Hz, a whole number; SDKs may send it as a float (`24000.0`). Read by [`output`],
    /// which names this parameter when it is not a number.
    pub sample_rate: Option<String>,
    /// Bits per second (mp3, opus, aac), a whole number; a float in some SDKs.
    pub bit_rate: Option<String>,
    /// A rate multiplier, a float.
    pub speed: Option<String>,
    /// `cache=false`: not served from nor stored in the phrase cache (not Deepgram's).
    pub cache: Option<bool>,
    pub callback: Option<String>,
    /// Accepted and ignored: nothing here is used to train anything.
    #[allow(dead_code)]
    pub mip_opt_out: Option<String>,
    /// Accepted and ignored (Deepgram's usage labels).
    #[allow(dead_code)]
    pub tag: Option<String>,
}

/// `POST /v1/speak`'s body.
#[derive(Debug, Deserialize)]
pub struct SpeakBody {
    pub text: String,
}

/// What the query asks for, checked against Deepgram's own rules; the gateway's
/// voices and codecs check the rest (`pipeline::resolve`).
#[derive(Debug, PartialEq)]
pub struct Output {
    pub voice: String,
    pub format: AudioFormat,
    pub sample_rate: u32,
    pub bitrate_kbps: Option<u32>,
    pub speed: Option<f32>,
    pub cache: bool,
}

/// Reads the query; `socket` is true for the WebSocket, which takes only raw
/// linear16, mulaw and alaw, and no container.
pub fn output(q: &SpeakQuery, socket: bool) -> Result<Output, DeepgramError> {
    let invalid = |m: &str| CODES.invalid(m);
    if q.callback.is_some() {
        return Err(invalid(
            "callback is not supported by this gateway; read the audio from the response",
        ));
    }
    let voice = match q.model.as_deref() {
        Some(m) if !m.is_empty() => m.to_string(),
        _ => {
            return Err(invalid(
                "model is required: name one of this gateway's voice ids (GET /v1/voices), e.g. en-US-mock-1",
            ))
        }
    };
    let encoding = q.encoding.as_deref().unwrap_or("linear16");
    let allowed: &[&str] = if socket {
        &["linear16", "mulaw", "alaw"]
    } else {
        &["linear16", "mulaw", "alaw", "mp3", "opus", "flac", "aac"]
    };
    if !allowed.contains(&encoding) {
        return Err(invalid(&format!(
            "encoding {encoding:?} is not supported{}; use one of {}",
            if socket { " on the WebSocket" } else { "" },
            allowed.join(", ")
        )));
    }
    if socket && q.container.is_some() {
        return Err(invalid(
            "container is not accepted on the WebSocket: its audio is raw",
        ));
    }
    // Deepgram's defaults: linear16 in wav over REST, raw on the socket.
    let default_container = match encoding {
        "linear16" if !socket => "wav",
        "opus" => "ogg",
        _ => "none",
    };
    let container = q.container.as_deref().unwrap_or(default_container);
    let format = match (encoding, container) {
        ("linear16", "wav") => AudioFormat::Wav,
        ("linear16", "none") => AudioFormat::Pcm16,
        ("mulaw", "none") => AudioFormat::Mulaw,
        ("alaw", "none") => AudioFormat::Alaw,
        ("opus", "ogg") => AudioFormat::Opus,
        ("mp3", "none") => AudioFormat::Mp3,
        ("flac", "none") => AudioFormat::Flac,
        ("aac", "none") => AudioFormat::Aac,
        _ => {
            return Err(invalid(&format!(
                "container {container:?} is not supported with encoding {encoding:?}; \
                 use wav or none with linear16, ogg with opus, none with the others"
            )))
        }
    };
    let default_rate = match encoding {
        "mulaw" | "alaw" => 8_000,
        "mp3" | "aac" => 22_050,
        "opus" | "flac" => 48_000,
        _ => 24_000,
    };
    let speed = number("speed", q.speed.as_deref())?;
    if let Some(speed) = speed.filter(|s| !(0.25..=4.0).contains(s)) {
        return Err(invalid(&format!(
            "speed must be between 0.25 and 4.0 (got {speed})"
        )));
    }
    let sample_rate = whole("sample_rate", q.sample_rate.as_deref(), "Hz")?;
    let bit_rate = whole("bit_rate", q.bit_rate.as_deref(), "bits per second")?;
    // The encoders take whole kbit/s: another rate is refused, not rounded.
    if let Some(bits) = bit_rate.filter(|b| b % 1000 != 0) {
        return Err(invalid(&format!(
            "bit_rate must be a multiple of 1000 bits per second here, e.g. 48000 (got {bits})"
        )));
    }
    Ok(Output {
        voice,
        format,
        sample_rate: sample_rate.unwrap_or(default_rate),
        bitrate_kbps: bit_rate.map(|b| b / 1000),
        speed: speed.map(|s| s as f32),
        cache: q.cache.unwrap_or(true),
    })
}

/// A numeric query value, in any form Rust reads as a float (`1`, `1.0`, `1e3`); NaN,
/// infinities and anything else are refused with the parameter's name.
fn number(name: &str, value: Option<&str>) -> Result<Option<f64>, DeepgramError> {
    let Some(text) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(CODES.invalid(format!("{name} must be a number (got {text:?})"))),
    }
}

/// A positive whole count of `unit` (`24000` and `24000.0` alike): a fraction is refused,
/// never truncated.
fn whole(name: &str, value: Option<&str>, unit: &str) -> Result<Option<u32>, DeepgramError> {
    match number(name, value)? {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n) => {
            Ok(Some(n as u32))
        }
        Some(n) => Err(CODES.invalid(format!(
            "{name} must be a positive whole number of {unit} (got {n})"
        ))),
    }
}

/// A client message of the socket.
#[derive(Debug, PartialEq)]
pub enum Command {
    Speak(String),
    Flush,
    Clear,
    Close,
}

pub fn parse(text: &str) -> Result<Command, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("message is not valid JSON: {e}"))?;
    match v.get("type").and_then(Value::as_str) {
        Some("Speak") => match v.get("text") {
            Some(Value::String(t)) => Ok(Command::Speak(t.clone())),
            _ => Err("Speak needs a \"text\" string".into()),
        },
        Some("Flush") => Ok(Command::Flush),
        Some("Clear") => Ok(Command::Clear),
        Some("Close") => Ok(Command::Close),
        Some(other) => Err(format!(
            "unknown message type {other:?}; expected Speak, Flush, Clear or Close"
        )),
        None => Err("message needs a \"type\" (Speak, Flush, Clear or Close)".into()),
    }
}

pub fn metadata(request_id: &str, model: &str, provider: &str) -> String {
    json!({
        "type": "Metadata",
        "request_id": request_id,
        "model_name": model,
        "model_version": env!("CARGO_PKG_VERSION"),
        "model_uuid": format!("{provider}/{model}"),
    })
    .to_string()
}

pub fn cleared(sequence_id: u64) -> String {
    json!({"type": "Cleared", "sequence_id": sequence_id}).to_string()
}

pub fn flushed(sequence_id: u64) -> String {
    json!({"type": "Flushed", "sequence_id": sequence_id}).to_string()
}

/// `{"type":"Warning","description","code"}`: Deepgram's socket has no error message;
/// a refused message or a failed synthesis is a warning, and the socket stays open.
pub fn warning(code: u16, description: &str) -> String {
    json!({"type": "Warning", "description": description, "code": code_name(code)}).to_string()
}

fn code_name(code: u16) -> &'static str {
    match code {
        400 => "BAD_REQUEST",
        404 => "NOT_FOUND",
        408 => "TIMEOUT",
        409 => "CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        429 => "TOO_MANY_REQUESTS",
        503 => "SERVICE_UNAVAILABLE",
        504 => "PROVIDER_TIMEOUT",
        500 => "INTERNAL_SERVER_ERROR",
        _ => "PROVIDER_ERROR",
    }
}

/// The socket's frames: audio as binary messages, `Flushed` numbered per connection.
#[derive(Default)]
pub struct DeepgramWire {
    /// Flushes acknowledged so far on the connection (contexts come and go with Clear).
    pub flushes: AtomicU64,
}

impl DeepgramWire {
    pub fn next_flush(&self) -> u64 {
        self.flushes.fetch_add(1, Ordering::AcqRel)
    }
}

impl ContextWire for DeepgramWire {
    fn audio(&self, _context_id: &str, _seq: u64, data: &[u8]) -> Message {
        Message::Binary(Bytes::copy_from_slice(data))
    }

    fn flushed(&self, _context_id: &str) -> Option<Message> {
        Some(Message::Text(flushed(self.next_flush()).into()))
    }

    fn done(&self, _context_id: &str) -> Option<Message> {
        None
    }

    fn error(&self, _context_id: &str, code: u16, message: &str) -> Message {
        Message::Text(warning(code, message).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &str) -> SpeakQuery {
        serde_json::from_str(pairs).unwrap()
    }

    /// The query as a client sends it.
    fn query(query: &str) -> SpeakQuery {
        let uri: axum::http::Uri = format!("/v1/speak?{query}").parse().unwrap();
        axum::extract::Query::try_from_uri(&uri).unwrap().0
    }

    #[test]
    fn numbers_sent_as_floats_are_read_whole_and_fractions_are_refused_not_truncated() {
        let o = output(
            &query("model=v&encoding=mp3&sample_rate=24000.0&bit_rate=48000.0&speed=1.5"),
            false,
        )
        .unwrap();
        assert_eq!(
            (o.sample_rate, o.bitrate_kbps, o.speed),
            (24_000, Some(48), Some(1.5))
        );
        let o = output(&query("model=v&sample_rate=16000&speed=0.75"), false).unwrap();
        assert_eq!((o.sample_rate, o.speed), (16_000, Some(0.75)));
        for (q, want) in [
            (
                "sample_rate=24000.5",
                "sample_rate must be a positive whole number of Hz (got 24000.5)",
            ),
            (
                "sample_rate=-8000",
                "sample_rate must be a positive whole number",
            ),
            (
                "sample_rate=fast",
                r#"sample_rate must be a number (got "fast")"#,
            ),
            ("sample_rate=NaN", "sample_rate must be a number"),
            (
                "bit_rate=48000.9",
                "bit_rate must be a positive whole number of bits per second",
            ),
            (
                "bit_rate=1500",
                "bit_rate must be a multiple of 1000 bits per second",
            ),
            ("bit_rate=inf", "bit_rate must be a number"),
            ("speed=quick", r#"speed must be a number (got "quick")"#),
            ("speed=9.5", "speed must be between 0.25 and 4.0 (got 9.5)"),
        ] {
            let e = output(&query(&format!("model=v&encoding=mp3&{q}")), false).unwrap_err();
            assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST, "{q}");
            assert!(e.message.contains(want), "{q}: {}", e.message);
        }
    }

    #[test]
    fn rest_defaults_to_linear16_in_wav_at_24_khz() {
        let o = output(&q(r#"{"model":"v"}"#), false).unwrap();
        assert_eq!((o.format, o.sample_rate), (AudioFormat::Wav, 24_000));
        let o = output(&q(r#"{"model":"v"}"#), true).unwrap();
        assert_eq!((o.format, o.sample_rate), (AudioFormat::Pcm16, 24_000));
        let o = output(
            &q(r#"{"model":"v","encoding":"mulaw","sample_rate":"8000.0"}"#),
            true,
        )
        .unwrap();
        assert_eq!((o.format, o.sample_rate), (AudioFormat::Mulaw, 8_000));
    }

    #[test]
    fn what_is_refused_says_why() {
        for (query, socket, want) in [
            (r#"{}"#, false, "model is required"),
            (
                r#"{"model":"v","encoding":"mp3"}"#,
                true,
                "on the WebSocket",
            ),
            (
                r#"{"model":"v","encoding":"mulaw","container":"wav"}"#,
                false,
                "container",
            ),
            (r#"{"model":"v","callback":"http://x"}"#, false, "callback"),
        ] {
            let e = output(&q(query), socket).unwrap_err();
            assert!(e.message.contains(want), "{query}: {}", e.message);
        }
    }

    #[test]
    fn messages_parse() {
        assert_eq!(
            parse(r#"{"type":"Speak","text":"Hi"}"#),
            Ok(Command::Speak("Hi".into()))
        );
        assert_eq!(parse(r#"{"type":"Clear"}"#), Ok(Command::Clear));
        assert!(parse(r#"{"type":"Shout"}"#).unwrap_err().contains("Shout"));
    }
}
