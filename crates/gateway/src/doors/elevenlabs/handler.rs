//! `POST /v1/text-to-speech/{voice_id}` and `…/stream` (both stream the audio as the
//! body), `GET /v1/voices` and `GET /v1/models` in ElevenLabs' shapes, and the sockets'
//! handshakes: the voice and `output_format` are checked before the upgrade.

use super::connection::ElevenLabs;
use super::error::{self, ElevenLabsError, CODES};
use super::wire::{self, SpeechBody, SpeechQuery, VoiceSettings};
use crate::doors::http;
use crate::doors::socket;
use crate::guard;
use crate::pipeline::{resolve, Api, SpeechRequest, Wanted};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, MatchedPath, Path, Query, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub async fn speech(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(voice_id): Path<String>,
    query: Result<Query<SpeechQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ElevenLabsError> {
    let since = Instant::now();
    guard::check(&state, peer, &headers, Api::ElevenLabs)
        .await
        .map_err(|r| CODES.refusal(r))?;
    let query = query_of(query)?;
    let body: SpeechBody =
        CODES.json_body(body, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"))?;
    http::check_text(&state, &body.text).map_err(|m| CODES.invalid(m))?;
    let language = body
        .language_code
        .as_deref()
        .or(query.language_code.as_deref());
    let request = request(
        &state,
        &voice_id,
        query.output_format.as_deref(),
        language,
        body.voice_settings.as_ref(),
        false,
    )?;
    let headers = vec![
        (
            HeaderName::from_static("request-id"),
            uuid::Uuid::new_v4().to_string(),
        ),
        (
            HeaderName::from_static("x-character-count"),
            body.text.chars().count().to_string(),
        ),
        (
            HeaderName::from_static("x-model-id"),
            body.model_id.unwrap_or_default(),
        ),
    ];
    let door = (Api::ElevenLabs, since);
    http::raw_speech(&state, request, body.text, door, &CODES, headers).await
}

/// `GET /v1/voices`: this gateway's voices, as ElevenLabs lists voices.
pub async fn voices(State(state): State<Arc<AppState>>) -> Json<Value> {
    let voices: Vec<Value> = state
        .catalog
        .all()
        .iter()
        .map(|v| {
            json!({
                "voice_id": v.id,
                "name": v.name,
                "category": "premade",
                "labels": {"language": v.language, "engine": v.provider},
                "description": format!("{} ({}, {} Hz)", v.name, v.provider, v.sample_rate_hz),
                "verified_languages": [{"language": v.language, "model_id": v.provider}],
            })
        })
        .collect();
    Json(json!({"voices": voices}))
}

/// `GET /v1/models`: this gateway's engines. Any `model_id` is accepted; the engine
/// follows the voice.
pub async fn models(State(state): State<Arc<AppState>>) -> Json<Value> {
    let models: Vec<Value> = state
        .providers
        .ids()
        .into_iter()
        .map(|id| {
            json!({
                "model_id": id,
                "name": id,
                "can_do_text_to_speech": true,
                "can_use_speaker_boost": false,
            })
        })
        .collect();
    Json(Value::Array(models))
}

/// `GET /v1/text-to-speech/{voice_id}/stream-input` (one context) and
/// `…/multi-stream-input` (contexts).
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    path: MatchedPath,
    headers: HeaderMap,
    Path(voice_id): Path<String>,
    query: Result<Query<SpeechQuery>, QueryRejection>,
) -> Response {
    let multi = path.as_str().ends_with("/multi-stream-input");
    let client = guard::identify(&state, peer, &headers, Api::ElevenLabs);
    let checked = query_of(query).and_then(|q| {
        request(
            &state,
            &voice_id,
            q.output_format.as_deref(),
            q.language_code.as_deref(),
            None,
            true,
        )
    });
    match checked {
        Ok(request) => socket::upgrade(ws, state, client, ElevenLabs::new(request, multi)),
        Err(e) => e.into_response(),
    }
}

fn query_of(
    query: Result<Query<SpeechQuery>, QueryRejection>,
) -> Result<SpeechQuery, ElevenLabsError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| CODES.invalid(e.body_text()))
}

/// Checks `speed` of `voice_settings`: 0.25 to 4.0.
pub fn speed(settings: Option<&VoiceSettings>) -> Result<Option<f32>, String> {
    match settings.and_then(|s| s.speed) {
        Some(s) if !(0.25..=4.0).contains(&s) => Err(format!(
            "voice_settings.speed must be between 0.25 and 4.0 (got {s})"
        )),
        speed => Ok(speed),
    }
}

fn request(
    state: &AppState,
    voice: &str,
    output_format: Option<&str>,
    language: Option<&str>,
    settings: Option<&VoiceSettings>,
    word_timestamps: bool,
) -> Result<SpeechRequest, ElevenLabsError> {
    let out = wire::output(output_format)?;
    let speed = speed(settings).map_err(|m| CODES.invalid(m))?;
    resolve(
        state,
        Wanted {
            provider: None,
            voice,
            language,
            format: out.format,
            sample_rate_hz: out.sample_rate,
            bitrate_kbps: out.bitrate_kbps,
            speed,
            pitch: None,
            word_timestamps,
            reading: Default::default(),
        },
    )
    .map_err(error::unservable)
}
