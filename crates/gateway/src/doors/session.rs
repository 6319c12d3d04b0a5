//! `GET /v1/tts/stream/{id}`: the WebSocket that streams a session's audio.
//!
//! Per connection: claim the session (once only), wait for a worker (or be refused when
//! the queue is full), then a producer task synthesises and encodes into a bounded
//! buffer while this task writes frames to the socket and a reader notices a departing
//! client. Every exit path ends with exactly one final frame (`eos` or `error`) and a
//! close code, and gives back the worker and the active-stream gauge.

use super::socket;
use super::ws::{audio_frame, bounded, Undelivered, WsWriter};
use crate::auth::Slot;
use crate::guard;
use crate::metrics::{ProviderLabels, StreamLabels};
use crate::pipeline::{self, close, Api, CacheMark, Framer, Job, StreamFailure, Text, WordTiming};
use crate::sessions::{Claim, Session};
use crate::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Clients send nothing; anything large is refused by the WebSocket layer.
const MAX_CLIENT_MESSAGE: usize = 16 * 1024;
/// How long the final frames may take before the connection is simply dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn upgrade(
    ws: WebSocketUpgrade,
    id: Result<Path<String>, PathRejection>,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Path(id) = match id {
        Ok(id) => id,
        Err(e) => return crate::error::ApiError::session_path(e).into_response(),
    };
    // The session's start was counted when it was created; its stream takes a slot of
    // the key's `streams` limit.
    let door = Api::Session;
    let hold = match guard::identify_socket(&state, peer, &headers, query.as_deref(), door) {
        Ok(client) => guard::stream_slot(&state, &client).await,
        Err(refusal) => Err(refusal),
    };
    let hold = match hold {
        Ok(hold) => hold,
        Err(refusal) => return socket::refuse(ws, refusal),
    };
    let tracker = state.streams.clone();
    bounded(ws)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| tracker.track_future(run(state, socket, id, hold)))
}

type Sink = SplitSink<WebSocket, Message>;

async fn run(state: Arc<AppState>, socket: WebSocket, id: String, hold: Slot) {
    let connected = Instant::now();
    let (mut sink, mut incoming) = socket.split();
    // The reader's only job: notice the client leaving (or answering our Close), and
    // cancel everything.
    let cancel = CancellationToken::new();
    let reader = tokio::spawn({
        let cancel = cancel.clone();
        async move {
            while let Some(Ok(msg)) = incoming.next().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
            cancel.cancel();
        }
    });
    let outcome = match claim(&state, &id).await {
        Ok(session) => {
            let _active = ActiveStream::new(&state, &session.request.provider);
            let outcome = stream(
                &state,
                session.clone(),
                &mut sink,
                &cancel,
                (connected, hold),
            )
            .await;
            record(&state, &session, &outcome).await;
            outcome
        }
        Err(failure) => Err(failure),
    };
    finish(&mut sink, outcome).await;
    // Wait for the client's Close reply before dropping the socket: closing it with the
    // reply unread would reset the connection instead of closing it cleanly.
    let stop = reader.abort_handle();
    if tokio::time::timeout(CLOSE_TIMEOUT, reader).await.is_err() {
        stop.abort();
    }
}

/// Counts the stream's outcome and records it on the session.
async fn record(state: &AppState, session: &Session, outcome: &Result<(), StreamFailure>) {
    let provider = &session.request.provider;
    match outcome {
        Ok(()) => state.metrics.session(provider, "completed"),
        Err(StreamFailure::QueueFull | StreamFailure::LeftQueue) => {
            let _ = state.store.release(session.id).await;
        }
        Err(failure) => {
            let format = session.request.format().name();
            tracing::info!(session = %session.id, %provider, format, %failure, "stream failed");
            state.metrics.session(provider, "failed");
            let _ = state.store.fail(session.id, &failure.to_string()).await;
        }
    }
}

async fn claim(state: &AppState, id: &str) -> Result<Session, StreamFailure> {
    let id = Uuid::parse_str(id).map_err(|_| StreamFailure::NotFound)?;
    match state.store.claim(id).await? {
        Claim::Claimed(s) => Ok(*s),
        Claim::NotFound => Err(StreamFailure::NotFound),
        Claim::Taken(status) => Err(StreamFailure::AlreadyStreamed(status)),
    }
}

/// The pipeline produces while this task writes its frames to the socket, until the
/// producer is done and every frame it made has been written.
async fn stream(
    state: &Arc<AppState>,
    session: Session,
    sink: &mut Sink,
    cancel: &CancellationToken,
    (connected, hold): (Instant, Slot),
) -> Result<(), StreamFailure> {
    let speech = session.request.speech();
    let labels = StreamLabels {
        provider: speech.provider.clone(),
        format: speech.format.name(),
    };
    let job = Job {
        request: Arc::new(speech),
        text: Text::Whole(session.request.text.clone()),
        framer: SessionFrames,
        api: Api::Session,
        encode: true,
        retain: true,
        hold,
    };
    let (mut rx, mut producer) = pipeline::spawn(
        state,
        job,
        cancel.clone(),
        state.settings.stream_buffer_frames,
    );
    let mut writer = WsWriter::new(state, labels, Api::Session, connected);
    let deadline = &state.shutdown_deadline;
    let (produced, delivered) = {
        // One drain future for the whole stream: dropping it while it holds a frame it
        // has taken from the buffer would lose that frame.
        let drain = writer.drain(sink, &mut rx);
        tokio::pin!(drain);
        let mut delivered = None;
        let produced = tokio::select! {
            written = &mut drain => {
                if written.is_err() {
                    cancel.cancel();
                }
                delivered = Some(written);
                flatten((&mut producer).await)
            }
            produced = &mut producer => flatten(produced),
            _ = deadline.cancelled() => {
                producer.abort();
                return Err(StreamFailure::ShuttingDown);
            }
        };
        let delivered = match (delivered, &produced) {
            (Some(d), _) => d,
            // Deliver what was produced (also before an engine failure, which is
            // reported after it); a slow or departed client gets nothing more.
            (None, Ok(_) | Err(StreamFailure::Provider { .. })) => tokio::select! {
                d = &mut drain => d,
                _ = deadline.cancelled() => return Err(StreamFailure::ShuttingDown),
            },
            (None, Err(_)) => Ok(()),
        };
        (produced, delivered)
    };
    let left = rx.len() as u64;
    let produced = match (produced, delivered) {
        (_, Err(Undelivered::Stuck)) | (Err(StreamFailure::SlowClient(_)), _) => {
            writer.dropped(left, "slow_client");
            return Err(StreamFailure::SlowClient(
                writer.write_timeout().as_millis(),
            ));
        }
        (_, Err(Undelivered::Gone)) | (Err(StreamFailure::ClientGone), _) => {
            writer.dropped(left, "client_disconnected");
            return Err(StreamFailure::ClientGone);
        }
        (produced, Ok(())) => produced?,
    };
    // Recorded before `eos` goes out, so a client that fetches the file right after it
    // finds it. The client has every frame by now: a store that cannot record the
    // completion yet keeps the audio and retries (the Redis store does), so it is
    // logged, not reported.
    if let Some(audio) = produced.audio {
        if let Err(e) = state.store.complete(session.id, Arc::new(audio)).await {
            tracing::warn!(session = %session.id, error = %e, "could not record the completed session yet");
        }
    }
    Ok(())
}

/// The session socket's frames: `{"type":"audio","seq":N,"data":…}` and, when the
/// session asked for them, `{"type":"timestamps","words":[…]}`.
struct SessionFrames;

impl Framer for SessionFrames {
    type Frame = String;

    fn audio(&mut self, seq: u64, data: &[u8]) -> String {
        audio_frame(seq, data)
    }

    fn words(&mut self, words: &[WordTiming]) -> Option<String> {
        Some(json!({"type": "timestamps", "words": words}).to_string())
    }

    fn cache(&mut self, mark: &CacheMark) -> Option<String> {
        Some(
            json!({"type": "cache", "hit": mark.hit, "text_start": mark.text_start,
                    "text_end": mark.text_end})
            .to_string(),
        )
    }
}

fn flatten<T>(
    joined: Result<Result<T, StreamFailure>, tokio::task::JoinError>,
) -> Result<T, StreamFailure> {
    joined.unwrap_or_else(|e| {
        tracing::error!(error = %e, "stream producer panicked");
        Err(StreamFailure::Encode(tts_audio::EncodeError::Codec(
            "internal failure".into(),
        )))
    })
}

/// Sends the final frame and the close code for `outcome`.
async fn finish(sink: &mut Sink, outcome: Result<(), StreamFailure>) {
    let (last, code, reason) = match &outcome {
        Ok(()) => (Some(json!({"type": "eos"})), close::NORMAL, String::new()),
        Err(StreamFailure::ClientGone | StreamFailure::LeftQueue) => {
            (None, close::NORMAL, String::new())
        }
        Err(failure) => {
            let (code, close_code) = failure.codes();
            let message = failure.to_string();
            let frame = json!({"type": "error", "code": code, "message": message});
            (Some(frame), close_code, message)
        }
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        if let Some(frame) = last {
            sink.send(Message::Text(frame.to_string().into())).await?;
        }
        let reason: String = reason.chars().take(100).collect(); // Close reasons are capped at 123 bytes.
        sink.send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await
    })
    .await;
}

/// Holds `tts_active_streams` up for one stream, and down again however the stream ends.
struct ActiveStream<'a> {
    state: &'a AppState,
    labels: ProviderLabels,
}

impl<'a> ActiveStream<'a> {
    fn new(state: &'a AppState, provider: &str) -> Self {
        let labels = ProviderLabels {
            provider: provider.to_string(),
        };
        state.metrics.active_streams.get_or_create(&labels).inc();
        Self { state, labels }
    }
}

impl Drop for ActiveStream<'_> {
    fn drop(&mut self) {
        self.state
            .metrics
            .active_streams
            .get_or_create(&self.labels)
            .dec();
    }
}
