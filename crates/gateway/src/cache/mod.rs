//! The phrase cache: audio of a sentence, synthesised once and then served from memory
//! (and, with `REDIS_URL`, from a Redis shared by every gateway).
//!
//! IVR menus, greetings and agent fillers repeat the same sentences; each repeat would
//! otherwise cost an inference. The key decisions:
//! - **Sentence level, inside the pipeline.** `pipeline::speak` cuts each piece of text
//!   it is about to synthesise into sentences ([`PhraseCache::plan`]) and asks here for
//!   each one, so every door uses the cache, and a sentence shared by two different
//!   texts hits. Only engines that say how they join sentences
//!   ([`tts_core::Provider::sentence_pause_ms`]) are split; their pause is put back
//!   between the sentences. Other engines' pieces are cached whole.
//! - **Key** ([`Key`]): engine, voice, the voice's fingerprint
//!   ([`tts_core::Provider::fingerprint`]: the model file's hash, the engine's version),
//!   language, the speed and pitch the engine is asked for (after SSML prosody), and the
//!   sentence as the engine reads it (normalised). A new model never serves old audio;
//!   an engine that gives no fingerprint (Coqui, remote) is never cached.
//! - **Value** ([`Entry`]): PCM at the engine's own rate and its word marks. Resampling
//!   and encoding stay per request, so one entry serves every format and rate.
//! - **A hit needs no worker**: it streams at once. A miss takes a worker as before.
//! - **Single flight** ([`flight`]): requests that miss the same key at once share one
//!   synthesis, and each follower gets the audio as it is produced. When the request
//!   that synthesises goes away, a follower takes its engine stream over.
//! - **Tiers**: an LRU in memory bounded by bytes ([`memory`]); a Redis tier with a TTL
//!   and a size limit per entry ([`shared`]), asked only on a memory miss, under a short
//!   timeout: a Redis that is down or slow is bypassed, never an error.

mod entry;
pub mod flight;
pub mod memory;
mod metrics;
pub mod shared;

pub use entry::{Entry, Key};
pub use flight::{Flights, Next, Participant};
pub use metrics::CacheMetrics;

use crate::config::{err, list, num, redis_url};
use crate::metrics::ProviderLabels;
use crate::pipeline::{Segmenter, SegmenterConfig};
use memory::Memory;
use shared::Shared;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tts_core::{Provider, SynthesisRequest};
use tts_providers::ConfigError;

/// The cache's knobs (`CACHE_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheSettings {
    /// `CACHE_BUDGET_MB` (64): audio kept in memory, across engines; the least recently
    /// used goes first. 0 turns the cache off (memory and Redis).
    pub budget_bytes: usize,
    /// `CACHE_ENGINES` (unset: every engine that declares a fingerprint): the engines
    /// whose audio is reused, e.g. `piper,espeak`.
    pub engines: Option<Vec<String>>,
    /// `CACHE_MAX_ENTRY_KB` (1024): the largest sentence kept (its PCM and word marks);
    /// 1 MB is 32 s at 16 kHz.
    pub max_entry_bytes: usize,
    /// `CACHE_REDIS_TTL_SECONDS` (86400): how long an entry lives in Redis (with
    /// `REDIS_URL`); 0 keeps the cache in memory only.
    pub redis_ttl: Duration,
    /// `CACHE_REDIS_TIMEOUT_MS` (50): the longest a cache lookup waits for Redis before
    /// it synthesises instead.
    pub redis_timeout: Duration,
    /// `CACHE_REDIS_URL` (unset: `REDIS_URL`): a Redis of the shared tier's own, so that
    /// cache writes can go to a server without persistence while sessions and limits
    /// stay in a persisted one (docs/RELIABILITY.md).
    pub redis_url: Option<String>,
}

impl CacheSettings {
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let engines = list(get, "CACHE_ENGINES");
        if engines.as_ref().is_some_and(|e| e.is_empty()) {
            return Err(err(
                "CACHE_ENGINES",
                "expected engine ids separated by commas (set CACHE_BUDGET_MB=0 to turn the cache off)".into(),
            ));
        }
        Ok(Self {
            budget_bytes: num::<usize>(get, "CACHE_BUDGET_MB", 64, 0)? << 20,
            engines,
            max_entry_bytes: num::<usize>(get, "CACHE_MAX_ENTRY_KB", 1024, 1)? << 10,
            redis_ttl: Duration::from_secs(num(get, "CACHE_REDIS_TTL_SECONDS", 86_400, 0)?),
            redis_timeout: Duration::from_millis(num(get, "CACHE_REDIS_TIMEOUT_MS", 50, 1)?),
            redis_url: redis_url(get, "CACHE_REDIS_URL")?,
        })
    }
}

/// What one request asks of the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CacheUse {
    /// `"cache": false` opts out: neither served from nor stored in the cache.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `"cache_info": true`: the door sends a frame per sentence saying whether its audio
    /// came from the cache (doors without a place for it ignore this).
    #[serde(default)]
    pub marks: bool,
}

fn yes() -> bool {
    true
}

impl Default for CacheUse {
    fn default() -> Self {
        Self {
            enabled: true,
            marks: false,
        }
    }
}

/// One sentence of a piece of text, planned for the cache.
pub struct Planned {
    /// Byte range of the sentence in the piece's text.
    pub range: Range<usize>,
    /// Silence to put after its audio: the engine's pause between two sentences, for
    /// every sentence of a split piece but the last.
    pub pause_after_ms: u32,
    pub key: Key,
    /// What the engine is asked on a miss: the piece's request with this sentence.
    pub request: SynthesisRequest,
}

/// What [`PhraseCache::lookup`] found.
pub enum Lookup<S> {
    /// In memory: stream it.
    Hit(Arc<Entry>),
    /// Not in memory: a share of the key's flight, as its first member (who looks in
    /// Redis, then synthesises) or as a follower.
    Flight(Participant<S>),
}

/// How a sentence's audio was had, for the door's cache mark and the metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    Memory,
    Redis,
    /// Synthesised for this request, or for another one that asked at the same time.
    Synthesised,
}

/// The gateway's phrase cache. `S` is what a flight's synthesis reads from (the
/// pipeline's engine source), handed over when its holder goes away.
pub struct PhraseCache<S> {
    settings: CacheSettings,
    memory: Memory,
    shared: Option<Shared>,
    flights: Flights<S>,
    pub metrics: CacheMetrics,
}

impl<S: Send + 'static> PhraseCache<S> {
    /// The cache of `settings`, with a Redis tier when `shared` is given.
    pub fn new(settings: CacheSettings, shared: Option<Shared>, metrics: CacheMetrics) -> Self {
        let shared = shared.filter(|_| !settings.redis_ttl.is_zero() && settings.budget_bytes > 0);
        Self {
            memory: Memory::new(settings.budget_bytes),
            flights: Flights::default(),
            shared,
            settings,
            metrics,
        }
    }

    pub fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// The sentences of `request` (one piece of text) with their keys, or `None` when its
    /// audio is not to be cached: the cache is off, the request opted out, the operator
    /// left the engine out, or the engine gives no fingerprint for the voice.
    pub fn plan(
        &self,
        provider: &dyn Provider,
        language: Option<&str>,
        cache: CacheUse,
        request: &SynthesisRequest,
    ) -> Option<Vec<Planned>> {
        // Phoneme spans (SSML <phoneme>, IPA lexicon entries) point into the whole text
        // by byte range, which sentence keys cannot carry: such pieces go uncached.
        if self.settings.budget_bytes == 0 || !cache.enabled || !request.phonemes.is_empty() {
            return None;
        }
        let engine = provider.id();
        if let Some(allowed) = &self.settings.engines {
            if !allowed.iter().any(|e| e == engine) {
                return None;
            }
        }
        let fingerprint = provider.fingerprint(&request.voice)?;
        let (ranges, pause) = match provider.sentence_pause_ms() {
            Some(pause) => (sentences(&request.text), pause),
            None => (std::iter::once(0..request.text.len()).collect(), 0),
        };
        let last = ranges.len().saturating_sub(1);
        let planned = ranges
            .into_iter()
            .enumerate()
            .map(|(i, range)| {
                let text = &request.text[range.clone()];
                Planned {
                    pause_after_ms: if i < last { pause } else { 0 },
                    key: Key::new(engine, &fingerprint, language, request, text),
                    request: SynthesisRequest {
                        text: text.to_string(),
                        ..request.clone()
                    },
                    range,
                }
            })
            .collect();
        Some(planned)
    }

    /// Memory first; on a miss, a share of the key's flight.
    pub fn lookup(&self, provider: &str, key: &Key) -> Lookup<S> {
        if let Some(entry) = self.memory.get(key) {
            self.metrics.hit(provider, "memory");
            return Lookup::Hit(entry);
        }
        let part = self.flights.join(*key);
        if !part.leads() {
            self.metrics.joined(provider);
        }
        Lookup::Flight(part)
    }

    /// The shared tier's entry for `key`, if there is one and Redis answers in time;
    /// kept in memory for the next lookups.
    pub async fn shared(&self, provider: &str, key: &Key) -> Option<Arc<Entry>> {
        let entry = Arc::new(self.shared.as_ref()?.get(key).await?);
        self.metrics.hit(provider, "redis");
        self.keep(provider, key, &entry, false);
        Some(entry)
    }

    /// Stores a synthesised sentence in memory and (unless it came from there) Redis.
    /// Entries over `CACHE_MAX_ENTRY_KB` are not kept.
    pub fn keep(&self, provider: &str, key: &Key, entry: &Arc<Entry>, to_shared: bool) {
        if entry.bytes() > self.settings.max_entry_bytes || entry.samples.is_empty() {
            return;
        }
        for evicted in self.memory.insert(*key, provider, Arc::clone(entry)) {
            self.metrics.evicted(&evicted);
        }
        if let Some(shared) = self.shared.as_ref().filter(|_| to_shared) {
            shared.put(key, entry, self.settings.redis_ttl);
        }
    }

    /// Refreshes the per-engine gauges of entries and bytes held in memory.
    pub fn refresh_gauges(&self) {
        for (provider, entries, bytes) in self.memory.usage() {
            let labels = ProviderLabels { provider };
            self.metrics
                .entries
                .get_or_create(&labels)
                .set(entries as i64);
            self.metrics.bytes.get_or_create(&labels).set(bytes as i64);
        }
    }
}

/// The cache `settings.cache` asks for, with a Redis tier in `CACHE_REDIS_URL`, else
/// `REDIS_URL`, when one is set (no connection is made here). Says at start-up what is
/// cached.
pub fn build<S: Send + 'static>(
    settings: &crate::config::Settings,
    metrics: &crate::metrics::Metrics,
    providers: &tts_providers::Registry,
) -> std::io::Result<PhraseCache<S>> {
    let c = &settings.cache;
    let url = c.redis_url.as_ref().or(settings.redis_url.as_ref());
    let shared = match url {
        Some(url) if c.budget_bytes > 0 && !c.redis_ttl.is_zero() => {
            Some(Shared::new(crate::redis_backend::Redis::new(
                url,
                c.redis_timeout,
                &settings.redis_key_prefix,
                metrics,
            )?))
        }
        _ => None,
    };
    if c.budget_bytes == 0 {
        tracing::info!("phrase cache off (CACHE_BUDGET_MB=0)");
    } else {
        let cached: Vec<String> = providers
            .ids()
            .into_iter()
            .filter(|id| c.engines.as_ref().is_none_or(|e| e.iter().any(|e| e == id)))
            .filter(|id| {
                let p = providers.get(id).expect("listed by the registry");
                p.voices().iter().any(|v| p.fingerprint(&v.id).is_some())
            })
            .map(str::to_string)
            .collect();
        for unknown in c
            .engines
            .iter()
            .flatten()
            .filter(|e| providers.get(e).is_none())
        {
            tracing::warn!(engine = %unknown, "CACHE_ENGINES names an engine that is not running here");
        }
        tracing::info!(
            budget_mb = c.budget_bytes >> 20,
            engines = %cached.join(","),
            redis = shared.is_some(),
            "phrase cache on"
        );
    }
    Ok(PhraseCache::new(c.clone(), shared, metrics.cache.clone()))
}

/// Byte ranges of the sentences of `text`, as the realtime segmenter finds sentence ends
/// ("Dr." and "3.5" do not end one). Engines read sentence by sentence anyway, so the
/// audio of the whole is the audio of its sentences in turn. The ranges cover the whole
/// text, each sentence with the whitespace after it: an engine that speaks whitespace
/// (mock_tone) sounds the same split or whole.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut segmenter = Segmenter::new(SegmenterConfig {
        max_buffer_delay: Duration::from_secs(86_400),
        first_clause_words: usize::MAX,
        clause_words: usize::MAX,
        max_segment_bytes: usize::MAX,
    });
    let mut out: Vec<Range<usize>> = segmenter
        .push(text, Instant::now())
        .into_iter()
        .chain(segmenter.finish())
        .filter(|s| !s.text.is_empty())
        .map(|s| s.offset..s.offset + s.text.len())
        .collect();
    if out.is_empty() && !text.trim().is_empty() {
        out.push(0..text.len());
    }
    let starts: Vec<usize> = out.iter().skip(1).map(|r| r.start).collect();
    for (range, next) in out.iter_mut().zip(starts.into_iter().chain([text.len()])) {
        range.end = next;
    }
    if let Some(first) = out.first_mut() {
        first.start = 0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_cut_at_sentence_ends_only() {
        let text = "Hello there, Dr. Smith. It costs 3.5 dollars!  Thanks";
        let got: Vec<&str> = sentences(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            got,
            [
                "Hello there, Dr. Smith. ",
                "It costs 3.5 dollars!  ",
                "Thanks"
            ]
        );
    }

    #[test]
    fn settings_default_to_a_bounded_cache_and_name_bad_values() {
        let none = |_: &str| None;
        let s = CacheSettings::from_lookup(&none).unwrap();
        assert_eq!(s.budget_bytes, 64 << 20);
        assert_eq!(s.engines, None);
        let e = CacheSettings::from_lookup(&|k| (k == "CACHE_BUDGET_MB").then(|| "lots".into()))
            .unwrap_err();
        assert_eq!(e.var, "CACHE_BUDGET_MB");
        let e = CacheSettings::from_lookup(&|k| (k == "CACHE_ENGINES").then(|| " , ".into()))
            .unwrap_err();
        assert_eq!(e.var, "CACHE_ENGINES");
        assert_eq!(
            s.redis_url, None,
            "the shared tier goes where REDIS_URL goes"
        );
        let e =
            CacheSettings::from_lookup(&|k| (k == "CACHE_REDIS_URL").then(|| "http://x".into()))
                .unwrap_err();
        assert_eq!(e.var, "CACHE_REDIS_URL");
    }
}
