//! `POST /v1/auth/tokens` (with an API key): a short-lived token for a browser, and
//! `POST /v1/auth/ui-token` (no key; `UI_KEY` set): the same, of the UI's key, for pages
//! of this gateway's own origin only.

use crate::auth::{unix_now, Claims};
use crate::client_ip::{public_host, ws_scheme};
use crate::error::ApiError;
use crate::guard;
use crate::pipeline::Api;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// A token's life unless the request asks for less.
const DEFAULT_TTL_SECS: u64 = 120;
/// The doors the web UI uses.
const UI_DOORS: [Api; 3] = [Api::Session, Api::File, Api::Realtime];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    ttl_seconds: Option<u64>,
    doors: Option<Vec<String>>,
}

pub async fn mint(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let auth = state.auth.as_ref().ok_or_else(keys_off)?;
    let signer = auth.signer().ok_or_else(no_secret)?;
    let principal = auth
        .authenticate(&headers, None, Api::Session)
        .map_err(|e| ApiError::from(guard::refuse(&state, &e)))?;
    if principal.via_token {
        return Err(ApiError::Forbidden(
            "a token cannot mint tokens; ask with an API key".into(),
        ));
    }
    let req: TokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TokenRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("invalid body: {e}")))?
    };
    let ttl = req.ttl_seconds.unwrap_or(DEFAULT_TTL_SECS);
    if !(1..=crate::auth::token::MAX_TTL_SECS).contains(&ttl) {
        return Err(ApiError::BadRequest(format!(
            "ttl_seconds must be between 1 and {} (got {ttl})",
            crate::auth::token::MAX_TTL_SECS
        )));
    }
    let doors = match req.doors {
        None => Api::ALL
            .iter()
            .filter(|d| **d != Api::Wyoming)
            .map(|d| d.name().to_string())
            .collect(),
        Some(names) => {
            let known = |n: &str| Api::ALL.iter().any(|d| d.name() == n && *d != Api::Wyoming);
            if let Some(bad) = names.iter().find(|n| !known(n)) {
                return Err(ApiError::BadRequest(format!(
                    "doors: unknown door {bad:?}; expected some of session, file, openai, realtime, deepgram, elevenlabs, cartesia"
                )));
            }
            names
        }
    };
    Ok(Json(issue(
        signer,
        Claims {
            key: principal.key.name.clone(),
            exp: unix_now() + ttl,
            doors,
        },
    )))
}

/// The UI's token: only with `UI_KEY`, and only for a request whose `Origin` is this
/// gateway's own (or one of `CORS_ORIGINS`), so another website's page cannot mint one
/// with its visitors' browsers.
pub async fn ui_token(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let auth = state.auth.as_ref().ok_or_else(keys_off)?;
    let Some(name) = &state.settings.auth.ui_key else {
        return Err(ApiError::Forbidden(
            "the web UI gets no token here (UI_KEY is not set): paste an API key".into(),
        ));
    };
    let signer = auth.signer().ok_or_else(no_secret)?;
    let trusted = &state.settings.trusted_proxies;
    let scheme = match ws_scheme(peer, &headers, trusted) {
        "wss" => "https",
        _ => "http",
    };
    let own = format!(
        "{scheme}://{}",
        public_host(peer, &headers, trusted, state.local_addr)
    );
    let origin = headers.get("origin").and_then(|v| v.to_str().ok());
    let allowed = origin.is_some_and(|o| {
        o == own
            || state
                .settings
                .cors_origins
                .iter()
                .any(|c| c != "*" && c == o)
    });
    // Browsers also say where a request comes from; a page of another site is refused
    // even if it could forge nothing else.
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross = fetch_site == Some("cross-site") && origin != Some(own.as_str());
    if !allowed || cross {
        return Err(ApiError::Forbidden(format!(
            "UI tokens are given to pages of this gateway ({own}) only; origin {} is not one",
            origin.unwrap_or("(none)")
        )));
    }
    let key = auth.keys().named(name).ok_or_else(|| {
        ApiError::Unauthorized(format!(
            "the UI's key {name:?} (UI_KEY) is not in the keys file any more"
        ))
    })?;
    let claims = Claims {
        key: key.name.clone(),
        exp: unix_now() + DEFAULT_TTL_SECS,
        doors: UI_DOORS.iter().map(|d| d.name().to_string()).collect(),
    };
    Ok(Json(issue(signer, claims)))
}

fn issue(signer: &crate::auth::Signer, claims: Claims) -> Value {
    let token = signer.sign(&claims);
    json!({
        "token": token,
        "key": claims.key,
        "expires_at": claims.exp,
        "expires_in": claims.exp.saturating_sub(unix_now()),
        "doors": claims.doors,
    })
}

fn keys_off() -> ApiError {
    ApiError::NotFound(
        "API keys are off on this gateway (API_KEYS_FILE is not set): no token is needed".into(),
    )
}

fn no_secret() -> ApiError {
    ApiError::Unavailable("tokens are off: the operator has not set AUTH_TOKEN_SECRET".into())
}
