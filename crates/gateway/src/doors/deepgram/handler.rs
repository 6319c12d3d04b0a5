//! `POST /v1/speak` (the audio as the body, streamed) and the socket's handshake: the
//! query is checked before the upgrade, so a bad one is an HTTP error in Deepgram's
//! shape, as Deepgram does.

use super::connection::Deepgram;
use super::error::{self, DeepgramError, CODES};
use super::wire::{self, Output, SpeakBody, SpeakQuery};
use crate::doors::http;
use crate::doors::socket;
use crate::guard;
use crate::pipeline::{resolve, Api, SpeechRequest, Wanted};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub async fn speak(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SpeakQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, DeepgramError> {
    let since = Instant::now();
    let (client, hold) = guard::check(&state, peer, &headers, Api::Deepgram, &body)
        .await
        .map_err(|r| CODES.refusal(r))?;
    let out = wire::output(&query_of(query)?, false)?;
    let body: SpeakBody =
        CODES.json_body(body, (StatusCode::BAD_REQUEST, "INVALID_REQUEST_BODY"))?;
    http::check_text(&state, &body.text).map_err(error::invalid_body)?;
    let request = request(&state, &out)?;
    guard::spend_text(&state, &client, &body.text)
        .await
        .map_err(|r| CODES.refusal(r))?;
    let headers = vec![
        (HeaderName::from_static("dg-model-name"), out.voice.clone()),
        (
            HeaderName::from_static("dg-request-id"),
            uuid::Uuid::new_v4().to_string(),
        ),
        (
            HeaderName::from_static("dg-char-count"),
            body.text.chars().count().to_string(),
        ),
    ];
    let door = (Api::Deepgram, since, hold);
    http::raw_speech(&state, request, body.text, door, &CODES, headers).await
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SpeakQuery>, QueryRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let client = match guard::identify_socket(&state, peer, &headers, raw.as_deref(), Api::Deepgram)
    {
        Ok(client) => client,
        Err(refusal) => return socket::refuse(ws, refusal),
    };
    let checked = query_of(query)
        .and_then(|q| wire::output(&q, true))
        .and_then(|out| Ok((request(&state, &out)?, out.voice)));
    match checked {
        Ok((request, model)) => socket::upgrade(ws, state, client, Deepgram::new(request, model)),
        Err(e) => e.into_response(),
    }
}

fn query_of(query: Result<Query<SpeakQuery>, QueryRejection>) -> Result<SpeakQuery, DeepgramError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| CODES.invalid(e.body_text()))
}

fn request(state: &AppState, out: &Output) -> Result<SpeechRequest, DeepgramError> {
    let mut request = resolve(
        state,
        Wanted {
            provider: None,
            voice: &out.voice,
            language: None,
            format: out.format,
            sample_rate_hz: out.sample_rate,
            bitrate_kbps: out.bitrate_kbps,
            speed: out.speed,
            pitch: None,
            word_timestamps: false,
            reading: Default::default(),
        },
    )
    .map_err(error::unservable)?;
    request.cache.enabled = out.cache;
    Ok(request)
}
