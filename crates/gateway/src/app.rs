//! [`Application`]: binds the listener, builds the state and router, and serves until
//! told to stop, then lets running streams finish up to a deadline.

use crate::admission::Admission;
use crate::breaker::CircuitBreaker;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::rate_limit::{MemoryRateCounter, RateCounter, RateLimiter};
use crate::routes;
use crate::scheduler::Scheduler;
use crate::sessions::{MemoryStore, SessionStore};
use crate::state::{AppState, Catalog};
use axum::serve::ListenerExt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tts_audio::Codecs;
use tts_providers::Registry;

/// Parts a caller may bring instead of the defaults built from [`Settings`]: tests use
/// this to inject provider doubles; the Redis backend supplies its store and counter.
#[derive(Default)]
pub struct Components {
    pub providers: Option<Registry>,
    pub store: Option<Arc<dyn SessionStore>>,
    pub rate_counter: Option<Arc<dyn RateCounter>>,
}

pub struct Application {
    listener: TcpListener,
    /// The Wyoming protocol's listener, when `WYOMING_PORT` is set.
    wyoming: Option<TcpListener>,
    /// `/metrics` alone, when `METRICS_ADDR` moves it off the public port.
    metrics: Option<TcpListener>,
    router: axum::Router,
    state: Arc<AppState>,
}

impl Application {
    /// Builds everything from settings (engines start here, off the async runtime).
    pub async fn build(settings: Settings) -> std::io::Result<Self> {
        Self::build_with(settings, Components::default()).await
    }

    pub async fn build_with(settings: Settings, parts: Components) -> std::io::Result<Self> {
        let listener = bind(&settings, settings.port).await?;
        let local_addr = listener.local_addr()?;
        let wyoming = match settings.wyoming_port {
            Some(port) => Some(bind(&settings, port).await?),
            None => None,
        };
        let metrics_listener = match &settings.auth.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr.as_str())
                    .await
                    .map_err(|e| std::io::Error::other(format!("METRICS_ADDR {addr:?}: {e}")))?,
            ),
            None => None,
        };
        let providers = match parts.providers {
            Some(p) => p,
            None => {
                let config = settings.providers.clone();
                tokio::task::spawn_blocking(move || Registry::build(&config))
                    .await
                    .map_err(std::io::Error::other)?
            }
        };
        let codecs = Codecs::detect();
        let catalog = Catalog::build(&providers, &codecs);
        let metrics = Metrics::new();
        metrics.preregister(&providers.ids());
        let redis = crate::redis_backend::from_settings(&settings, &metrics)?;
        let cache = crate::cache::build(&settings, &metrics, &providers)?;
        let (redis_store, redis_counter, redis) = match redis {
            Some(b) => (Some(b.store), Some(b.rate_counter), Some(b.redis)),
            None => (None, None, None),
        };
        // The keys' counts go where the address counts go: to Redis when it is configured
        // (or a counter the caller brings), so they are global.
        let redis_auth_counter = parts.rate_counter.clone().or(redis_counter.clone());
        let store = parts.store.or(redis_store).unwrap_or_else(|| {
            Arc::new(MemoryStore::new(
                settings.session_ttl,
                settings.max_sessions,
                settings.audio_budget_bytes,
            ))
        });
        let counter = parts
            .rate_counter
            .or(redis_counter)
            .unwrap_or_else(|| Arc::new(MemoryRateCounter::new(settings.rate_limit_max_clients)));
        let breakers = providers
            .ids()
            .into_iter()
            .map(|id| {
                let b = CircuitBreaker::new(settings.breaker_failures, settings.breaker_cooldown);
                (id.to_string(), b)
            })
            .collect();
        let schedulers = providers
            .ids()
            .into_iter()
            .filter_map(|id| {
                let pool = providers.get(id)?.concurrency()?;
                tracing::info!(provider = id, pool, "inference turns scheduled by deadline");
                Some((id.to_string(), Scheduler::new(pool)))
            })
            .collect();
        let lexicon = match &settings.lexicon_file {
            None => None,
            Some(path) => Some(tts_normalize::LexiconFile::open(path).map_err(|e| {
                std::io::Error::other(format!("LEXICON_FILE {}: {e}", path.display()))
            })?),
        };
        let auth = build_auth(&settings, redis_auth_counter, redis)?;
        let state = Arc::new(AppState {
            auth,
            lexicon,
            cache,
            limiter: RateLimiter::new(
                counter,
                settings.rate_limit_max_requests,
                settings.rate_limit_window,
            ),
            admission: Admission::new(settings.workers, settings.queue_max),
            catalog,
            codecs,
            store,
            breakers,
            schedulers,
            providers,
            metrics,
            streams: TaskTracker::new(),
            shutdown_deadline: CancellationToken::new(),
            local_addr,
            settings,
        });
        let router = routes::router(Arc::clone(&state));
        Ok(Self {
            listener,
            wyoming,
            metrics: metrics_listener,
            router,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.state.local_addr.port()
    }

    /// The Wyoming port, when it is on.
    pub fn wyoming_port(&self) -> Option<u16> {
        let addr = self.wyoming.as_ref()?.local_addr().ok()?;
        Some(addr.port())
    }

    /// The address of the `/metrics` listener, when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref()?.local_addr().ok()
    }

    pub fn state(&self) -> Arc<AppState> {
        Arc::clone(&self.state)
    }

    /// Serves until `shutdown` resolves; then stops accepting, lets running streams finish
    /// for up to `SHUTDOWN_GRACE_SECONDS`, and ends those still running.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state;
        let sweeper = tokio::spawn(sweep_sessions(Arc::clone(&state)));
        // One shutdown for both doors: HTTP stops accepting, and so does Wyoming; their
        // running streams share the grace period below.
        let stop = CancellationToken::new();
        let wyoming = self.wyoming.map(|listener| {
            tokio::spawn(crate::doors::wyoming::serve(
                Arc::clone(&state),
                listener,
                stop.clone(),
            ))
        });
        let metrics = self.metrics.map(|listener| {
            let router = routes::metrics_only(Arc::clone(&state));
            let stop = stop.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, router)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "metrics listener failed");
                }
            })
        });
        let stopping = stop.clone();
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // Realtime frames are small and latency-bound (a `cancelled` must not wait for
        // the client's delayed ACK): no Nagle on any connection.
        let http = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let served = axum::serve(http, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                stopping.cancel();
            })
            .await;
        stop.cancel();
        if let Some(w) = wyoming {
            let _ = w.await;
        }
        if let Some(m) = metrics {
            let _ = m.await;
        }
        served?;
        sweeper.abort();
        state.streams.close();
        let grace = state.settings.shutdown_grace;
        tracing::info!(
            streams = state.streams.len(),
            ?grace,
            "shutting down; waiting for streams"
        );
        if tokio::time::timeout(grace, state.streams.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                streams = state.streams.len(),
                "grace period over; ending streams"
            );
            state.shutdown_deadline.cancel();
            let _ = tokio::time::timeout(Duration::from_secs(2), state.streams.wait()).await;
        }
        Ok(())
    }
}

/// The keys, when `API_KEYS_FILE` is set; a malformed file stops the start with the
/// line it found wrong. With `redis`, the keys' running streams are leases in it.
fn build_auth(
    settings: &Settings,
    shared: Option<Arc<dyn RateCounter>>,
    redis: Option<crate::redis_backend::Redis>,
) -> std::io::Result<Option<crate::auth::Auth>> {
    let Some(path) = &settings.auth.keys_file else {
        return Ok(None);
    };
    let keys = crate::auth::KeysFile::open(path)
        .map_err(|e| std::io::Error::other(format!("API_KEYS_FILE {e}")))?
        .with_check_interval(settings.auth.keys_check_interval);
    if let Some(name) = &settings.auth.ui_key {
        if keys.current().named(name).is_none() {
            return Err(std::io::Error::other(format!(
                "UI_KEY {name:?} is not a key name in {}",
                path.display()
            )));
        }
    }
    if settings.wyoming_port.is_some() && !settings.auth.wyoming_allow_anonymous {
        return Err(std::io::Error::other(
            "WYOMING_PORT with API_KEYS_FILE: the Wyoming protocol carries no credentials, so \
             its port would be open to anyone who reaches it; keep it on a private address \
             and set WYOMING_ALLOW_ANONYMOUS=true to serve it anyway",
        ));
    }
    let counter = |max| -> Arc<dyn RateCounter> {
        match &shared {
            Some(c) => Arc::clone(c),
            None => Arc::new(MemoryRateCounter::new(max)),
        }
    };
    let tracked = settings.rate_limit_max_clients;
    let streams = match redis {
        Some(redis) => crate::auth::StreamCounts::shared(
            crate::redis_backend::RedisStreamLeases::new(redis, settings.redis_claim_lease),
        ),
        None => crate::auth::StreamCounts::default(),
    };
    Ok(Some(crate::auth::Auth::new(
        keys,
        settings.auth.token_signer.clone(),
        (counter(tracked), counter(tracked)),
        streams,
    )))
}

/// Binds the listener. Its send-buffer size is inherited by every accepted connection
/// (setting it turns off the kernel's autotuning, which is the point).
async fn bind(settings: &Settings, port: u16) -> std::io::Result<TcpListener> {
    let addr = tokio::net::lookup_host((settings.host.as_str(), port))
        .await?
        .next()
        .ok_or_else(|| {
            std::io::Error::other(format!("HOST {:?} resolves to no address", settings.host))
        })?;
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    if settings.socket_send_buffer > 0 {
        socket
            .set_send_buffer_size(u32::try_from(settings.socket_send_buffer).unwrap_or(u32::MAX))?;
    }
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn sweep_sessions(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(15));
    loop {
        tick.tick().await;
        state.store.sweep();
    }
}
