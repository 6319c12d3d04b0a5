//! OpenAI's `POST /v1/audio/speech` body, and how its names map to ours.

use super::error::OpenAiError;
use crate::pipeline::request::DEFAULT_VOICES;
use crate::state::AppState;
use serde::Deserialize;
use tts_core::AudioFormat;

/// OpenAI's speech models; all are accepted, and the engine follows the voice.
pub const OPENAI_MODELS: [&str; 3] = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"];
/// OpenAI's voice names, mapped to this gateway's voices (`OPENAI_VOICE_MAP`).
pub const OPENAI_VOICES: [&str; 13] = [
    "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse",
    "marin", "cedar",
];
/// OpenAI delivers every format at 24 kHz (`pcm` is 24 kHz s16le).
pub const DEFAULT_RATE: u32 = 24_000;

#[derive(Debug, Deserialize)]
pub struct SpeechBody {
    pub model: String,
    pub input: String,
    pub voice: VoiceField,
    #[serde(default)]
    pub response_format: Option<String>,
    #[serde(default)]
    pub speed: Option<f64>,
    /// Accepted and ignored: no engine here takes style instructions.
    #[serde(default)]
    #[allow(dead_code)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub stream_format: Option<String>,
    /// Not OpenAI's: the output rate, for clients that want other than 24 kHz.
    #[serde(default)]
    pub sample_rate: Option<u32>,
    /// Not OpenAI's: `false` bypasses the phrase cache (the SDKs' `extra_body`).
    #[serde(default)]
    pub cache: Option<bool>,
}

/// A voice name, or the newer `{"id": …}` object form.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum VoiceField {
    Name(String),
    Object { id: String },
}

impl VoiceField {
    pub fn name(&self) -> &str {
        match self {
            VoiceField::Name(n) | VoiceField::Object { id: n } => n,
        }
    }
}

/// How the body is streamed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamFormat {
    Audio,
    Sse,
}

pub fn parse(body: &[u8]) -> Result<SpeechBody, OpenAiError> {
    serde_json::from_slice(body).map_err(|e| {
        let param = [
            "model",
            "input",
            "voice",
            "response_format",
            "speed",
            "stream_format",
        ]
        .into_iter()
        .find(|p| e.to_string().contains(&format!("`{p}`")));
        OpenAiError::invalid(param, format!("invalid request body: {e}"))
    })
}

pub fn stream_format(body: &SpeechBody) -> Result<StreamFormat, OpenAiError> {
    match body.stream_format.as_deref() {
        None | Some("audio") => Ok(StreamFormat::Audio),
        Some("sse") => Ok(StreamFormat::Sse),
        Some(other) => Err(OpenAiError::invalid(
            Some("stream_format"),
            format!("stream_format must be 'audio' or 'sse' (got {other:?})"),
        )),
    }
}

/// The format and rate for OpenAI's `response_format` (default mp3).
pub fn format(body: &SpeechBody) -> Result<(AudioFormat, u32), OpenAiError> {
    let format = match body.response_format.as_deref().unwrap_or("mp3") {
        "mp3" => AudioFormat::Mp3,
        "opus" => AudioFormat::Opus,
        "aac" => AudioFormat::Aac,
        "flac" => AudioFormat::Flac,
        "wav" => AudioFormat::Wav,
        "pcm" => AudioFormat::Pcm16,
        other => {
            return Err(OpenAiError::invalid(
                Some("response_format"),
                format!(
                    "response_format must be one of mp3, opus, aac, flac, wav, pcm (got {other:?})"
                ),
            ))
        }
    };
    Ok((format, body.sample_rate.unwrap_or(DEFAULT_RATE)))
}

/// The provider a `model` pins, if it names one of ours; `Ok(None)` for OpenAI's models.
pub fn model<'a>(state: &AppState, model: &'a str) -> Result<Option<&'a str>, OpenAiError> {
    if OPENAI_MODELS.contains(&model) {
        return Ok(None);
    }
    if state.provider(model).is_some() {
        return Ok(Some(model));
    }
    Err(OpenAiError::invalid(
        Some("model"),
        format!(
            "unknown model {model:?}; accepted: {}, or an engine of this gateway: {}",
            OPENAI_MODELS.join(", "),
            state.providers.ids().join(", ")
        ),
    ))
}

/// Our voice id for `name`: one of our ids as it is, or an OpenAI name through the
/// operator's map, else the default voice (of the engine `model` pins, if it pins one).
pub fn voice(state: &AppState, name: &str, provider: Option<&str>) -> String {
    let known = |v: &str| match provider {
        Some(p) => state.catalog.find(p, v).is_some(),
        None => state.catalog.find_any(v).is_some(),
    };
    if known(name) {
        return name.to_string();
    }
    let settings = &state.settings;
    if let Some((_, voice)) = settings.openai_voice_map.iter().find(|(n, _)| n == name) {
        return voice.clone();
    }
    if !OPENAI_VOICES.contains(&name) {
        return name.to_string();
    }
    if let Some(p) = provider {
        // The engine's first English voice, else its first.
        let voices = state.catalog.all().iter().filter(|v| v.provider == p);
        let english = voices.clone().find(|v| v.language.starts_with("en"));
        if let Some(v) = english.or_else(|| voices.clone().next()) {
            return v.id.clone();
        }
    }
    settings
        .openai_default_voice
        .clone()
        .or_else(|| {
            DEFAULT_VOICES
                .iter()
                .find(|v| known(v))
                .map(|v| v.to_string())
        })
        .unwrap_or_else(|| name.to_string())
}
