//! `GET /v1/tts/stream/{id}`: the WebSocket that streams a session's audio.
//!
//! Per connection: claim the session (once only), wait for a worker (or be refused when
//! the queue is full), then a producer task synthesises and encodes into a bounded
//! buffer while this task writes frames to the socket and a reader notices a departing
//! client. Every exit path ends with exactly one final frame (`eos` or `error`) and a
//! close code, and gives back the worker and the active-stream gauge.

mod failure;
mod produce;
mod source;

pub use failure::{close, StreamFailure};
pub use produce::{audio_frame, synthesize_all};

use crate::metrics::{ProviderLabels, StreamLabels};
use crate::sessions::{Claim, Session};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use produce::{produce, Frame};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Clients send nothing; anything large is refused by the WebSocket layer.
const MAX_CLIENT_MESSAGE: usize = 16 * 1024;
/// How long the final frames may take before the connection is simply dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn upgrade(
    ws: WebSocketUpgrade,
    Path(id): Path<String>,
    State(state): State<Arc<AppState>>,
) -> Response {
    let tracker = state.streams.clone();
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| tracker.track_future(run(state, socket, id)))
}

type Sink = SplitSink<WebSocket, Message>;

async fn run(state: Arc<AppState>, socket: WebSocket, id: String) {
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
            let outcome = stream(&state, session.clone(), &mut sink, &cancel, connected).await;
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
        Err(StreamFailure::QueueFull) => {
            state.metrics.queue_full.inc();
            let _ = state.store.release(session.id).await;
        }
        Err(StreamFailure::LeftQueue) => {
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

/// Admission, then production and writing until the producer is done and every frame
/// it made has been written.
async fn stream(
    state: &Arc<AppState>,
    session: Session,
    sink: &mut Sink,
    cancel: &CancellationToken,
    connected: Instant,
) -> Result<(), StreamFailure> {
    let labels = StreamLabels {
        provider: session.request.provider.clone(),
        format: session.request.format().name(),
    };
    let admit = state
        .admission
        .admit()
        .map_err(|_| StreamFailure::QueueFull)?;
    let queued = Instant::now();
    let permit = tokio::select! {
        _ = cancel.cancelled() => return Err(StreamFailure::LeftQueue),
        _ = state.shutdown_deadline.cancelled() => return Err(StreamFailure::ShuttingDown),
        p = admit.worker() => p,
    };
    state
        .metrics
        .queue_wait
        .observe(queued.elapsed().as_secs_f64());

    let (tx, mut rx) = mpsc::channel::<Frame>(state.settings.stream_buffer_frames);
    let mut producer = tokio::spawn({
        let (state, cancel) = (Arc::clone(state), cancel.clone());
        // The worker goes back as soon as synthesis ends (when `produce` returns), not
        // when the client has read everything; and while the client is a buffer behind.
        produce(state, session, tx, cancel, permit)
    });
    let mut writer = Writer {
        state,
        labels,
        connected,
        first_sent: false,
        write_timeout: state.settings.slow_client_timeout,
    };
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
            (None, Ok(()) | Err(StreamFailure::Provider { .. })) => tokio::select! {
                d = &mut drain => d,
                _ = deadline.cancelled() => return Err(StreamFailure::ShuttingDown),
            },
            (None, Err(_)) => Ok(()),
        };
        (produced, delivered)
    };
    let left = rx.len() as u64;
    match (produced, delivered) {
        (_, Err(Undelivered::Stuck)) | (Err(StreamFailure::SlowClient(_)), _) => {
            writer.dropped(left, "slow_client");
            Err(StreamFailure::SlowClient(writer.write_timeout.as_millis()))
        }
        (_, Err(Undelivered::Gone)) | (Err(StreamFailure::ClientGone), _) => {
            writer.dropped(left, "client_disconnected");
            Err(StreamFailure::ClientGone)
        }
        (produced, Ok(())) => produced,
    }
}

/// Why frames did not reach the client.
#[derive(Debug)]
enum Undelivered {
    /// The connection failed or closed.
    Gone,
    /// The socket accepted nothing for the slow-client timeout.
    Stuck,
}

fn flatten(
    joined: Result<Result<(), StreamFailure>, tokio::task::JoinError>,
) -> Result<(), StreamFailure> {
    joined.unwrap_or_else(|e| {
        tracing::error!(error = %e, "stream producer panicked");
        Err(StreamFailure::Encode(tts_audio::EncodeError::Codec(
            "internal failure".into(),
        )))
    })
}

struct Writer<'a> {
    state: &'a AppState,
    labels: StreamLabels,
    connected: Instant,
    first_sent: bool,
    write_timeout: Duration,
}

impl Writer<'_> {
    /// Writes frames until the producer closes the buffer. Frames that are already
    /// waiting go out in one flush: fewer syscalls under load, same order. A socket that
    /// accepts nothing for the slow-client timeout is given up on.
    async fn drain(
        &mut self,
        sink: &mut Sink,
        rx: &mut mpsc::Receiver<Frame>,
    ) -> Result<(), Undelivered> {
        while let Some(frame) = rx.recv().await {
            let (mut frames, mut bytes) = (1u64, frame.audio_bytes as u64);
            self.write(sink.feed(Message::Text(frame.json.into())))
                .await?;
            while let Ok(more) = rx.try_recv() {
                frames += 1;
                bytes += more.audio_bytes as u64;
                self.write(sink.feed(Message::Text(more.json.into())))
                    .await?;
            }
            self.write(sink.flush()).await?;
            if !self.first_sent {
                self.first_sent = true;
                self.state
                    .metrics
                    .time_to_first_audio
                    .get_or_create(&self.labels)
                    .observe(self.connected.elapsed().as_secs_f64());
            }
            self.state
                .metrics
                .stream_chunks
                .get_or_create(&self.labels)
                .inc_by(frames);
            self.state
                .metrics
                .stream_bytes
                .get_or_create(&self.labels)
                .inc_by(bytes);
        }
        Ok(())
    }

    async fn write(
        &self,
        op: impl std::future::Future<Output = Result<(), axum::Error>>,
    ) -> Result<(), Undelivered> {
        match tokio::time::timeout(self.write_timeout, op).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Undelivered::Gone),
            Err(_) => Err(Undelivered::Stuck),
        }
    }

    fn dropped(&self, frames: u64, reason: &'static str) {
        self.state
            .metrics
            .dropped(&self.labels.provider, self.labels.format, reason, frames);
    }
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
