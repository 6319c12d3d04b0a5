//! `POST /v1/speak` (the audio as the body, streamed) and the socket's handshake: the
//! query is checked before the upgrade, so a bad one is an HTTP error in Deepgram's
//! shape, as Deepgram does.

use super::connection::Deepgram;
use super::error::DeepgramError;
use super::wire::{self, Output, SpeakBody, SpeakQuery};
use crate::doors::http::{self, cut_on_failure, stream_body, NoAudio, RawAudio};
use crate::doors::socket;
use crate::guard;
use crate::pipeline::{resolve, Api, Job, SpeechRequest, Text, Wanted};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
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
    guard::check(&state, peer, &headers, Api::Deepgram).await?;
    let out = wire::output(&query_of(query)?, false)?;
    let body = body.map_err(|e| DeepgramError {
        status: e.status(),
        ..DeepgramError::invalid_body(format!("could not read the request body: {e}"))
    })?;
    let body: SpeakBody = serde_json::from_slice(&body)
        .map_err(|e| DeepgramError::invalid_body(format!("invalid request body: {e}")))?;
    http::check_text(&state, &body.text).map_err(DeepgramError::invalid_body)?;
    let request = request(&state, &out)?;
    let content_type = request.format.content_type(request.sample_rate_hz);
    let chars = body.text.chars().count();
    let job = Job {
        request: Arc::new(request),
        text: Text::Whole(body.text),
        framer: RawAudio,
        api: Api::Deepgram,
        encode: true,
        retain: false,
    };
    let body = stream_body(&state, job, since, cut_on_failure())
        .await
        .map_err(|no| match no {
            NoAudio::Failed(f) => DeepgramError::from(f),
            NoAudio::Empty => DeepgramError::invalid_body("the text produced no audio"),
        })?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::HeaderName::from_static("dg-model-name"),
                out.voice.clone(),
            ),
            (
                header::HeaderName::from_static("dg-request-id"),
                uuid::Uuid::new_v4().to_string(),
            ),
            (
                header::HeaderName::from_static("dg-char-count"),
                chars.to_string(),
            ),
        ],
        body,
    )
        .into_response())
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SpeakQuery>, QueryRejection>,
) -> Response {
    let client = guard::identify(&state, peer, &headers, Api::Deepgram);
    let checked = query_of(query)
        .and_then(|q| wire::output(&q, true))
        .and_then(|out| Ok((request(&state, &out)?, out.voice)));
    match checked {
        Ok((request, model)) => socket::upgrade(
            ws,
            state,
            client,
            Api::Deepgram,
            Deepgram::new(request, model),
        ),
        Err(e) => e.into_response(),
    }
}

fn query_of(query: Result<Query<SpeakQuery>, QueryRejection>) -> Result<SpeakQuery, DeepgramError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| DeepgramError::invalid_query(&e.body_text()))
}

fn request(state: &AppState, out: &Output) -> Result<SpeechRequest, DeepgramError> {
    Ok(resolve(
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
        },
    )?)
}
