//! [`AppState`]: everything a request handler needs, built once at start-up.

use crate::admission::Admission;
use crate::breaker::CircuitBreaker;
use crate::config::Settings;
use crate::metrics::{Metrics, ProviderLabels, ScopeLabels};
use crate::rate_limit::RateLimiter;
use crate::scheduler::Scheduler;
use crate::sessions::SessionStore;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tts_audio::Codecs;
use tts_core::{Provider, Voice};
use tts_providers::Registry;

pub struct AppState {
    pub settings: Settings,
    pub providers: Registry,
    pub catalog: Catalog,
    pub codecs: Codecs,
    pub store: Arc<dyn SessionStore>,
    pub limiter: RateLimiter,
    pub admission: Admission,
    pub breakers: HashMap<String, CircuitBreaker>,
    /// The turns of each engine that declares a fixed pool.
    pub schedulers: HashMap<String, Scheduler>,
    pub metrics: Metrics,
    /// Every running stream, so shutdown can wait for them.
    pub streams: TaskTracker,
    /// Cancelled when the shutdown grace period is over: streams still running end.
    pub shutdown_deadline: CancellationToken,
    pub local_addr: SocketAddr,
    /// The operator's pronunciation lexicon (`LEXICON_FILE`), reloaded when it changes.
    pub lexicon: Option<tts_normalize::LexiconFile>,
    /// The phrase cache: sentences' audio, served again without synthesis.
    pub cache: crate::pipeline::Cache,
    /// API keys and tokens (`API_KEYS_FILE`); `None`: keys off, anyone may ask.
    pub auth: Option<crate::auth::Auth>,
}

impl AppState {
    pub fn provider(&self, id: &str) -> Option<&Arc<dyn Provider>> {
        self.providers.get(id)
    }

    pub fn breaker(&self, provider: &str) -> &CircuitBreaker {
        self.breakers
            .get(provider)
            .expect("every registered provider has a breaker")
    }

    /// The scheduler of `provider`'s pool, if it declares one.
    pub fn scheduler(&self, provider: &str) -> Option<&Scheduler> {
        self.schedulers.get(provider)
    }

    /// The Prometheus text of every series, with live gauges refreshed first.
    pub fn render_metrics(&self) -> String {
        let m = &self.metrics;
        let scope = ScopeLabels { scope: "ip" };
        m.rate_limit_usage
            .get_or_create(&scope)
            .set(self.limiter.max_bucket_usage());
        m.rate_limit_remaining
            .get_or_create(&scope)
            .set(self.limiter.window_remaining().as_secs_f64());
        m.queue_depth.set(self.admission.queue_depth() as i64);
        m.queue_maxsize.set(self.admission.max_queue() as i64);
        m.workers_busy.set(self.admission.busy_workers() as i64);
        m.workers_total.set(self.admission.total_workers() as i64);
        self.cache.refresh_gauges();
        for (id, scheduler) in &self.schedulers {
            m.engine_queue_depth
                .get_or_create(&ProviderLabels {
                    provider: id.clone(),
                })
                .set(scheduler.waiting() as i64);
        }
        m.stream_tasks.set(self.streams.len() as i64);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            m.runtime_tasks
                .set(runtime.metrics().num_alive_tasks() as i64);
        }
        for (id, breaker) in &self.breakers {
            m.circuit_open
                .get_or_create(&ProviderLabels {
                    provider: id.clone(),
                })
                .set(i64::from(breaker.is_open()));
        }
        m.encode()
    }
}

/// The voices of every provider, with the formats the codecs can deliver, indexed for
/// the per-request lookups of session creation.
pub struct Catalog {
    voices: Vec<Voice>,
    index: HashMap<(String, String), usize>,
    /// Voice id → the first provider's voice of that id (doors that name no provider).
    by_id: HashMap<String, usize>,
}

impl Catalog {
    pub fn build(providers: &Registry, codecs: &Codecs) -> Self {
        let formats: Vec<String> = codecs
            .available()
            .into_iter()
            .map(|f| f.name().to_string())
            .collect();
        let voices: Vec<Voice> = providers
            .voices()
            .into_iter()
            .map(|mut v| {
                v.supported_formats = formats.clone();
                v
            })
            .collect();
        let index = voices
            .iter()
            .enumerate()
            .map(|(i, v)| ((v.provider.clone(), v.id.clone()), i))
            .collect();
        let mut by_id = HashMap::new();
        for (i, v) in voices.iter().enumerate() {
            by_id.entry(v.id.clone()).or_insert(i);
        }
        Self {
            voices,
            index,
            by_id,
        }
    }

    /// The voice `voice` of whichever provider offers it (the first in the registry's
    /// order when several do).
    pub fn find_any(&self, voice: &str) -> Option<&Voice> {
        self.by_id.get(voice).map(|&i| &self.voices[i])
    }

    pub fn all(&self) -> &[Voice] {
        &self.voices
    }

    pub fn find(&self, provider: &str, voice: &str) -> Option<&Voice> {
        self.index
            .get(&(provider.to_string(), voice.to_string()))
            .map(|&i| &self.voices[i])
    }
}
