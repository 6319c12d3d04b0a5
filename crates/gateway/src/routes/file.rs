//! `GET /v1/tts/sessions/{id}/file?format=&sample_rate_hz=`: the whole audio as one file.
//!
//! Served from the PCM retained when the stream completed, encoded on request, so any
//! format can be fetched for any completed session. A session never streamed is
//! synthesised now; one still streaming is waited for (the store wakes the request when
//! the stream ends: see [`crate::sessions::SessionStore::wait_streamed`]).
//!
//! With `&alignment=json` the answer is JSON instead: the same file in base64 next to
//! the word timings kept with the PCM. Without it, the answer is the file, as always.

use super::sessions::find;
use crate::auth::Slot;
use crate::error::{ApiError, FieldError};
use crate::guard::{self, Client};
use crate::pipeline::{self, Api, Framer, Job, StreamFailure, Text};
use crate::sessions::{Claim, RetainedAudio, Session, Status};
use crate::state::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tts_audio::encode_file;
use tts_core::AudioFormat;

/// How long `/file` waits for a session that is still streaming.
const STREAMING_WAIT: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
pub struct FileQuery {
    format: Option<String>,
    sample_rate_hz: Option<String>,
    alignment: Option<String>,
}

pub async fn download(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<FileQuery>, QueryRejection>,
    client: Option<Extension<Client>>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(ApiError::session_path)?;
    let Query(q) = query.map_err(ApiError::query)?;
    let mut session = find(&state, &id).await?;
    let format = match q.format.as_deref().filter(|f| !f.is_empty()) {
        None => session.request.format(),
        Some(f) => f.parse::<AudioFormat>().map_err(|_| {
            let names: Vec<&str> = AudioFormat::ALL.iter().map(|f| f.name()).collect();
            ApiError::Validation(vec![FieldError::query(
                "format",
                "enum",
                format!("Input should be one of {} (got {f:?})", names.join(", ")),
            )])
        })?,
    };
    let rate = match q.sample_rate_hz.as_deref() {
        None | Some("") => session.request.sample_rate_hz,
        Some(r) => r.parse::<u32>().ok().filter(|&r| r > 0).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::query(
                "sample_rate_hz",
                "int_type",
                "Input should be a positive integer",
            )])
        })?,
    };
    let alignment = match q.alignment.as_deref() {
        None | Some("") => false,
        Some("json") => true,
        Some(other) => {
            return Err(ApiError::Validation(vec![FieldError::query(
                "alignment",
                "enum",
                format!("Input should be json (got {other:?})"),
            )]))
        }
    };
    state
        .codecs
        .check(format, session.request.native_rate_hz, rate)
        .map_err(ApiError::BadRequest)?;

    let audio = audio_of(&state, &mut session, client.map(|c| c.0)).await?;
    let options = state
        .settings
        .encoder_options(format, session.request.bitrate_kbps);
    let codecs = state.codecs.clone();
    let encoded = Arc::clone(&audio);
    let body = tokio::task::spawn_blocking(move || {
        encode_file(
            &codecs,
            format,
            encoded.sample_rate,
            rate,
            &encoded.samples,
            options,
        )
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if alignment {
        let duration_ms = audio.samples.len() as f64 * 1000.0 / f64::from(audio.sample_rate.max(1));
        return Ok(Json(Aligned {
            session_id: session.id.to_string(),
            format: format.name(),
            content_type: format.content_type(rate),
            sample_rate_hz: rate,
            duration_ms,
            audio_base64: STANDARD.encode(&body),
            words: &audio.words,
        })
        .into_response());
    }
    let filename = format!("tts-{}.{}", session.id, format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type(rate)),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, max-age=600".to_string()),
        ],
        body,
    )
        .into_response())
}

/// The answer to `/file?alignment=json`.
#[derive(serde::Serialize)]
struct Aligned<'a> {
    session_id: String,
    format: &'static str,
    content_type: String,
    sample_rate_hz: u32,
    duration_ms: f64,
    /// The file `/file` answers without `alignment`, in base64.
    audio_base64: String,
    /// On the audio's timeline; empty when the engine marks no words (its voices say
    /// so with `extra.word_timestamps`).
    words: &'a [pipeline::WordTiming],
}

/// The session's retained audio: at once if completed, after the stream if streaming,
/// synthesised now if pending.
async fn audio_of(
    state: &Arc<AppState>,
    session: &mut Session,
    client: Option<Client>,
) -> Result<Arc<RetainedAudio>, ApiError> {
    let started = Instant::now();
    loop {
        match session.status {
            Status::Completed => {
                let audio = state
                    .store
                    .audio(session.id)
                    .await
                    .map_err(|e| ApiError::Unavailable(e.to_string()))?;
                return audio.ok_or_else(|| {
                    ApiError::Gone(state.store.unrecorded(session.id).unwrap_or_else(|| {
                        format!(
                            "the audio of session {} is no longer retained (evicted to stay within SESSION_AUDIO_BUDGET_MB)",
                            session.id
                        )
                    }))
                });
            }
            Status::Failed => {
                return Err(ApiError::Conflict(format!(
                    "session {} failed and has no audio: {}",
                    session.id,
                    session.error.as_deref().unwrap_or("unknown error")
                )))
            }
            Status::Pending => match state
                .store
                .claim(session.id)
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()))?
            {
                Claim::Claimed(s) => {
                    // Synthesised now: a stream of the key's (`streams` limit).
                    let hold = match &client {
                        Some(c) => guard::stream_slot(state, c).await,
                        None => Ok(Slot::none()),
                    };
                    match hold {
                        Ok(hold) => return synthesize_now(state, &s, hold).await,
                        Err(refusal) => {
                            let _ = state.store.release(s.id).await;
                            return Err(refusal.into());
                        }
                    }
                }
                Claim::NotFound => {
                    return Err(ApiError::NotFound(format!(
                        "session {} expired",
                        session.id
                    )))
                }
                Claim::Taken(_) => {}
            },
            Status::Streaming if started.elapsed() >= STREAMING_WAIT => {
                return Err(ApiError::Conflict(format!(
                    "session {} is still streaming; fetch the file after the stream ends",
                    session.id
                )))
            }
            Status::Streaming => state
                .store
                .wait_streamed(session.id, STREAMING_WAIT.saturating_sub(started.elapsed()))
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()))?,
        }
        *session = find(state, &session.id.to_string()).await?;
    }
}

async fn synthesize_now(
    state: &Arc<AppState>,
    session: &Session,
    hold: Slot,
) -> Result<Arc<RetainedAudio>, ApiError> {
    let provider = session.request.provider.as_str();
    let job = Job {
        request: Arc::new(session.request.speech()),
        text: Text::Whole(session.request.text.clone()),
        framer: NoFrames,
        api: Api::File,
        encode: false,
        retain: true,
        hold,
    };
    // Nothing is framed, so the buffer never fills; the channel is only the job's shape.
    let (tx, _rx) = tokio::sync::mpsc::channel(1);
    let result = pipeline::run(Arc::clone(state), job, tx, CancellationToken::new()).await;
    pipeline::record_outcome(state, Api::File, &result);
    match result {
        Ok(produced) => {
            let audio = Arc::new(produced.audio.expect("the job retains its audio"));
            // The audio is in hand: serve it even if the store cannot record it yet.
            if let Err(e) = state.store.complete(session.id, Arc::clone(&audio)).await {
                tracing::warn!(session = %session.id, error = %e, "could not record the completed session yet");
            }
            state.metrics.session(provider, "completed");
            Ok(audio)
        }
        Err(StreamFailure::QueueFull) => {
            let _ = state.store.release(session.id).await;
            Err(ApiError::Unavailable(
                "streaming queue is full; try again later".into(),
            ))
        }
        Err(failure) => {
            state.metrics.session(provider, "failed");
            let _ = state.store.fail(session.id, &failure.to_string()).await;
            Err(match failure {
                StreamFailure::CircuitOpen(_)
                | StreamFailure::ShuttingDown
                | StreamFailure::Store(_) => ApiError::Unavailable(failure.to_string()),
                StreamFailure::Provider { ref error, .. }
                    if error.kind == tts_core::ProviderErrorKind::BadRequest =>
                {
                    ApiError::BadRequest(failure.to_string())
                }
                other => ApiError::Provider(other.to_string()),
            })
        }
    }
}

/// `/file` keeps the PCM and encodes it whole afterwards (exact headers): no frames.
struct NoFrames;

impl Framer for NoFrames {
    type Frame = ();
    fn audio(&mut self, _seq: u64, _data: &[u8]) {}
}
