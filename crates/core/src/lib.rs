//! Domain types shared by the gateway, the audio pipeline and the speech engines.
//!
//! The key decision: audio travels through the gateway as mono signed 16-bit PCM
//! ([`AudioChunk`]) that carries its own sample rate, and only the last stage of a
//! stream (the encoder in `tts-audio`) turns it into bytes of the format a client asked
//! for. Engines therefore never know about codecs, and codecs never know about engines.
#![forbid(unsafe_code)]

mod audio;
mod error;
mod format;
mod language;
mod provider;
mod voice;

pub use audio::{AudioChunk, WordMark};
pub use error::{ProviderError, ProviderErrorKind};
pub use format::{AudioFormat, UnknownFormat};
pub use language::{canonicalize_language, language_matches};
pub use provider::{AudioStream, PhonemeSpan, Provider, StepBudget, SynthesisRequest};
pub use voice::Voice;

/// The number of cases each property-based fuzz target runs (docs/FUZZING.md):
/// `FUZZ_CASES` when set, else `ci_cases`, the budget that keeps CI fast.
pub fn fuzz_cases(ci_cases: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ci_cases)
}
