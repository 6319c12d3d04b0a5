//! [`Registry`]: the providers enabled by configuration, looked up by id.

use crate::config::ProvidersConfig;
use crate::coqui::Coqui;
use crate::espeak::engine::Engine;
use crate::espeak::EspeakProvider;
use crate::mock_tone::MockTone;
use crate::piper::Piper;
use std::collections::BTreeMap;
use std::sync::Arc;
use tts_core::{Provider, Voice};

/// The running providers, keyed by id. Cheap to clone.
#[derive(Clone, Default)]
pub struct Registry {
    providers: BTreeMap<String, Arc<dyn Provider>>,
    espeak: Option<Arc<EspeakProvider>>,
    piper: Option<Arc<Piper>>,
}

impl Registry {
    /// Starts every enabled provider. One that cannot start is logged and left out.
    /// May block (engines load models here): call it off the async runtime.
    pub fn build(config: &ProvidersConfig) -> Self {
        let mut registry = Registry::default();
        if config.mock_tone_enabled {
            registry.insert(Arc::new(MockTone::new()));
        }
        if config.espeak.enabled {
            match EspeakProvider::start(&config.espeak) {
                Ok(p) => registry.insert_espeak(Arc::new(p)),
                Err(e) => left_out(crate::espeak::PROVIDER_ID, &e.to_string()),
            }
        }
        if config.piper.enabled {
            // Piper phonemizes with espeak, whether or not espeak is listed as a provider.
            let started = Engine::global(config.espeak.data_path.as_deref())
                .map_err(|e| format!("espeak (needed for phonemes): {e}"))
                .and_then(|engine| Piper::start(&config.piper, engine));
            match started {
                Ok(p) => registry.insert_piper(Arc::new(p)),
                Err(e) => left_out(crate::piper::PROVIDER_ID, &e),
            }
        }
        if config.coqui.is_active() {
            match Coqui::new(&config.coqui) {
                Ok(p) => registry.insert(Arc::new(p)),
                Err(e) => left_out(crate::coqui::PROVIDER_ID, &e),
            }
        } else if config.coqui.enabled {
            tracing::info!(
                provider = crate::coqui::PROVIDER_ID,
                "COQUI_URL is not set; provider left out"
            );
        }
        registry
    }

    /// Adds (or replaces) a provider; used by `build` and by tests that bring their own.
    pub fn insert(&mut self, provider: Arc<dyn Provider>) {
        self.providers.insert(provider.id().to_string(), provider);
    }

    /// Adds the espeak provider, keeping its typed handle for [`Registry::espeak`].
    pub fn insert_espeak(&mut self, provider: Arc<EspeakProvider>) {
        self.espeak = Some(Arc::clone(&provider));
        self.insert(provider);
    }

    /// Adds the Piper provider, keeping its typed handle for [`Registry::piper`].
    pub fn insert_piper(&mut self, provider: Arc<Piper>) {
        self.piper = Some(Arc::clone(&provider));
        self.insert(provider);
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

    /// The running espeak provider, for its engine counters (`stats()`).
    pub fn espeak(&self) -> Option<&Arc<EspeakProvider>> {
        self.espeak.as_ref()
    }

    /// The running Piper provider, for its inference counters (`stats()`).
    pub fn piper(&self) -> Option<&Arc<Piper>> {
        self.piper.as_ref()
    }
}

fn left_out(provider: &str, reason: &str) {
    tracing::warn!(provider, reason, "provider cannot start; left out");
}
