//! `POST /v1/audio/speech` and `GET /v1/models`.
//!
//! The body is streamed by `doors::http` (its first audio awaited, so an error before
//! any audio keeps its own HTTP status).

use super::error::OpenAiError;
use super::wire::{self, StreamFormat, OPENAI_MODELS};
use crate::doors::http::{self, cut_on_failure, stream_body, Ending, NoAudio};
use crate::guard;
use crate::pipeline::speakable::prepare;
use crate::pipeline::{resolve, Api, Framer, Job, Text, Wanted};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub async fn speech(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, OpenAiError> {
    let since = Instant::now();
    let (client, hold) = guard::check(&state, peer, &headers, Api::OpenAi, &body).await?;
    let body = body.map_err(|e| OpenAiError {
        status: e.status(),
        ..OpenAiError::invalid(None, format!("could not read the request body: {e}"))
    })?;
    let req = wire::parse(&body)?;
    http::check_text(&state, &req.input)
        .map_err(|m| OpenAiError::invalid(Some("input"), m.replace("the text", "input")))?;
    let speed = match req.speed {
        None => None,
        Some(s) if (0.25..=4.0).contains(&s) => Some(s as f32),
        Some(s) => {
            return Err(OpenAiError::invalid(
                Some("speed"),
                format!("speed must be between 0.25 and 4.0 (got {s})"),
            ))
        }
    };
    let sse = wire::stream_format(&req)? == StreamFormat::Sse;
    let (format, rate) = wire::format(&req)?;
    let provider = wire::model(&state, &req.model)?;
    let voice = wire::voice(&state, req.voice.name(), provider);
    let mut request = resolve(
        &state,
        Wanted {
            provider,
            voice: &voice,
            language: None,
            format,
            sample_rate_hz: rate,
            bitrate_kbps: None,
            speed,
            pitch: None,
            word_timestamps: false,
            reading: Default::default(),
        },
    )?;
    request.cache.enabled = req.cache.unwrap_or(true);
    // Malformed SSML is refused now, with its position, not mid-body.
    prepare(&state, &request, &req.input).map_err(|e| OpenAiError::invalid(Some("input"), e.0))?;
    guard::spend_text(&state, &client, &req.input).await?;
    let job = Job {
        request: Arc::new(request),
        text: Text::Whole(req.input),
        framer: SpeechFrames { sse },
        api: Api::OpenAi,
        encode: true,
        retain: false,
        hold,
    };
    let ending: Ending = if sse {
        Box::new(|outcome| {
            let event = match outcome {
                Ok(_) => r#"{"type":"speech.audio.done","usage":{"input_tokens":0,"output_tokens":0,"total_tokens":0}}"#.to_string(),
                Err(f) => OpenAiError::from(f).event().to_string(),
            };
            Some(Ok(Bytes::from(format!("data: {event}\n\n"))))
        })
    } else {
        cut_on_failure()
    };
    let body = stream_body(&state, job, since, ending)
        .await
        .map_err(|no| match no {
            NoAudio::Failed(f) => OpenAiError::from(f),
            NoAudio::Empty => OpenAiError::invalid(Some("input"), "the input produced no audio"),
        })?;
    let content_type = if sse {
        "text/event-stream".to_string()
    } else {
        format.content_type(rate)
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// `GET /v1/models`: what `model` accepts. OpenAI's speech models pick the engine
/// through the voice; an engine id pins that engine.
pub async fn models(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let ids = OPENAI_MODELS.iter().copied().chain(state.providers.ids());
    let data: Vec<_> = ids
        .map(|id| json!({"id": id, "object": "model", "created": 0, "owned_by": "tts-gateway"}))
        .collect();
    Json(json!({"object": "list", "data": data}))
}

/// Raw audio bytes, or one `speech.audio.delta` event per piece of audio.
struct SpeechFrames {
    sse: bool,
}

impl Framer for SpeechFrames {
    type Frame = Bytes;

    fn audio(&mut self, _seq: u64, data: &[u8]) -> Bytes {
        if !self.sse {
            return Bytes::copy_from_slice(data);
        }
        let mut event = String::with_capacity(64 + data.len().div_ceil(3) * 4);
        event.push_str(r#"data: {"type":"speech.audio.delta","audio":""#);
        STANDARD.encode_string(data, &mut event);
        event.push_str("\"}\n\n");
        Bytes::from(event)
    }
}
