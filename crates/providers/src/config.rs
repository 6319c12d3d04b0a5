//! [`ProvidersConfig`]: every provider's settings, read from the environment at start-up.
//!
//! Each engine owns its variables (in its module's `*Config::from_env`); this file only
//! gathers them and holds the small parsers they share, so that a bad value stops the
//! gateway with a message naming the variable instead of surfacing at the first request.

use crate::coqui::CoquiConfig;
use crate::espeak::EspeakConfig;
use crate::piper::PiperConfig;
use std::str::FromStr;

/// How configuration is read: the process environment in production, a map in tests.
pub type Getter<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(var: &str, message: impl Into<String>) -> Self {
        Self {
            var: var.to_string(),
            message: message.into(),
        }
    }
}

/// Which engines to start and how. Each engine owns its environment variables here, so
/// the gateway's configuration only has to call [`ProvidersConfig::from_env`].
#[derive(Clone, Debug)]
pub struct ProvidersConfig {
    /// `MOCK_TONE_ENABLED` (default on).
    pub mock_tone_enabled: bool,
    /// `ESPEAK_ENABLED`, `ESPEAK_DATA_PATH`.
    pub espeak: EspeakConfig,
    /// `PIPER_ENABLED`, `PIPER_VOICES_DIR`, `ORT_DYLIB_PATH`, `PIPER_INTRA_OP_THREADS`,
    /// `PIPER_MAX_CONCURRENT`.
    pub piper: PiperConfig,
    /// `COQUI_ENABLED`, `COQUI_URL`, `COQUI_CA_FILE`, `COQUI_MODEL_NAME`, `COQUI_LANGUAGE`,
    /// `COQUI_SPEAKER_ID`, `COQUI_LANGUAGE_ID`, `COQUI_TIMEOUT_MS`, `COQUI_SAMPLE_RATE`.
    pub coqui: CoquiConfig,
}

impl Default for ProvidersConfig {
    fn default() -> Self {
        Self {
            mock_tone_enabled: true,
            espeak: EspeakConfig::default(),
            piper: PiperConfig::default(),
            coqui: CoquiConfig::default(),
        }
    }
}

impl ProvidersConfig {
    /// Only `mock_tone`, no real engine: for tests that bring their own doubles and must
    /// not depend on (or wait for) espeak, ONNX Runtime or a Coqui server.
    pub fn mock_tone_only() -> Self {
        let mut c = Self::default();
        c.espeak.enabled = false;
        c.piper.enabled = false;
        c.coqui.enabled = false;
        c
    }

    /// Reads the providers' variables through `get` (the process environment in
    /// production, a map in tests). Unset variables take their defaults.
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            mock_tone_enabled: parse_bool(get, "MOCK_TONE_ENABLED", true)?,
            espeak: EspeakConfig::from_env(get)?,
            piper: PiperConfig::from_env(get)?,
            coqui: CoquiConfig::from_env(get)?,
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
            _ => Err(ConfigError::new(
                var,
                format!("expected 1 or 0 (true/false), got {v:?}"),
            )),
        },
    }
}

/// Parses a number in `min..=max`; unset or empty takes `default`.
pub fn parse_number<T>(
    get: Getter<'_>,
    var: &str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = get(var).filter(|v| !v.trim().is_empty()) else {
        return Ok(default);
    };
    match raw.trim().parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(v),
        _ => Err(ConfigError::new(
            var,
            format!("expected a whole number from {min} to {max}, got {raw:?}"),
        )),
    }
}

/// A non-empty, trimmed value, or `None` when unset or blank.
pub fn parse_string(get: Getter<'_>, var: &str) -> Option<String> {
    get(var)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn getter(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_need_no_variables() {
        let c = ProvidersConfig::from_env(&getter(&[])).unwrap();
        assert!(c.mock_tone_enabled && c.espeak.enabled && c.piper.enabled && c.coqui.enabled);
        assert_eq!(c.piper.intra_op_threads, 1);
        assert!(c.piper.max_concurrent >= 1);
        assert_eq!(c.coqui.url, None);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err =
            ProvidersConfig::from_env(&getter(&[("PIPER_INTRA_OP_THREADS", "0")])).unwrap_err();
        assert_eq!(err.var, "PIPER_INTRA_OP_THREADS");
        let err = ProvidersConfig::from_env(&getter(&[("ESPEAK_ENABLED", "maybe")])).unwrap_err();
        assert_eq!(err.var, "ESPEAK_ENABLED");
        let err = ProvidersConfig::from_env(&getter(&[("COQUI_URL", "ftp://x")])).unwrap_err();
        assert_eq!(err.var, "COQUI_URL");
        let tls = ProvidersConfig::from_env(&getter(&[("COQUI_URL", "https://tts.internal:5002")]));
        assert_eq!(tls.unwrap().coqui.url.unwrap().scheme(), "https");
    }
}
