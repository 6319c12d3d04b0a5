//! What the HTTP speech doors share (OpenAI's, Deepgram's, ElevenLabs', Cartesia's):
//! running a job and streaming its frames as the response body.
//!
//! The answer waits for the first audio (or the failure before it), so an error that
//! comes before any audio still gets its own HTTP status in the door's shape; after that
//! the body streams with chunked transfer as the pipeline produces it. A client that
//! goes away cancels the job.

use crate::guard::Refusal;
use crate::pipeline::{
    self, first_audio, Api, Framed, Framer, Job, Produced, SpeechRequest, StreamFailure, Text,
};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::stream;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

/// What the body ends with once the job's frames are out: a last piece (an end event),
/// an error that cuts the transfer, or nothing.
pub type Ending = Box<dyn FnOnce(Result<Produced, StreamFailure>) -> Option<Piece> + Send>;
pub type Piece = Result<Bytes, std::io::Error>;

/// Why no body was started.
#[derive(Debug)]
pub enum NoAudio {
    /// The job failed before its first audio.
    Failed(StreamFailure),
    /// The job ended well without producing any audio.
    Empty,
}

/// Runs `job` and, once its first frame is there, returns the body that streams it.
pub async fn stream_body<F: Framer<Frame = Bytes>>(
    state: &Arc<AppState>,
    job: Job<F>,
    since: Instant,
    ending: Ending,
) -> Result<Body, NoAudio> {
    let api = job.api;
    let cancel = CancellationToken::new();
    let (mut rx, mut producer) = pipeline::spawn(
        state,
        job,
        cancel.clone(),
        state.settings.stream_buffer_frames,
    );
    let guard = cancel.drop_guard();
    let Some(first) = rx.recv().await else {
        return Err(match outcome(&mut producer).await {
            Ok(_) => NoAudio::Empty,
            Err(f) => NoAudio::Failed(f),
        });
    };
    first_audio(state, api, since);
    Ok(Body::from_stream(stream::unfold(
        Streaming::First {
            first: first.frame,
            rest: Rest {
                rx,
                producer,
                ending,
                _guard: guard,
            },
        },
        Streaming::next,
    )))
}

/// Checks the text of a one-shot request: not empty, and at most `MAX_TEXT_CHARS`.
pub fn check_text(state: &AppState, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("the text must not be empty".into());
    }
    let chars = text.chars().count();
    let max = state.settings.max_text_chars;
    if chars > max {
        return Err(format!(
            "the text is {chars} characters; at most {max} are accepted"
        ));
    }
    Ok(())
}

/// Speaks `text` whole as a streamed body of raw audio, with the door's own `headers`.
/// A failure before the first audio is answered in the door's shape (`codes`).
pub async fn raw_speech(
    state: &Arc<AppState>,
    request: SpeechRequest,
    text: String,
    (api, since, hold): (Api, Instant, crate::auth::Slot),
    codes: &VendorCodes,
    headers: Vec<(HeaderName, String)>,
) -> Result<Response, VendorError> {
    let content_type = request.format.content_type(request.sample_rate_hz);
    let job = Job {
        request: Arc::new(request),
        text: Text::Whole(text),
        framer: RawAudio,
        api,
        encode: true,
        retain: false,
        hold,
    };
    let body = stream_body(state, job, since, cut_on_failure())
        .await
        .map_err(|no| match no {
            NoAudio::Failed(f) => codes.failure(f),
            NoAudio::Empty => codes.invalid("the text produced no audio"),
        })?;
    let mut response = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::try_from(value) {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

/// Raw encoded audio, as it comes.
pub struct RawAudio;

impl Framer for RawAudio {
    type Frame = Bytes;

    fn audio(&mut self, _seq: u64, data: &[u8]) -> Bytes {
        Bytes::copy_from_slice(data)
    }
}

/// The ending of a raw audio body: raw audio has no way to say what went wrong mid-body,
/// so a failure ends it abnormally, and the client sees a truncated transfer rather than
/// a short file.
pub fn cut_on_failure() -> Ending {
    Box::new(|outcome| match outcome {
        Ok(_) => None,
        Err(f) => Some(Err(std::io::Error::other(f.to_string()))),
    })
}

/// The job's outcome (`pipeline::spawn` has counted it under its door).
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

struct Rest {
    rx: mpsc::Receiver<Framed<Bytes>>,
    producer: JoinHandle<Result<Produced, StreamFailure>>,
    ending: Ending,
    /// Cancels the job when the body is dropped (the client went away).
    _guard: DropGuard,
}

/// The response body's state: the first frame (already received), then the rest, then
/// the ending.
enum Streaming {
    First { first: Bytes, rest: Rest },
    Rest(Rest),
    Done,
}

impl Streaming {
    async fn next(self) -> Option<(Piece, Streaming)> {
        match self {
            Streaming::First { first, rest } => Some((Ok(first), Streaming::Rest(rest))),
            Streaming::Rest(mut rest) => {
                if let Some(framed) = rest.rx.recv().await {
                    return Some((Ok(framed.frame), Streaming::Rest(rest)));
                }
                let outcome = outcome(&mut rest.producer).await;
                (rest.ending)(outcome).map(|piece| (piece, Streaming::Done))
            }
            Streaming::Done => None,
        }
    }
}

/// An HTTP error before any audio, as every vendor door writes it: the vendor's shape is
/// given by `shape`, the rest (status, `Retry-After`, what a 500 may say) is here once.
#[derive(Debug)]
pub struct VendorError {
    pub status: StatusCode,
    /// The vendor's machine-readable code for it.
    pub code: &'static str,
    pub message: String,
    pub retry_after_secs: Option<u64>,
    /// Writes the body in the vendor's shape.
    pub shape: fn(&VendorError) -> serde_json::Value,
}

/// A vendor's codes for the failures every door can meet.
pub struct VendorCodes {
    pub invalid: &'static str,
    /// 401: no key, or a bad one.
    pub unauthorized: &'static str,
    /// 403: a token used on a door it does not open.
    pub forbidden: &'static str,
    pub rate_limited: &'static str,
    pub unavailable: &'static str,
    pub timeout: &'static str,
    pub upstream: &'static str,
    pub internal: &'static str,
    pub shape: fn(&VendorError) -> serde_json::Value,
}

impl VendorCodes {
    /// The snake_case codes ElevenLabs and Cartesia share.
    pub const fn snake_case(shape: fn(&VendorError) -> serde_json::Value) -> Self {
        Self {
            invalid: "invalid_request",
            unauthorized: "unauthorized",
            forbidden: "forbidden",
            rate_limited: "rate_limited",
            unavailable: "service_unavailable",
            timeout: "timeout",
            upstream: "provider_error",
            internal: "internal_error",
            shape,
        }
    }

    /// Reads a JSON body; one that does not parse is answered with `bad` (status and code).
    pub fn json_body<T: serde::de::DeserializeOwned>(
        &self,
        body: Result<Bytes, BytesRejection>,
        bad: (StatusCode, &'static str),
    ) -> Result<T, VendorError> {
        let body = body.map_err(|e| VendorError {
            status: e.status(),
            ..self.invalid(format!("could not read the request body: {e}"))
        })?;
        serde_json::from_slice(&body)
            .map_err(|e| self.error(bad.0, bad.1, format!("invalid request body: {e}")))
    }

    pub fn error(
        &self,
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> VendorError {
        VendorError {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
            shape: self.shape,
        }
    }

    pub fn invalid(&self, message: impl Into<String>) -> VendorError {
        self.error(StatusCode::BAD_REQUEST, self.invalid, message)
    }

    pub fn refusal(&self, r: Refusal) -> VendorError {
        let code = match r {
            Refusal::Unauthorized(_) => self.unauthorized,
            Refusal::Forbidden(_) => self.forbidden,
            Refusal::RateLimited { .. } => self.rate_limited,
            Refusal::Unavailable(_) => self.unavailable,
            Refusal::TooLarge(_) => self.invalid,
        };
        VendorError {
            retry_after_secs: r.retry_after_secs(),
            ..self.error(r.status(), code, r.to_string())
        }
    }

    /// A stream that failed before its first audio. A 500 says nothing of its cause,
    /// which is logged.
    pub fn failure(&self, f: StreamFailure) -> VendorError {
        let (code, _) = f.codes();
        match code {
            400 => self.invalid(f.to_string()),
            503 => self.error(
                StatusCode::SERVICE_UNAVAILABLE,
                self.unavailable,
                f.to_string(),
            ),
            504 => self.error(StatusCode::GATEWAY_TIMEOUT, self.timeout, f.to_string()),
            500 => {
                tracing::error!(cause = %f, "speech request failed");
                self.error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    self.internal,
                    "internal server error",
                )
            }
            _ => self.error(StatusCode::BAD_GATEWAY, self.upstream, f.to_string()),
        }
    }
}

impl IntoResponse for VendorError {
    fn into_response(self) -> Response {
        let body = (self.shape)(&self);
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}
