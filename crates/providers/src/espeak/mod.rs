//! `espeak`: eSpeak NG, the multilingual formant synthesiser, through libespeak-ng.
//!
//! Every language of the installed espeak-ng-data is a voice. Speech streams in ~100 ms
//! chunks as the library produces it (see [`engine`]); speed and pitch map to espeak's
//! rate (words per minute) and base pitch. Word marks come from espeak's word events
//! ([`timeline`]). The same engine phonemizes text for Piper.

pub mod engine;
pub mod ffi;
pub mod timeline;
pub mod voices;

use crate::config::{parse_bool, ConfigError, Getter};
use engine::{Engine, EngineStatsSnapshot, SpeakRequest};
use std::path::PathBuf;
use std::sync::Arc;
use timeline::SentenceWord;
use tts_core::{AudioStream, Provider, ProviderError, SynthesisRequest, Voice};
use voices::EspeakVoice;

pub const PROVIDER_ID: &str = "espeak";

/// espeak's normal speaking rate (words per minute) and its accepted range.
const RATE_NORMAL: f32 = 175.0;
const RATE_RANGE: (i32, i32) = (80, 450);
/// espeak's normal base pitch and its range.
const PITCH_NORMAL: f32 = 50.0;
const PITCH_RANGE: (i32, i32) = (0, 100);

/// `ESPEAK_*` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EspeakConfig {
    /// `ESPEAK_ENABLED` (default on).
    pub enabled: bool,
    /// `ESPEAK_DATA_PATH`: the `espeak-ng-data` directory or its parent; unset uses the
    /// library's default (Debian: /usr/lib/x86_64-linux-gnu/espeak-ng-data). Piper uses
    /// it too.
    pub data_path: Option<PathBuf>,
}

impl Default for EspeakConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            data_path: None,
        }
    }
}

impl EspeakConfig {
    pub fn from_env(get: Getter<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            enabled: parse_bool(get, "ESPEAK_ENABLED", true)?,
            data_path: get("ESPEAK_DATA_PATH")
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from),
        })
    }
}

/// The espeak provider.
pub struct EspeakProvider {
    engine: Arc<Engine>,
    voices: Vec<EspeakVoice>,
}

impl EspeakProvider {
    /// Starts (or joins) the process's espeak engine and lists its voices.
    pub fn start(config: &EspeakConfig) -> Result<Self, ffi::EspeakError> {
        let engine = Engine::global(config.data_path.as_deref())?;
        Ok(Self::with_engine(engine))
    }

    pub fn with_engine(engine: Arc<Engine>) -> Self {
        let voices = voices::to_voices(engine.voices(), PROVIDER_ID, engine.sample_rate());
        Self { engine, voices }
    }

    /// The shared engine (also Piper's phonemizer).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Counters of the shared engine: sentences, aborts, cancellations, samples.
    pub fn stats(&self) -> EngineStatsSnapshot {
        self.engine.stats().snapshot()
    }
}

impl Provider for EspeakProvider {
    fn id(&self) -> &str {
        PROVIDER_ID
    }

    fn voices(&self) -> Vec<Voice> {
        self.voices.iter().map(|v| v.voice.clone()).collect()
    }

    // No `sentence_pause_ms`: espeak's own pause after a sentence depends on the voice and
    // rate, so the cache keeps whole pieces of its text.

    /// espeak is deterministic: its version, data and voice decide the audio.
    fn fingerprint(&self, voice: &str) -> Option<String> {
        let v = self.voices.iter().find(|v| v.voice.id == voice)?;
        Some(format!(
            "espeak-ng {} {}",
            self.engine.version(),
            v.identifier
        ))
    }

    fn synthesize(&self, request: SynthesisRequest) -> AudioStream {
        let Some(voice) = self.voices.iter().find(|v| v.voice.id == request.voice) else {
            let err = ProviderError::bad_request(format!(
                "voice {:?} is not offered by {PROVIDER_ID}",
                request.voice
            ));
            return Box::pin(futures::stream::once(async move { Err(err) }));
        };
        let mut cursor = 0;
        let sentences: Vec<(String, Vec<SentenceWord>)> = crate::text::sentences(&request.text)
            .iter()
            .map(|s| {
                let text = s.text();
                let words = crate::text::words_in(&text, &request.text, &mut cursor)
                    .into_iter()
                    .map(|w| SentenceWord {
                        word: request.text[w.original.clone()].to_string(),
                        piece: w.piece,
                        text: w.original,
                    })
                    .collect();
                (text, words)
            })
            .collect();
        if sentences.is_empty() {
            let err = ProviderError::bad_request("the text has nothing to speak");
            return Box::pin(futures::stream::once(async move { Err(err) }));
        }
        self.engine.speak(SpeakRequest {
            voice: voice.identifier.clone(),
            sentences,
            rate: scaled(RATE_NORMAL, request.speed, RATE_RANGE),
            pitch: scaled(PITCH_NORMAL, request.pitch, PITCH_RANGE),
        })
    }
}

/// `normal × factor`, rounded and clamped to espeak's range; no factor means normal.
fn scaled(normal: f32, factor: Option<f32>, (lo, hi): (i32, i32)) -> i32 {
    let f = factor.filter(|f| f.is_finite() && *f > 0.0).unwrap_or(1.0);
    ((normal * f).round() as i32).clamp(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_and_pitch_map_to_espeak_units() {
        assert_eq!(scaled(RATE_NORMAL, None, RATE_RANGE), 175);
        assert_eq!(scaled(RATE_NORMAL, Some(2.0), RATE_RANGE), 350);
        assert_eq!(scaled(RATE_NORMAL, Some(10.0), RATE_RANGE), 450);
        assert_eq!(scaled(RATE_NORMAL, Some(0.1), RATE_RANGE), 80);
        assert_eq!(scaled(PITCH_NORMAL, Some(1.5), PITCH_RANGE), 75);
        assert_eq!(scaled(PITCH_NORMAL, Some(f32::NAN), PITCH_RANGE), 50);
    }
}
