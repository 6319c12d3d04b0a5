//! `POST /v1/tts/sessions` (create) and `GET /v1/tts/sessions/{id}` (status).

use crate::client_ip::{public_host, ws_scheme};
use crate::error::ApiError;
use crate::guard;
use crate::pipeline::speakable::prepare;
use crate::pipeline::{resolve, Api, Wanted};
use crate::sessions::{unix_now, Session, SessionRequest, Status};
use crate::state::AppState;
use crate::validation::{parse_create, CreateSession};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use uuid::Uuid;

pub async fn create(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let trusted = &state.settings.trusted_proxies;
    // The session's stream slot is taken when its socket opens, not now.
    let (client, _) = guard::check(&state, peer, &headers, Api::Session, &body)
        .await
        .map_err(ApiError::from)?;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
            "request body is larger than {} bytes (TTS_MAX_BODY_BYTES)",
            state.settings.max_body_bytes
        )),
        _ => ApiError::BadRequest(format!("could not read the request body: {e}")),
    })?;
    let req = parse_create(&body, state.settings.max_text_chars).map_err(ApiError::Validation)?;
    let request = check(&state, req)?;
    guard::spend_text(&state, &client, &request.text).await?;
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

/// The checks that need the running providers and codecs (400 when they fail).
fn check(state: &AppState, req: CreateSession) -> Result<SessionRequest, ApiError> {
    let speech = resolve(
        state,
        Wanted {
            provider: Some(&req.provider),
            voice: &req.voice,
            language: req.language.as_deref(),
            format: req.target_format,
            sample_rate_hz: req.sample_rate_hz,
            bitrate_kbps: req.bitrate_kbps,
            speed: req.speed,
            pitch: req.pitch,
            word_timestamps: req.word_timestamps,
            reading: req.reading,
        },
    )
    .map_err(|e| ApiError::BadRequest(e.message))?;
    if req.text.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "text is empty after trimming whitespace".into(),
        ));
    }
    // Malformed SSML or a bad lexicon entry is refused now, not mid-stream.
    prepare(state, &speech, &req.text).map_err(|e| ApiError::BadRequest(e.0))?;
    Ok(SessionRequest {
        provider: speech.provider,
        voice: speech.voice,
        text: req.text,
        target_format: speech.format.name().to_string(),
        sample_rate_hz: speech.sample_rate_hz,
        native_rate_hz: speech.native_rate_hz,
        language: speech.language,
        bitrate_kbps: speech.bitrate_kbps,
        speed: speech.speed,
        pitch: speech.pitch,
        word_timestamps: speech.word_timestamps,
        reading: speech.reading,
        cache: req.cache,
    })
}

/// The session's status, for clients that want to poll (the text is not echoed back).
pub async fn show(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id.map_err(ApiError::session_path)?;
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
