//! [`Registry`]: the providers enabled by configuration, looked up by id.

use crate::mock_tone::MockTone;
use std::collections::BTreeMap;
use std::sync::Arc;
use tts_core::{Provider, Voice};

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: String,
    pub message: String,
}

/// Which engines to start and how. Each engine owns its environment variables here, so
/// the gateway's configuration only has to call [`ProvidersConfig::from_env`].
#[derive(Clone, Debug)]
pub struct ProvidersConfig {
    /// `MOCK_TONE_ENABLED` (default on).
    pub mock_tone_enabled: bool,
}

impl Default for ProvidersConfig {
    fn default() -> Self {
        Self {
            mock_tone_enabled: true,
        }
    }
}

impl ProvidersConfig {
    /// Reads the providers' variables through `get` (the process environment in
    /// production, a map in tests). Unset variables take their defaults.
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        Ok(Self {
            mock_tone_enabled: parse_bool(get, "MOCK_TONE_ENABLED", defaults.mock_tone_enabled)?,
        })
    }
}

/// Parses `1/0/true/false/yes/no/on/off`; anything else is an error naming `var`.
pub fn parse_bool(
    get: &dyn Fn(&str) -> Option<String>,
    var: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            _ => Err(ConfigError {
                var: var.to_string(),
                message: format!("expected 1 or 0 (true/false), got {v:?}"),
            }),
        },
    }
}

/// The running providers, keyed by id. Cheap to clone.
#[derive(Clone, Default)]
pub struct Registry {
    providers: BTreeMap<String, Arc<dyn Provider>>,
}

impl Registry {
    /// Starts every enabled provider. One that cannot start is logged and left out.
    /// May block (engines load models here): call it off the async runtime.
    pub fn build(config: &ProvidersConfig) -> Self {
        let mut registry = Registry::default();
        if config.mock_tone_enabled {
            registry.insert(Arc::new(MockTone::new()));
        }
        registry
    }

    /// Adds (or replaces) a provider; used by `build` and by tests that bring their own.
    pub fn insert(&mut self, provider: Arc<dyn Provider>) {
        self.providers.insert(provider.id().to_string(), provider);
    }

    pub fn get(&self, id: &str) -> Option<&Arc<dyn Provider>> {
        self.providers.get(id)
    }

    /// Ids of the running providers, sorted.
    pub fn ids(&self) -> Vec<&str> {
        self.providers.keys().map(String::as_str).collect()
    }

    /// Every voice of every provider, provider by provider.
    pub fn voices(&self) -> Vec<Voice> {
        self.providers.values().flat_map(|p| p.voices()).collect()
    }
}
