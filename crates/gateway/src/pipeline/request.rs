//! [`SpeechRequest`]: what every door asks the pipeline for, once it has translated its
//! own wire message; and [`resolve`], the one place that checks such a request against
//! the running providers and codecs.
//!
//! Doors parse their own shapes (a create-session body, an OpenAI body, a realtime
//! `speak`) and then call [`resolve`], so a voice, language, format or bitrate is refused
//! with the same sentence whichever door it came through.

use super::speakable::TextOptions;
use crate::state::AppState;
use tts_audio::EncoderOptions;
use tts_core::{canonicalize_language, language_matches, AudioFormat, SynthesisRequest};

/// The voice a door takes when its client names none (an OpenAI voice name the operator
/// did not map, a Wyoming request without a voice): the first of these that runs here.
pub const DEFAULT_VOICES: [&str; 3] = ["en_US-joe-medium", "espeak-en-us", "en-US-mock-1"];

/// A validated request: the engine and voice, and how the audio is delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeechRequest {
    pub provider: String,
    pub voice: String,
    /// Canonical BCP-47 tag the client asked for, if any.
    pub language: Option<String>,
    pub format: AudioFormat,
    /// The rate the client receives.
    pub sample_rate_hz: u32,
    /// The voice's declared rate (the engine's real rate is taken from its first chunk).
    pub native_rate_hz: u32,
    pub bitrate_kbps: Option<u32>,
    pub speed: Option<f32>,
    pub pitch: Option<f32>,
    /// Whether the door should deliver word timings (when the engine has them).
    pub word_timestamps: bool,
    /// How the text is read: normalisation, SSML, lexicon entries.
    pub reading: TextOptions,
    /// The phrase cache: used unless the request opted out; marks sent when asked.
    pub cache: crate::cache::CacheUse,
}

impl SpeechRequest {
    /// What the engine is asked to say for one piece of text, at `rate` times the
    /// request's speed (SSML `<prosody rate>`).
    pub fn synthesis_at(&self, text: String, rate: Option<f32>) -> SynthesisRequest {
        let speed = match (self.speed, rate) {
            (s, None) => s,
            (s, Some(r)) => Some((s.unwrap_or(1.0) * r).clamp(0.25, 4.0)),
        };
        SynthesisRequest {
            text,
            voice: self.voice.clone(),
            language: self.language.clone(),
            speed,
            pitch: self.pitch,
            phonemes: Vec::new(),
            budget: Default::default(),
        }
    }
}

/// What a door asks for before it is checked. `provider` may be left out, and is then
/// found from the voice.
#[derive(Clone, Debug)]
pub struct Wanted<'a> {
    pub provider: Option<&'a str>,
    pub voice: &'a str,
    pub language: Option<&'a str>,
    pub format: AudioFormat,
    pub sample_rate_hz: u32,
    pub bitrate_kbps: Option<u32>,
    pub speed: Option<f32>,
    pub pitch: Option<f32>,
    pub word_timestamps: bool,
    pub reading: TextOptions,
}

/// Why a request cannot be served; each door answers it in its own error shape.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Unservable {
    /// The request field at fault (`provider`, `voice`, `language`, `format`,
    /// `sample_rate_hz`, `bitrate_kbps`), in the native API's names.
    pub field: &'static str,
    /// A sentence saying what to fix.
    pub message: String,
}

impl Unservable {
    fn new(field: &'static str, message: String) -> Self {
        Self { field, message }
    }
}

/// Checks `wanted` against the running providers, voices and codecs.
pub fn resolve(state: &AppState, wanted: Wanted<'_>) -> Result<SpeechRequest, Unservable> {
    let voice = match wanted.provider {
        Some(provider) => {
            if state.provider(provider).is_none() {
                return Err(Unservable::new(
                    "provider",
                    format!(
                        "unknown provider {provider:?}; available providers: {}",
                        state.providers.ids().join(", ")
                    ),
                ));
            }
            state.catalog.find(provider, wanted.voice).ok_or_else(|| {
                Unservable::new(
                    "voice",
                    format!(
                        "voice {:?} is not offered by provider {provider:?}; see GET /v1/voices?provider={provider}",
                        wanted.voice
                    ),
                )
            })?
        }
        None => state.catalog.find_any(wanted.voice).ok_or_else(|| {
            Unservable::new(
                "voice",
                format!(
                    "unknown voice {:?}; see GET /v1/voices for the voices of this gateway",
                    wanted.voice
                ),
            )
        })?,
    };
    let language = match wanted.language.filter(|l| !l.trim().is_empty()) {
        Some(lang) if !language_matches(lang, &voice.language) => {
            return Err(Unservable::new(
                "language",
                format!(
                    "language {:?} does not match voice {:?}, which speaks {}",
                    canonicalize_language(lang),
                    voice.id,
                    voice.language
                ),
            ))
        }
        Some(lang) => Some(canonicalize_language(lang)),
        None => None,
    };
    state
        .codecs
        .check(wanted.format, voice.sample_rate_hz, wanted.sample_rate_hz)
        .map_err(|m| Unservable::new("format", m))?;
    let options = EncoderOptions {
        bitrate_kbps: wanted.bitrate_kbps,
        ..Default::default()
    };
    state
        .codecs
        .check_options(wanted.format, wanted.sample_rate_hz, options)
        .map_err(|m| Unservable::new("bitrate_kbps", m))?;
    Ok(SpeechRequest {
        provider: voice.provider.clone(),
        voice: voice.id.clone(),
        language,
        format: wanted.format,
        sample_rate_hz: wanted.sample_rate_hz,
        native_rate_hz: voice.sample_rate_hz,
        bitrate_kbps: wanted.bitrate_kbps,
        speed: wanted.speed,
        pitch: wanted.pitch,
        word_timestamps: wanted.word_timestamps,
        reading: wanted.reading,
        cache: Default::default(),
    })
}
