//! Speech engines behind [`tts_core::Provider`], and the [`Registry`] that the gateway
//! builds from configuration at start-up.
//!
//! Each engine lives in its own module. An engine that cannot start (library or model
//! missing) is left out of the registry with a logged reason; the gateway still starts.

pub mod mock_tone;
mod registry;

pub use registry::{parse_bool, ConfigError, ProvidersConfig, Registry};
