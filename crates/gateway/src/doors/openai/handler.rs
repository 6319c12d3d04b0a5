//! `POST /v1/audio/speech` and `GET /v1/models`.
//!
//! The answer waits for the first audio (or the failure before it), so an error that
//! comes before any audio still gets its own HTTP status; after that the body streams
//! with chunked transfer as the pipeline produces it. A client that goes away cancels
//! the job.

use super::error::OpenAiError;
use super::wire::{self, StreamFormat, OPENAI_MODELS};
use crate::guard;
use crate::pipeline::speakable::prepare;
use crate::pipeline::{
    self, first_audio, resolve, Api, Framed, Framer, Job, Produced, StreamFailure, Text, Wanted,
};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::stream;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

pub async fn speech(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, OpenAiError> {
    let since = Instant::now();
    guard::check(&state, peer, &headers, Api::OpenAi).await?;
    let body = body.map_err(|e| OpenAiError {
        status: e.status(),
        ..OpenAiError::invalid(None, format!("could not read the request body: {e}"))
    })?;
    let req = wire::parse(&body)?;
    let chars = req.input.chars().count();
    if req.input.trim().is_empty() {
        return Err(OpenAiError::invalid(
            Some("input"),
            "input must not be empty",
        ));
    }
    let max = state.settings.max_text_chars;
    if chars > max {
        return Err(OpenAiError::invalid(
            Some("input"),
            format!("input is {chars} characters; at most {max} are accepted"),
        ));
    }
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
    let request = resolve(
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
    // Malformed SSML is refused now, with its position, not mid-body.
    prepare(&state, &request, &req.input).map_err(|e| OpenAiError::invalid(Some("input"), e.0))?;
    let job = Job {
        request: Arc::new(request),
        text: Text::Whole(req.input),
        framer: SpeechFrames { sse },
        api: Api::OpenAi,
        encode: true,
        retain: false,
    };
    let cancel = CancellationToken::new();
    let (mut rx, mut producer) = pipeline::spawn(
        &state,
        job,
        cancel.clone(),
        state.settings.stream_buffer_frames,
    );
    let guard = cancel.drop_guard();
    let first = match rx.recv().await {
        Some(first) => first,
        // Nothing was produced: the failure (queue full, engine down…) is the answer.
        None => {
            return Err(outcome(&mut producer).await.err().map_or_else(
                || OpenAiError::invalid(Some("input"), "the input produced no audio"),
                OpenAiError::from,
            ))
        }
    };
    first_audio(&state, Api::OpenAi, since);
    let content_type = if sse {
        "text/event-stream".to_string()
    } else {
        format.content_type(rate)
    };
    let body = Body::from_stream(stream::unfold(
        Streaming::First {
            first: first.frame,
            rx,
            producer,
            sse,
            _guard: guard,
        },
        Streaming::next,
    ));
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

async fn outcome(
    producer: &mut JoinHandle<Result<Produced, StreamFailure>>,
) -> Result<Produced, StreamFailure> {
    producer.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "speech producer panicked");
        Err(StreamFailure::Encode(tts_audio::EncodeError::Codec(
            "internal failure".into(),
        )))
    })
}

/// The response body's state: the first frame (already received), then the rest, then
/// for SSE the closing event.
enum Streaming {
    First {
        first: Bytes,
        rx: mpsc::Receiver<Framed<Bytes>>,
        producer: JoinHandle<Result<Produced, StreamFailure>>,
        sse: bool,
        /// Cancels the job when the body is dropped (the client went away).
        _guard: DropGuard,
    },
    Rest {
        rx: mpsc::Receiver<Framed<Bytes>>,
        producer: JoinHandle<Result<Produced, StreamFailure>>,
        sse: bool,
        _guard: DropGuard,
    },
    Done,
}

impl Streaming {
    async fn next(self) -> Option<(Result<Bytes, std::io::Error>, Streaming)> {
        match self {
            Streaming::First {
                first,
                rx,
                producer,
                sse,
                _guard,
            } => Some((
                Ok(first),
                Streaming::Rest {
                    rx,
                    producer,
                    sse,
                    _guard,
                },
            )),
            Streaming::Rest {
                mut rx,
                mut producer,
                sse,
                _guard,
            } => {
                if let Some(framed) = rx.recv().await {
                    let next = Streaming::Rest {
                        rx,
                        producer,
                        sse,
                        _guard,
                    };
                    return Some((Ok(framed.frame), next));
                }
                match (outcome(&mut producer).await, sse) {
                    (Ok(_), true) => {
                        let done = r#"data: {"type":"speech.audio.done","usage":{"input_tokens":0,"output_tokens":0,"total_tokens":0}}"#;
                        Some((Ok(Bytes::from(format!("{done}\n\n"))), Streaming::Done))
                    }
                    (Ok(_), false) => None,
                    (Err(f), true) => {
                        let event = OpenAiError::from(f).event();
                        Some((
                            Ok(Bytes::from(format!("data: {event}\n\n"))),
                            Streaming::Done,
                        ))
                    }
                    // Raw audio has no way to say what went wrong mid-body: end it
                    // abnormally, so the client sees a truncated transfer, not a short file.
                    (Err(f), false) => {
                        Some((Err(std::io::Error::other(f.to_string())), Streaming::Done))
                    }
                }
            }
            Streaming::Done => None,
        }
    }
}
