//! The Redis backend (`REDIS_URL`): sessions, their retained audio, the rate-limit counters
//! and the stream-once claim live in one Redis, so several gateways behind a load balancer
//! act as one service and sessions survive a restart.
//!
//! Key decision: every call goes through [`Redis::call`], which bounds it by
//! `REDIS_TIMEOUT_MS`, times it and counts its failures. A Redis that is down or slow thus
//! becomes a quick error (503 for clients), never a hang. The connection is made lazily and
//! remade by the client library's [`ConnectionManager`] after a failure, so the gateway
//! starts while Redis is down and recovers by itself when it returns.
//!
//! Keys (prefix `REDIS_KEY_PREFIX`, default `tts:`), all with a TTL:
//! - `{prefix}session:{id}`: hash `data` (the session as JSON), `status`, `error`,
//!   `claimant` (who holds the stream claim), `audio_rate`;
//! - `{prefix}audio:{id}`: string, the PCM (16-bit little-endian mono) at the rate in the
//!   session's `audio_rate` field;
//! - `{prefix}audio-index`, `{prefix}audio-bytes`: the retained audio, oldest first, and
//!   its total size, which `SESSION_AUDIO_BUDGET_MB` bounds across all gateways;
//! - `{prefix}rl:{window}:{client}`: the client's request count in a rate-limit window
//!   (a key's `sessions=` and `chars=` counts too, as client `key-sessions:{name}` and
//!   `key-chars:{name}`);
//! - `{prefix}streams:{name}`: sorted set, the leases of key `name`'s running streams
//!   (`streams=N`), scored by when each runs out.
//!
//! Pub/sub channel (not a key): `{prefix}streamed:{id}`, published to when session `id`
//! stops streaming (completed, failed or released), for `/file` requests waiting on it.

mod rate;
mod streams;

pub use rate::RedisRateCounter;
pub use streams::{RedisStreamLeases, StreamLease};

use crate::config::Settings;
use crate::metrics::{BackendErrorLabels, BackendLabels, Metrics};
use crate::rate_limit::RateCounter;
use crate::sessions::{RedisStore, SessionStore};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::IntoConnectionInfo;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BACKEND: &str = "redis";

/// A handle on the shared Redis: cheap to clone, every clone uses the same connection.
#[derive(Clone)]
pub struct Redis {
    conn: ConnectionManager,
    /// For pub/sub, which takes a connection of its own.
    client: redis::Client,
    timeout: Duration,
    prefix: Arc<str>,
    errors: Family<BackendErrorLabels, Counter>,
    latency: Family<BackendLabels, Histogram>,
    /// Whether the last call succeeded: outages are logged once when they start and once
    /// when they end, not once per request.
    healthy: Arc<AtomicBool>,
}

/// Why a Redis call failed, in words fit for a 503 (the underlying cause is logged).
#[derive(Clone, Debug, thiserror::Error)]
pub enum RedisError {
    #[error("Redis did not answer within {0} ms (REDIS_TIMEOUT_MS)")]
    Timeout(u128),
    #[error("Redis is unreachable")]
    Unreachable,
    #[error("Redis answered with an error")]
    Server,
}

impl RedisError {
    fn kind(&self) -> &'static str {
        match self {
            RedisError::Timeout(_) => "timeout",
            RedisError::Unreachable => "connection",
            RedisError::Server => "server",
        }
    }
}

/// The session store and rate counter of a gateway configured with `REDIS_URL`.
pub struct Backends {
    pub store: Arc<dyn SessionStore>,
    pub rate_counter: Arc<dyn RateCounter>,
    /// The handle both use, for the keys' stream leases.
    pub redis: Redis,
}

/// The Redis-backed store and counter when `REDIS_URL` is set; `None` otherwise. Makes
/// no connection: that happens in the background and on first use.
pub fn from_settings(settings: &Settings, metrics: &Metrics) -> std::io::Result<Option<Backends>> {
    let Some(url) = &settings.redis_url else {
        return Ok(None);
    };
    let redis = Redis::new(
        url,
        settings.redis_timeout,
        &settings.redis_key_prefix,
        metrics,
    )?;
    tracing::info!(prefix = %settings.redis_key_prefix, timeout = ?settings.redis_timeout,
        "sessions, audio and rate limits are kept in Redis");
    redis.warm_up();
    Ok(Some(Backends {
        store: Arc::new(RedisStore::new(redis.clone(), settings, metrics)),
        rate_counter: Arc::new(RedisRateCounter::new(redis.clone())),
        redis,
    }))
}

impl Redis {
    /// A lazily connecting handle; fails only on a URL this build cannot use. Must be
    /// called inside the Tokio runtime (the connection manager spawns a task).
    pub fn new(
        url: &str,
        timeout: Duration,
        prefix: &str,
        metrics: &Metrics,
    ) -> std::io::Result<Self> {
        // Nagle's algorithm would hold back a small command while an earlier one is
        // unacknowledged: with many sessions sharing one connection, that is most of them.
        let tcp = redis::io::tcp::TcpSettings::default().set_nodelay(true);
        let info = url
            .into_connection_info()
            .map_err(std::io::Error::other)?
            .set_tcp_settings(tcp);
        let client = redis::Client::open(info).map_err(std::io::Error::other)?;
        // Each attempt is bounded by the call timeout; few retries with short delays, so a
        // manager whose reconnection failed gives up quickly and the next call (a request or
        // the readiness probe) starts a fresh attempt: recovery follows Redis's return
        // within about one timeout plus one delay.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(250));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(std::io::Error::other)?;
        Ok(Self {
            conn,
            client,
            timeout,
            prefix: prefix.into(),
            errors: metrics.backend_errors.clone(),
            latency: metrics.backend_latency.clone(),
            healthy: Arc::new(AtomicBool::new(true)),
        })
    }

    /// The key `{prefix}{kind}:{id}`.
    pub fn key(&self, kind: &str, id: impl std::fmt::Display) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    /// The key `{prefix}{name}`.
    pub fn prefixed(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A clone of the connection for one call (the clones share one multiplexed socket).
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// A connection of its own, subscribed to `channel`, made within the call timeout.
    pub async fn subscribe(&self, channel: &str) -> Result<redis::aio::PubSub, RedisError> {
        let client = self.client.clone();
        self.call("subscribe", async move {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok(pubsub)
        })
        .await
    }

    /// Runs one Redis call under the timeout, recording its latency and any failure.
    pub async fn call<T>(
        &self,
        op: &'static str,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, RedisError> {
        let started = Instant::now();
        let result = tokio::time::timeout(self.timeout, call).await;
        let labels = BackendLabels {
            backend: BACKEND,
            op,
        };
        self.latency
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
        let (error, cause) = match result {
            Ok(Ok(value)) => {
                if !self.healthy.swap(true, Ordering::Relaxed) {
                    tracing::info!(op, "Redis answers again");
                }
                return Ok(value);
            }
            Err(_) => (RedisError::Timeout(self.timeout.as_millis()), None),
            Ok(Err(e)) if e.is_timeout() => {
                (RedisError::Timeout(self.timeout.as_millis()), Some(e))
            }
            Ok(Err(e)) if e.is_io_error() || e.is_connection_dropped() => {
                (RedisError::Unreachable, Some(e))
            }
            Ok(Err(e)) => (RedisError::Server, Some(e)),
        };
        self.errors
            .get_or_create(&BackendErrorLabels {
                backend: BACKEND,
                op,
                kind: error.kind(),
            })
            .inc();
        let cause = cause.map(|e| e.to_string()).unwrap_or_default();
        if self.healthy.swap(false, Ordering::Relaxed) {
            tracing::warn!(op, %error, %cause, "Redis call failed; sessions answer 503 and the phrase cache is bypassed until it recovers");
        } else {
            tracing::debug!(op, %error, %cause, "Redis call failed");
        }
        Err(error)
    }

    /// `PING`: whether Redis answers now (for `/readyz`).
    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut conn = self.conn();
        self.call("ping", async move {
            redis::cmd("PING").query_async::<()>(&mut conn).await
        })
        .await
    }

    /// Connects in the background, so the first request does not pay for it and an
    /// unreachable Redis is reported at start-up.
    fn warm_up(&self) {
        let redis = self.clone();
        tokio::spawn(async move {
            if redis.ping().await.is_ok() {
                tracing::info!("connected to Redis");
            }
        });
    }
}
