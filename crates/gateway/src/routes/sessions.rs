//! `POST /v1/tts/sessions` (create) and `GET /v1/tts/sessions/{id}` (status).

use crate::client_ip::{client_ip, public_host, ws_scheme};
use crate::error::ApiError;
use crate::metrics::ScopeLabels;
use crate::sessions::{unix_now, Session, SessionRequest, Status};
use crate::state::AppState;
use crate::validation::{parse_create, CreateSession};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use tts_core::{canonicalize_language, language_matches};
use uuid::Uuid;

pub async fn create(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let trusted = &state.settings.trusted_proxies;
    rate_limit(&state, client_ip(peer, &headers, trusted)).await?;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
            "request body is larger than {} bytes (TTS_MAX_BODY_BYTES)",
            state.settings.max_body_bytes
        )),
        _ => ApiError::BadRequest(format!("could not read the request body: {e}")),
    })?;
    let req = parse_create(&body, state.settings.max_text_chars).map_err(ApiError::Validation)?;
    let request = check(&state, req)?;
    let provider = request.provider.clone();
    let session = Session {
        id: Uuid::new_v4(),
        request,
        status: Status::Pending,
        error: None,
        created_at: unix_now(),
    };
    let id = session.id;
    state
        .store
        .insert(session)
        .await
        .map_err(|e| ApiError::Unavailable(format!("cannot create a session now: {e}")))?;
    state.metrics.session(&provider, "created");
    let host = public_host(peer, &headers, trusted, state.local_addr);
    let scheme = ws_scheme(peer, &headers, trusted);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "session_id": id,
            "ws_url": format!("{scheme}://{host}/v1/tts/stream/{id}"),
        })),
    ))
}

async fn rate_limit(state: &AppState, ip: std::net::IpAddr) -> Result<(), ApiError> {
    let decision = state
        .limiter
        .check(ip)
        .await
        .map_err(|e| ApiError::Unavailable(format!("rate limiter unavailable: {e}")))?;
    if decision.allowed {
        return Ok(());
    }
    state
        .metrics
        .rate_limit_hits
        .get_or_create(&ScopeLabels { scope: "ip" })
        .inc();
    let retry = decision.retry_after.as_secs_f64().ceil() as u64;
    Err(ApiError::RateLimited {
        detail: format!(
            "rate limit exceeded: at most {} sessions per {} s from one client address; retry in {retry} s",
            decision.limit,
            state.limiter.window().as_secs()
        ),
        retry_after_secs: retry,
    })
}

/// The checks that need the running providers and codecs (400 when they fail).
fn check(state: &AppState, req: CreateSession) -> Result<SessionRequest, ApiError> {
    if state.provider(&req.provider).is_none() {
        return Err(ApiError::BadRequest(format!(
            "unknown provider {:?}; available providers: {}",
            req.provider,
            state.providers.ids().join(", ")
        )));
    }
    let voice = state
        .catalog
        .find(&req.provider, &req.voice)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "voice {:?} is not offered by provider {:?}; see GET /v1/voices?provider={}",
                req.voice, req.provider, req.provider
            ))
        })?;
    let language = match req.language {
        Some(lang) if !language_matches(&lang, &voice.language) => {
            return Err(ApiError::BadRequest(format!(
                "language {:?} does not match voice {:?}, which speaks {}",
                canonicalize_language(&lang),
                voice.id,
                voice.language
            )))
        }
        Some(lang) => Some(canonicalize_language(&lang)),
        None => None,
    };
    if req.text.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "text is empty after trimming whitespace".into(),
        ));
    }
    state
        .codecs
        .check(req.target_format, voice.sample_rate_hz, req.sample_rate_hz)
        .map_err(ApiError::BadRequest)?;
    let options = tts_audio::EncoderOptions {
        bitrate_kbps: req.bitrate_kbps,
        ..Default::default()
    };
    state
        .codecs
        .check_options(req.target_format, req.sample_rate_hz, options)
        .map_err(ApiError::BadRequest)?;
    Ok(SessionRequest {
        provider: req.provider,
        voice: req.voice,
        text: req.text,
        target_format: req.target_format.name().to_string(),
        sample_rate_hz: req.sample_rate_hz,
        native_rate_hz: voice.sample_rate_hz,
        language,
        bitrate_kbps: req.bitrate_kbps,
        speed: req.speed,
        pitch: req.pitch,
    })
}

/// The session's status, for clients that want to poll (the text is not echoed back).
pub async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let session = find(&state, &id).await?;
    let r = &session.request;
    Ok(Json(json!({
        "session_id": session.id,
        "status": session.status.as_str(),
        "error": session.error,
        "provider": r.provider,
        "voice": r.voice,
        "target_format": r.target_format,
        "sample_rate_hz": r.sample_rate_hz,
        "created_at": session.created_at,
    })))
}

/// Looks a session up; 404 for malformed, unknown or expired ids alike.
pub async fn find(state: &AppState, id: &str) -> Result<Session, ApiError> {
    let not_found = || ApiError::NotFound(format!("session {id} not found (unknown or expired)"));
    let uuid = Uuid::parse_str(id).map_err(|_| not_found())?;
    state
        .store
        .get(uuid)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .ok_or_else(not_found)
}
