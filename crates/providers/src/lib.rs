//! Speech engines behind [`tts_core::Provider`], and the [`Registry`] that the gateway
//! builds from configuration at start-up.
//!
//! Each engine lives in its own module: `mock_tone` (test tones), `espeak` (libespeak-ng,
//! which also phonemizes for Piper), `piper` (neural voices on ONNX Runtime) and `coqui`
//! (a remote Coqui `tts-server`). An engine that cannot start (library or model missing)
//! is left out of the registry with a logged reason; the gateway still starts.

mod config;
pub mod coqui;
pub mod espeak;
pub mod ipa;
pub mod mock_tone;
mod pcm;
pub mod piper;
mod registry;
pub mod text;

pub use config::{parse_bool, ConfigError, ProvidersConfig};
pub use registry::Registry;
