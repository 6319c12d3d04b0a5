//! [`Voice`]: one voice of one provider, as `/v1/voices` lists it.

use serde::Serialize;

/// A voice offered by a provider. Serialises to the `Voice` object of the wire contract;
/// `extra` carries optional engine metadata (model name, speaker id, gender…) and is
/// omitted when empty.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Voice {
    pub id: String,
    pub name: String,
    /// Canonical BCP-47 tag (see [`crate::canonicalize_language`]).
    pub language: String,
    pub provider: String,
    /// The rate the engine produces natively; other rates are resampled.
    pub sample_rate_hz: u32,
    /// Wire names of the formats this voice can be delivered in.
    pub supported_formats: Vec<String>,
    #[serde(skip_serializing_if = "serde_json_map_is_empty")]
    pub extra: std::collections::BTreeMap<String, String>,
}

fn serde_json_map_is_empty(m: &std::collections::BTreeMap<String, String>) -> bool {
    m.is_empty()
}

impl Voice {
    /// A voice with no formats yet (the registry fills `supported_formats` from the codecs
    /// actually available) and no extra metadata.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        language: &str,
        provider: impl Into<String>,
        sample_rate_hz: u32,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            language: crate::canonicalize_language(language),
            provider: provider.into(),
            sample_rate_hz,
            supported_formats: Vec::new(),
            extra: Default::default(),
        }
    }

    /// Adds one `extra` metadata entry.
    pub fn with_extra(mut self, key: &str, value: impl Into<String>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }
}
