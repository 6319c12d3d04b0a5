//! The cache's series, by engine (`provider`, a registered engine id) and, for hits, by
//! tier (`memory`, `redis`).

use crate::metrics::ProviderLabels;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TierLabels {
    pub provider: String,
    pub tier: &'static str,
}

#[derive(Clone, Default)]
pub struct CacheMetrics {
    pub hits: Family<TierLabels, Counter>,
    pub misses: Family<ProviderLabels, Counter>,
    pub joined: Family<ProviderLabels, Counter>,
    pub evictions: Family<ProviderLabels, Counter>,
    pub entries: Family<ProviderLabels, Gauge>,
    pub bytes: Family<ProviderLabels, Gauge>,
}

impl CacheMetrics {
    pub fn register(&self, registry: &mut Registry) {
        // Counters get their `_total` suffix from the encoder.
        registry.register(
            "tts_cache_hits",
            "Sentences served from the phrase cache, by engine and tier (memory, redis)",
            self.hits.clone(),
        );
        registry.register(
            "tts_cache_misses",
            "Sentences synthesised because the phrase cache had them nowhere",
            self.misses.clone(),
        );
        registry.register(
            "tts_cache_joined",
            "Sentences that missed while the same sentence was being synthesised, and shared that synthesis",
            self.joined.clone(),
        );
        registry.register(
            "tts_cache_evictions",
            "Entries dropped from memory to keep CACHE_BUDGET_MB",
            self.evictions.clone(),
        );
        registry.register(
            "tts_cache_entries",
            "Sentences held in the memory tier",
            self.entries.clone(),
        );
        registry.register(
            "tts_cache_bytes",
            "Bytes held in the memory tier",
            self.bytes.clone(),
        );
    }

    fn labels(provider: &str) -> ProviderLabels {
        ProviderLabels {
            provider: provider.to_string(),
        }
    }

    pub fn hit(&self, provider: &str, tier: &'static str) {
        self.hits
            .get_or_create(&TierLabels {
                provider: provider.to_string(),
                tier,
            })
            .inc();
    }

    pub fn miss(&self, provider: &str) {
        self.misses.get_or_create(&Self::labels(provider)).inc();
    }

    pub fn joined(&self, provider: &str) {
        self.joined.get_or_create(&Self::labels(provider)).inc();
    }

    pub fn evicted(&self, provider: &str) {
        self.evictions.get_or_create(&Self::labels(provider)).inc();
    }
}
