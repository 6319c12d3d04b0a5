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
use crate::ipa::{canonical, Marked};
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

    /// English voices take IPA, converted to espeak's mnemonics ([`crate::ipa::espeak`]).
    fn check_phonemes(&self, voice: &str, ipa: &str) -> Result<(), ProviderError> {
        let Some(v) = self.voices.iter().find(|v| v.voice.id == voice) else {
            return Err(ProviderError::bad_request(format!(
                "voice {voice:?} is not offered by {PROVIDER_ID}"
            )));
        };
        mnemonics(ipa, voice, &v.identifier).map(drop)
    }

    fn synthesize(&self, request: SynthesisRequest) -> AudioStream {
        let Some(voice) = self.voices.iter().find(|v| v.voice.id == request.voice) else {
            let err = ProviderError::bad_request(format!(
                "voice {:?} is not offered by {PROVIDER_ID}",
                request.voice
            ));
            return Box::pin(futures::stream::once(async move { Err(err) }));
        };
        let sentences = match sentences(&request, &voice.identifier) {
            Ok(s) => s,
            Err(err) => return Box::pin(futures::stream::once(async move { Err(err) })),
        };
        if sentences.is_empty() {
            let err = ProviderError::bad_request("the text has nothing to speak");
            return Box::pin(futures::stream::once(async move { Err(err) }));
        }
        self.engine.speak(SpeakRequest {
            voice: voice.identifier.clone(),
            sentences,
            rate: scaled(RATE_NORMAL, request.speed, RATE_RANGE),
            pitch: scaled(PITCH_NORMAL, request.pitch, PITCH_RANGE),
            phoneme_input: !request.phonemes.is_empty(),
        })
    }
}

/// The request's sentences as espeak reads them, each with its words. Phoneme spans
/// are read as `[[mnemonics]]` in their sentence; their words are the written ones.
/// With phoneme input on, a `[` or `]` of the text itself becomes `(` or `)`, so the
/// text cannot open phoneme input of its own.
fn sentences(
    request: &SynthesisRequest,
    identifier: &str,
) -> Result<Vec<(String, Vec<SentenceWord>)>, ProviderError> {
    let said: Vec<String> = request
        .phonemes
        .iter()
        .map(|p| mnemonics(&p.ipa, &request.voice, identifier))
        .collect::<Result<_, _>>()?;
    let marked = Marked::new(&request.text, &request.phonemes)?;
    let mut cursor = 0;
    let mut out = Vec::new();
    for s in crate::text::sentences(&marked.text) {
        let text = s.text();
        let words = crate::text::words_in(&text, &marked.text, &mut cursor);
        let mut spoken = String::with_capacity(text.len());
        // Where each byte of `text` went in `spoken`.
        let mut moved = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            moved.resize(i + 1, spoken.len());
            match crate::ipa::span_of(c) {
                Some(k) => {
                    spoken.push_str("[[");
                    spoken.push_str(said.get(k).map_or("", String::as_str));
                    spoken.push_str("]]");
                }
                None if !said.is_empty() && c == '[' => spoken.push('('),
                None if !said.is_empty() && c == ']' => spoken.push(')'),
                None => spoken.push(c),
            }
        }
        moved.resize(text.len() + 1, spoken.len());
        let words = words
            .into_iter()
            .map(|w| {
                let original = marked.original(w.original);
                SentenceWord {
                    word: request.text[original.clone()].to_string(),
                    piece: moved[w.piece.start]..moved[w.piece.end],
                    text: original,
                }
            })
            .collect();
        out.push((spoken, words));
    }
    Ok(out)
}

/// `ipa` in espeak's English mnemonics, or why voice `voice` (espeak's `identifier`)
/// cannot say it.
fn mnemonics(ipa: &str, voice: &str, identifier: &str) -> Result<String, ProviderError> {
    if !crate::ipa::espeak::is_english(identifier) {
        return Err(ProviderError::bad_request(format!(
            "{PROVIDER_ID} takes phoneme input (/{ipa}/) only for English voices; voice \
             {voice:?} is not one"
        )));
    }
    crate::ipa::espeak::to_mnemonics(&canonical(ipa))
        .map_err(|c| crate::ipa::unknown_symbol(c, ipa, voice, PROVIDER_ID))
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
    fn a_phoneme_span_is_read_as_mnemonics_and_keeps_its_written_word() {
        let request = SynthesisRequest {
            text: "Hi Nguyen [[x]], bye.".into(),
            voice: "en-US".into(),
            phonemes: vec![tts_core::PhonemeSpan {
                text: 3..9,
                ipa: "ˈwɪn".into(),
            }],
            ..Default::default()
        };
        let got = sentences(&request, "gmw/en-US").unwrap();
        assert_eq!(got.len(), 1);
        let (text, words) = &got[0];
        // The text's own brackets cannot open phoneme input.
        assert_eq!(text, "Hi [['wIn]] ((x)), bye.");
        let said: Vec<(&str, &str, &str)> = words
            .iter()
            .map(|w| {
                (
                    w.word.as_str(),
                    &text[w.piece.clone()],
                    &request.text[w.text.clone()],
                )
            })
            .collect();
        assert_eq!(
            said,
            [
                ("Hi", "Hi", "Hi"),
                ("Nguyen", "[['wIn]]", "Nguyen"),
                ("x", "x", "x"),
                ("bye", "bye", "bye")
            ]
        );
        let german = sentences(&request, "gmw/de").unwrap_err();
        assert!(
            german.message.contains("only for English voices"),
            "{german}"
        );
    }

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
