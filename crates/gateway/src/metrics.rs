//! [`Metrics`]: every Prometheus series of the wire contract, plus latency histograms.
//!
//! One registry per application instance (not a process-global recorder), so tests that
//! start many gateways in one process see only their own counts. Labels come from small
//! fixed sets (provider ids, format names, reasons), never from user input.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SessionLabels {
    pub provider: String,
    pub status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StreamLabels {
    pub provider: String,
    pub format: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProviderLabels {
    pub provider: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DropLabels {
    pub provider: String,
    pub format: &'static str,
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScopeLabels {
    pub scope: &'static str,
}

/// One operation on a shared backend (`backend="redis"`; `op` from a fixed list of
/// operations, e.g. `claim`, `rate_limit`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BackendLabels {
    pub backend: &'static str,
    pub op: &'static str,
}

/// A failed backend operation, with why (`timeout`, `connection`, `server`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BackendErrorLabels {
    pub backend: &'static str,
    pub op: &'static str,
    pub kind: &'static str,
}

/// One door (`session`, `file`, `openai`, `realtime`, and each protocol adapter).
/// How a completion that Redis could not take at the stream's end was settled.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LateRecordLabels {
    /// `recorded` (a retry landed), `expired` (not before the session's TTL ran out),
    /// `claimed_again` (another gateway claimed the session first), `no_room` (more
    /// audio waiting than this gateway keeps).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiLabels {
    pub api: &'static str,
}

/// How a door's stream ended (`completed`, `cancelled`, `refused`, `failed`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiOutcomeLabels {
    pub api: &'static str,
    pub outcome: &'static str,
}

/// Why a credential was refused (`missing`, `invalid_key`, `invalid_token`, `expired`,
/// `revoked`, `wrong_door`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AuthLabels {
    pub reason: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// All series. Gauges that mirror live state (queue depth, rate-limit usage) are set from
/// that state just before each scrape, in [`crate::state::AppState::render_metrics`].
pub struct Metrics {
    registry: Registry,
    /// The phrase cache's series (`tts_cache_*`).
    pub cache: crate::cache::CacheMetrics,
    pub sessions: Family<SessionLabels, Counter>,
    pub stream_chunks: Family<StreamLabels, Counter>,
    pub stream_bytes: Family<StreamLabels, Counter>,
    pub active_streams: Family<ProviderLabels, Gauge>,
    pub provider_failures: Family<ProviderLabels, Counter>,
    pub dropped_frames: Family<DropLabels, Counter>,
    pub rate_limit_hits: Family<ScopeLabels, Counter>,
    pub rate_limit_usage: Family<ScopeLabels, FloatGauge>,
    pub rate_limit_remaining: Family<ScopeLabels, FloatGauge>,
    pub queue_depth: Gauge,
    pub queue_maxsize: Gauge,
    pub workers_busy: Gauge,
    pub workers_total: Gauge,
    pub queue_full: Counter,
    pub circuit_open: Family<ProviderLabels, Gauge>,
    pub time_to_first_audio: Family<StreamLabels, Histogram>,
    pub queue_wait: Histogram,
    pub engine_queue_wait: Family<ProviderLabels, Histogram>,
    pub engine_queue_depth: Family<ProviderLabels, Gauge>,
    pub stream_lead: Family<ProviderLabels, Histogram>,
    pub synthesis_rtf: Family<ProviderLabels, Histogram>,
    pub backend_errors: Family<BackendErrorLabels, Counter>,
    pub backend_latency: Family<BackendLabels, Histogram>,
    /// Completions held here while their record in Redis is retried.
    pub unrecorded: Gauge,
    pub late_records: Family<LateRecordLabels, Counter>,
    pub api_first_audio: Family<ApiLabels, Histogram>,
    pub api_streams: Family<ApiOutcomeLabels, Counter>,
    pub contexts_open: Family<ApiLabels, Gauge>,
    pub cancels: Family<ApiLabels, Counter>,
    pub cancel_latency: Family<ApiLabels, Histogram>,
    pub auth_refusals: Family<AuthLabels, Counter>,
    /// Stream tasks still running (the shutdown tracker's count): at rest it must fall
    /// back to zero, or a stream leaked.
    pub stream_tasks: Gauge,
    /// Every task alive on the gateway's Tokio runtime (connections, streams, timers'
    /// owners); at rest it must fall back to its idle level.
    pub runtime_tasks: Gauge,
}

fn latency_buckets() -> Histogram {
    Histogram::new([
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
    ])
}

/// Seconds of audio a stream had in hand: negative when it had fallen behind.
fn lead_buckets() -> Histogram {
    Histogram::new([
        -2.0, -1.0, -0.5, -0.2, -0.1, 0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0,
    ])
}

fn rtf_buckets() -> Histogram {
    Histogram::new([0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0])
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let m = Self {
            sessions: Family::default(),
            stream_chunks: Family::default(),
            stream_bytes: Family::default(),
            active_streams: Family::default(),
            provider_failures: Family::default(),
            dropped_frames: Family::default(),
            rate_limit_hits: Family::default(),
            auth_refusals: Family::default(),
            rate_limit_usage: Family::default(),
            rate_limit_remaining: Family::default(),
            queue_depth: Gauge::default(),
            queue_maxsize: Gauge::default(),
            workers_busy: Gauge::default(),
            workers_total: Gauge::default(),
            queue_full: Counter::default(),
            circuit_open: Family::default(),
            time_to_first_audio: Family::new_with_constructor(latency_buckets),
            queue_wait: latency_buckets(),
            engine_queue_wait: Family::new_with_constructor(latency_buckets),
            engine_queue_depth: Family::default(),
            stream_lead: Family::new_with_constructor(lead_buckets),
            synthesis_rtf: Family::new_with_constructor(rtf_buckets),
            backend_errors: Family::default(),
            backend_latency: Family::new_with_constructor(latency_buckets),
            unrecorded: Gauge::default(),
            late_records: Family::default(),
            api_first_audio: Family::new_with_constructor(latency_buckets),
            api_streams: Family::default(),
            contexts_open: Family::default(),
            cancels: Family::default(),
            cancel_latency: Family::new_with_constructor(latency_buckets),
            stream_tasks: Gauge::default(),
            runtime_tasks: Gauge::default(),
            registry: Registry::default(),
            cache: crate::cache::CacheMetrics::default(),
        };
        m.cache.register(&mut registry);
        // Counters get their `_total` suffix from the encoder.
        registry.register(
            "tts_sessions",
            "Sessions by provider and outcome",
            m.sessions.clone(),
        );
        registry.register(
            "tts_stream_chunks",
            "Audio frames sent over WebSockets",
            m.stream_chunks.clone(),
        );
        registry.register(
            "tts_stream_bytes",
            "Audio bytes sent over WebSockets (before base64)",
            m.stream_bytes.clone(),
        );
        registry.register(
            "tts_active_streams",
            "Streams claimed and not yet finished",
            m.active_streams.clone(),
        );
        registry.register(
            "tts_provider_failures",
            "Failed calls to a speech engine",
            m.provider_failures.clone(),
        );
        registry.register(
            "tts_backend_dropped_frames",
            "Audio frames produced but never delivered, by reason",
            m.dropped_frames.clone(),
        );
        registry.register(
            "tts_auth_refusals",
            "Requests refused for their credential (API keys on), by reason",
            m.auth_refusals.clone(),
        );
        registry.register(
            "tts_rate_limit_hits",
            "Requests refused by the rate limiter",
            m.rate_limit_hits.clone(),
        );
        registry.register(
            "tts_rate_limit_max_bucket_usage",
            "Fill of the busiest rate-limit bucket in the current window (0-1)",
            m.rate_limit_usage.clone(),
        );
        registry.register(
            "tts_rate_limit_window_remaining_seconds",
            "Seconds until the current rate-limit window resets",
            m.rate_limit_remaining.clone(),
        );
        registry.register(
            "tts_session_queue_depth",
            "Streams waiting for a worker",
            m.queue_depth.clone(),
        );
        registry.register(
            "tts_session_queue_maxsize",
            "Streams that may wait for a worker",
            m.queue_maxsize.clone(),
        );
        registry.register(
            "tts_session_workers_busy",
            "Workers synthesising a stream",
            m.workers_busy.clone(),
        );
        registry.register(
            "tts_session_workers_total",
            "Configured workers",
            m.workers_total.clone(),
        );
        registry.register(
            "tts_session_queue_full",
            "Streams refused because the queue was full",
            m.queue_full.clone(),
        );
        registry.register(
            "tts_provider_circuit_open",
            "1 while a provider's circuit breaker is open",
            m.circuit_open.clone(),
        );
        registry.register(
            "tts_time_to_first_audio_seconds",
            "From WebSocket connect to the first audio frame handed to the socket",
            m.time_to_first_audio.clone(),
        );
        registry.register(
            "tts_queue_wait_seconds",
            "Time a stream waited for a worker",
            m.queue_wait.clone(),
        );
        registry.register(
            "tts_engine_queue_wait_seconds",
            "Time a stream waited for a turn of its engine's pool before pulling a chunk (engines with a fixed pool)",
            m.engine_queue_wait.clone(),
        );
        registry.register(
            "tts_engine_queue_depth",
            "Streams waiting for a turn of their engine's pool",
            m.engine_queue_depth.clone(),
        );
        registry.register(
            "tts_stream_lead_seconds",
            "How far ahead of real-time playback a stream's audio was when it asked its engine for more (negative: behind)",
            m.stream_lead.clone(),
        );
        registry.register(
            "tts_synthesis_rtf",
            "Synthesis real-time factor per stream: wall time / audio duration",
            m.synthesis_rtf.clone(),
        );
        registry.register(
            "tts_backend_errors",
            "Failed calls to the shared session/rate-limit backend (Redis), by operation and cause",
            m.backend_errors.clone(),
        );
        registry.register(
            "tts_backend_latency_seconds",
            "Duration of calls to the shared session/rate-limit backend (Redis), by operation",
            m.backend_latency.clone(),
        );
        registry.register(
            "tts_unrecorded_completions",
            "Streamed sessions whose completion Redis could not take yet: their audio is kept here and the record retried",
            m.unrecorded.clone(),
        );
        registry.register(
            "tts_late_records",
            "Completions retried after Redis failed at the stream's end, by how they were settled (recorded, expired, claimed_again, no_room)",
            m.late_records.clone(),
        );
        registry.register(
            "tts_api_time_to_first_audio_seconds",
            "From a door's request (or a context's first text) to its first audio handed to the client, by door",
            m.api_first_audio.clone(),
        );
        registry.register(
            "tts_api_streams",
            "Streams by door and outcome (completed, cancelled, refused, failed)",
            m.api_streams.clone(),
        );
        registry.register(
            "tts_contexts_open",
            "Text-in contexts open on realtime and protocol sockets",
            m.contexts_open.clone(),
        );
        registry.register(
            "tts_cancels",
            "Contexts cancelled by their client (barge-in)",
            m.cancels.clone(),
        );
        registry.register(
            "tts_cancel_latency_seconds",
            "From a cancel received to its acknowledgement written, after which no audio of the context follows",
            m.cancel_latency.clone(),
        );
        registry.register(
            "tts_stream_tasks",
            "Stream tasks running now (sessions, contexts, HTTP bodies being made)",
            m.stream_tasks.clone(),
        );
        registry.register(
            "tts_runtime_alive_tasks",
            "Tasks alive on the gateway's Tokio runtime now",
            m.runtime_tasks.clone(),
        );
        Self { registry, ..m }
    }

    /// The Prometheus text exposition of every series.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8192);
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }

    /// Creates every per-provider series at zero, so dashboards and the web UI see
    /// `failed 0` rather than a missing series until the first failure.
    pub fn preregister(&self, providers: &[&str]) {
        for &provider in providers {
            for status in ["created", "completed", "failed"] {
                let _ = self.sessions.get_or_create(&SessionLabels {
                    provider: provider.to_string(),
                    status,
                });
            }
            let labels = ProviderLabels {
                provider: provider.to_string(),
            };
            let _ = self.active_streams.get_or_create(&labels);
            let _ = self.provider_failures.get_or_create(&labels);
        }
        let realtime = ApiLabels {
            api: crate::pipeline::Api::Realtime.name(),
        };
        let _ = self.contexts_open.get_or_create(&realtime);
        let _ = self.cancels.get_or_create(&realtime);
        let _ = self
            .rate_limit_hits
            .get_or_create(&ScopeLabels { scope: "ip" });
    }

    pub fn session(&self, provider: &str, status: &'static str) {
        self.sessions
            .get_or_create(&SessionLabels {
                provider: provider.to_string(),
                status,
            })
            .inc();
    }

    pub fn provider_failure(&self, provider: &str) {
        self.provider_failures
            .get_or_create(&ProviderLabels {
                provider: provider.to_string(),
            })
            .inc();
    }

    pub fn dropped(&self, provider: &str, format: &'static str, reason: &'static str, frames: u64) {
        if frames > 0 {
            self.dropped_frames
                .get_or_create(&DropLabels {
                    provider: provider.to_string(),
                    format,
                    reason,
                })
                .inc_by(frames);
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
