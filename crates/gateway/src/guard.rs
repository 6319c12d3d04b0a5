//! The checks every door makes before it spends anything on a request: who the client
//! is (its address, and with `API_KEYS_FILE` its key), the per-address rate limit, and
//! the key's own limits. Doors call [`check`] (or [`identify`] and [`rate_limit`]) and
//! answer a [`Refusal`] in their own error shape, so these rules live once.
//!
//! Reading credentials and checking tokens is `crate::auth`'s; this module turns its
//! answers into refusals, counts them, and keeps each key's counts.

use crate::auth::{AuthError, Key, Slot};
use crate::client_ip::client_ip;
use crate::metrics::{AuthLabels, ScopeLabels};
use crate::pipeline::Api;
use crate::rate_limit::spend;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The period of the `chars=N` limit: a UTC day.
const DAY: Duration = Duration::from_secs(86_400);

/// Why a request was refused before any work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 401: no credential, or one that is not (or no longer) good.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a good token, for another door.
    #[error("{0}")]
    Forbidden(String),
    /// 429: a rate limit or one of the key's limits; the detail names which.
    #[error("{detail}")]
    RateLimited {
        detail: String,
        retry_after_secs: u64,
    },
    /// The limiter's backend (Redis) did not answer.
    #[error("rate limiter unavailable: {0}")]
    Unavailable(String),
    /// 413: the body is over `TTS_MAX_BODY_BYTES`; the detail names the limit.
    #[error("{0}")]
    TooLarge(String),
}

impl Refusal {
    /// The HTTP status a door answers: 401, 403, 413, 429, or 503 when the limiter is down.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
            Refusal::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// The `Retry-After` of a rate-limited request.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Refusal::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The close of a WebSocket refused at its start: 1008 (policy) with the status and
    /// the reason, cut to the 123 bytes a close frame can carry.
    pub fn close_reason(&self) -> (u16, String) {
        let mut reason = format!("{}: {self}", self.status().as_u16());
        if reason.len() > 123 {
            let mut end = 120;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
            reason.push('…');
        }
        (1008, reason)
    }
}

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: IpAddr,
    /// The key the request came with (directly or through a token); `None` when keys
    /// are off (and on Wyoming, which has no credentials).
    pub key: Option<Arc<Key>>,
}

/// A client known by its address alone: Wyoming's, whose protocol has no credentials
/// (with keys on, its port starts only with `WYOMING_ALLOW_ANONYMOUS`).
pub fn anonymous(state: &AppState, peer: SocketAddr) -> Client {
    Client {
        ip: client_ip(peer, &HeaderMap::new(), &state.settings.trusted_proxies),
        key: None,
    }
}

/// Identifies the client of an HTTP request through `door`: with keys on, its key from
/// the headers (`Authorization`, `xi-api-key`, `X-API-Key`).
pub fn identify(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    door: Api,
) -> Result<Client, Refusal> {
    identify_socket(state, peer, headers, None, door)
}

/// [`identify`] for a WebSocket handshake: the key or token may also come in the
/// query (`token=…`), since browsers cannot set headers on a WebSocket.
pub fn identify_socket(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    query: Option<&str>,
    door: Api,
) -> Result<Client, Refusal> {
    let ip = client_ip(peer, headers, &state.settings.trusted_proxies);
    let Some(auth) = &state.auth else {
        return Ok(Client { ip, key: None });
    };
    match auth.authenticate(headers, query, door) {
        Ok(principal) => Ok(Client {
            ip,
            key: Some(principal.key),
        }),
        Err(e) => Err(refuse(state, &e)),
    }
}

/// [`identify_socket`] for a door whose protocol may carry the credential in the
/// socket's first message instead (ElevenLabs' `xi_api_key`). With keys on and no
/// credential in the handshake at all, the socket is accepted provisionally: the client
/// is known by its address only, and `true` says its credential is still due; the door
/// passes the first message's credential to [`identify_message`] before it does anything
/// else.
pub fn identify_socket_or_later(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    query: Option<&str>,
    door: Api,
) -> Result<(Client, bool), Refusal> {
    if state.auth.is_some() && crate::auth::credential(headers, query).is_none() {
        let ip = client_ip(peer, headers, &state.settings.trusted_proxies);
        return Ok((Client { ip, key: None }, true));
    }
    identify_socket(state, peer, headers, query, door).map(|client| (client, false))
}

/// The client at `ip` of a provisionally accepted socket ([`identify_socket_or_later`]),
/// from the credential its first message carried (`None`: it carried none).
pub fn identify_message(
    state: &AppState,
    ip: IpAddr,
    credential: Option<&str>,
    door: Api,
) -> Result<Client, Refusal> {
    let Some(auth) = &state.auth else {
        return Ok(Client { ip, key: None });
    };
    let verified = match credential {
        Some(presented) => auth.verify(presented, door),
        None => Err(AuthError::Missing),
    };
    match verified {
        Ok(principal) => Ok(Client {
            ip,
            key: Some(principal.key),
        }),
        Err(e) => Err(refuse(state, &e)),
    }
}

/// Counts an authentication refusal and turns it into a [`Refusal`].
pub fn refuse(state: &AppState, e: &AuthError) -> Refusal {
    state
        .metrics
        .auth_refusals
        .get_or_create(&AuthLabels { reason: e.reason() })
        .inc();
    if e.forbidden() {
        Refusal::Forbidden(e.to_string())
    } else {
        Refusal::Unauthorized(e.to_string())
    }
}

/// Admits one new stream (a session, a speech request, a realtime context): a slot of
/// the key's `streams` limit, then the client address's rate limit, then the key's
/// `sessions` limit. The slot is given back when it is dropped: keep it as long as the
/// stream runs (`Job::hold`).
pub async fn rate_limit(state: &AppState, client: &Client) -> Result<Slot, Refusal> {
    let slot = stream_slot(state, client).await?;
    let decision = state
        .limiter
        .check(client.ip)
        .await
        .map_err(|e| Refusal::Unavailable(e.to_string()))?;
    if !decision.allowed {
        let retry = hit(state, "ip", decision.retry_after);
        return Err(Refusal::RateLimited {
            detail: format!(
                "rate limit exceeded: at most {} sessions per {} s from one client address (sessions, speech requests and realtime contexts count alike); retry in {retry} s",
                decision.limit,
                state.limiter.window().as_secs()
            ),
            retry_after_secs: retry,
        });
    }
    if let (Some(auth), Some(key)) = (&state.auth, &client.key) {
        if let Some(limit) = key.limits.sessions {
            let window = state.limiter.window();
            let bucket = format!("key-sessions:{}", key.name);
            let decision = spend(auth.sessions.as_ref(), &bucket, 1, limit, window)
                .await
                .map_err(Refusal::Unavailable)?;
            if !decision.allowed {
                let retry = hit(state, "key_sessions", decision.retry_after);
                return Err(Refusal::RateLimited {
                    detail: format!(
                        "key {:?} limit reached: sessions={limit} streams started per {} s (sessions, speech requests and realtime contexts count alike); retry in {retry} s",
                        key.name,
                        window.as_secs()
                    ),
                    retry_after_secs: retry,
                });
            }
        }
    }
    Ok(slot)
}

/// A slot of the key's `streams` limit alone, for a stream whose start was counted
/// already (a session's socket, `/file`). With Redis unreachable the stream is refused
/// (503), as the key's other limits are.
pub async fn stream_slot(state: &AppState, client: &Client) -> Result<Slot, Refusal> {
    let (Some(auth), Some(key)) = (&state.auth, &client.key) else {
        return Ok(Slot::none());
    };
    let Some(limit) = key.limits.streams else {
        return Ok(Slot::none());
    };
    let slot = auth
        .streams
        .acquire(&key.name, limit)
        .await
        .map_err(Refusal::Unavailable)?;
    slot.ok_or_else(|| {
        hit(state, "key_streams", Duration::ZERO);
        Refusal::RateLimited {
            detail: format!(
                "key {:?} limit reached: streams={limit} running at once; retry when one ends",
                key.name
            ),
            retry_after_secs: 1,
        }
    })
}

/// Counts `text` against the key's `chars` limit (characters per UTC day). Text that
/// is refused is not counted.
pub async fn spend_text(state: &AppState, client: &Client, text: &str) -> Result<(), Refusal> {
    let (Some(auth), Some(key)) = (&state.auth, &client.key) else {
        return Ok(());
    };
    let Some(limit) = key.limits.chars_per_day else {
        return Ok(());
    };
    let chars = text.chars().count() as u64;
    let bucket = format!("key-chars:{}", key.name);
    let decision = spend(auth.chars.as_ref(), &bucket, chars, limit, DAY)
        .await
        .map_err(Refusal::Unavailable)?;
    if decision.allowed {
        return Ok(());
    }
    let retry = hit(state, "key_chars", decision.retry_after);
    let used = decision.count.saturating_sub(chars);
    Err(Refusal::RateLimited {
        detail: format!(
            "key {:?} limit reached: chars={limit} characters per day ({used} used, this text has {chars}); the count starts again at 00:00 UTC, in {retry} s",
            key.name
        ),
        retry_after_secs: retry,
    })
}

/// Counts a limit hit under `scope`; returns the whole seconds to wait.
fn hit(state: &AppState, scope: &'static str, retry_after: Duration) -> u64 {
    state
        .metrics
        .rate_limit_hits
        .get_or_create(&ScopeLabels { scope })
        .inc();
    (retry_after.as_secs_f64().ceil() as u64).max(1)
}

/// [`identify`], then [`rate_limit`]: what an HTTP request that starts a stream passes.
///
/// A body over `TTS_MAX_BODY_BYTES` is refused first, before the rate limit asks Redis:
/// it is 413 whether Redis answers or not. Other body errors are the door's to answer.
pub async fn check(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    door: Api,
    body: &Result<Bytes, BytesRejection>,
) -> Result<(Client, Slot), Refusal> {
    if matches!(body, Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE) {
        return Err(Refusal::TooLarge(format!(
            "request body is larger than {} bytes (TTS_MAX_BODY_BYTES)",
            state.settings.max_body_bytes
        )));
    }
    let client = identify(state, peer, headers, door)?;
    let slot = rate_limit(state, &client).await?;
    Ok((client, slot))
}
