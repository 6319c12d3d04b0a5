//! The checks every door makes before it spends anything on a request: who the client
//! is, and the per-address rate limit. Doors call [`check`] and answer a [`Refusal`] in
//! their own error shape, so these rules live once.
//!
//! Authentication is the hook here: today every client is accepted (API keys are not
//! built yet); when they are, [`check`] is the one place that reads `Authorization` and
//! each protocol's own key header.

use crate::client_ip::client_ip;
use crate::metrics::ScopeLabels;
use crate::pipeline::Api;
use crate::state::AppState;
use axum::http::{HeaderMap, StatusCode};
use std::net::{IpAddr, SocketAddr};

/// Why a request was refused before any work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{detail}")]
    RateLimited {
        detail: String,
        retry_after_secs: u64,
    },
    /// The limiter's backend (Redis) did not answer.
    #[error("rate limiter unavailable: {0}")]
    Unavailable(String),
}

impl Refusal {
    /// The HTTP status a door answers: 429, or 503 when the limiter is down.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `Retry-After` of a rate-limited request.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Refusal::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Refusal::Unavailable(_) => None,
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
}

/// Identifies the client of a request through `door` (the authentication hook).
pub fn identify(state: &AppState, peer: SocketAddr, headers: &HeaderMap, _door: Api) -> Client {
    Client {
        ip: client_ip(peer, headers, &state.settings.trusted_proxies),
    }
}

/// Counts one new stream (a session, a speech request, a realtime context) against the
/// client's rate limit.
pub async fn rate_limit(state: &AppState, client: Client) -> Result<(), Refusal> {
    let decision = state
        .limiter
        .check(client.ip)
        .await
        .map_err(|e| Refusal::Unavailable(e.to_string()))?;
    if decision.allowed {
        return Ok(());
    }
    state
        .metrics
        .rate_limit_hits
        .get_or_create(&ScopeLabels { scope: "ip" })
        .inc();
    let retry = decision.retry_after.as_secs_f64().ceil() as u64;
    Err(Refusal::RateLimited {
        detail: format!(
            "rate limit exceeded: at most {} sessions per {} s from one client address (sessions, speech requests and realtime contexts count alike); retry in {retry} s",
            decision.limit,
            state.limiter.window().as_secs()
        ),
        retry_after_secs: retry,
    })
}

/// [`identify`], then [`rate_limit`].
pub async fn check(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    door: Api,
) -> Result<Client, Refusal> {
    let client = identify(state, peer, headers, door);
    rate_limit(state, client).await?;
    Ok(client)
}
