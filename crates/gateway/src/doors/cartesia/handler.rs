//! `POST /tts/bytes` (the audio as the body, streamed) and `GET /voices` in Cartesia's
//! shape. `Cartesia-Version` (header, or `cartesia_version`
//! in the query) is accepted whatever its value: the gateway speaks one version.

use super::error::{self, CartesiaError, CODES};
use super::wire::{self, Generation, Settings};
use crate::doors::http;
use crate::guard;
use crate::pipeline::{resolve, Api, SpeechRequest, Wanted};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub async fn bytes(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, CartesiaError> {
    let since = Instant::now();
    let (client, hold) = guard::check(&state, peer, &headers, Api::Cartesia, &body)
        .await
        .map_err(|r| CODES.refusal(r))?;
    let generation: Generation =
        CODES.json_body(body, (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"))?;
    http::check_text(&state, &generation.transcript).map_err(|m| CODES.invalid(m))?;
    let mut request = request(&state, &generation.settings()?, false)?;
    request.cache.enabled = generation.cache.unwrap_or(true);
    guard::spend_text(&state, &client, &generation.transcript)
        .await
        .map_err(|r| CODES.refusal(r))?;
    let door = (Api::Cartesia, since, hold);
    http::raw_speech(
        &state,
        request,
        generation.transcript,
        door,
        &CODES,
        Vec::new(),
    )
    .await
}

/// Cartesia's cursor over a list: the items after `starting_after`, or before
/// `ending_before` (ids).
#[derive(Debug, Deserialize)]
pub struct Cursor {
    starting_after: Option<String>,
    ending_before: Option<String>,
}

/// `GET /voices`: this gateway's voices, as Cartesia lists them, in one page (the cursor
/// past the last voice gives an empty page, which ends the SDK's iteration).
pub async fn voices(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Cursor>, QueryRejection>,
) -> Result<Json<Value>, CartesiaError> {
    let Query(cursor) = query.map_err(|e| CODES.invalid(e.body_text()))?;
    let all = state.catalog.all();
    let position = |id: &Option<String>| id.as_ref().map(|id| all.iter().position(|v| &v.id == id));
    let page = match (
        position(&cursor.starting_after),
        position(&cursor.ending_before),
    ) {
        (Some(Some(i)), _) => &all[i + 1..],
        (_, Some(Some(i))) => &all[..i],
        (Some(None), _) | (_, Some(None)) => &all[..0],
        (None, None) => all,
    };
    let data: Vec<Value> = page
        .iter()
        .map(|v| {
            let language = v.language.split('-').next().unwrap_or(&v.language);
            json!({
                "id": v.id,
                "name": v.name,
                "description": format!("{} ({}, {} Hz)", v.name, v.provider, v.sample_rate_hz),
                "tagline": v.provider,
                "language": language,
                "locales": [],
                "access": "public",
                "visibility": "all",
                "is_owner": false,
                "created_at": "1970-01-01T00:00:00Z",
            })
        })
        .collect();
    Ok(Json(json!({"data": data, "has_more": false})))
}

/// The pipeline's request for a context's (or a REST call's) settings.
pub fn request(
    state: &AppState,
    s: &Settings,
    word_timestamps: bool,
) -> Result<SpeechRequest, CartesiaError> {
    let (format, bitrate_kbps) = wire::format(&s.output_format)?;
    resolve(
        state,
        Wanted {
            provider: None,
            voice: &s.voice,
            language: s.language.as_deref(),
            format,
            sample_rate_hz: s.output_format.sample_rate,
            bitrate_kbps,
            speed: s.speed,
            pitch: None,
            word_timestamps,
            reading: Default::default(),
        },
    )
    .map_err(error::unservable)
}
