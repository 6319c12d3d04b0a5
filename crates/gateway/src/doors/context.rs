//! One text-in context of a socket door (the realtime socket, and the protocol adapters
//! that have contexts): its segmenter, and the pipeline job that speaks its segments.
//!
//! The job runs as its own task and frames into the connection's one buffer, each frame
//! tagged with the context's `uid`. A context id can be used again after its end; the
//! `uid` tells the new context's frames from a late frame of the old. Each door gives a
//! [`ContextWire`]: how its protocol writes audio, timings, flush acknowledgements, the
//! end of a context and its errors.

use crate::auth::Slot;
use crate::guard::{self, Client, Refusal};
use crate::metrics::{ApiLabels, StreamLabels};
use crate::pipeline::{
    self, segment_queue, Api, CacheMark, Framed, Framer, Job, SegmentSender, Segmenter,
    SegmenterConfig, SpeechRequest, StreamFailure, Text, WordTiming,
};
use crate::state::AppState;
use axum::extract::ws::Message;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A door's wire format for its contexts. Runs on the producing side.
pub trait ContextWire: Send + Sync + 'static {
    /// A piece of encoded audio; `seq` counts the context's audio frames from 1.
    fn audio(&self, context_id: &str, seq: u64, data: &[u8]) -> Message;
    /// Word timings, where the protocol carries them.
    fn words(&self, _context_id: &str, _words: &[WordTiming]) -> Option<Message> {
        None
    }
    /// All audio of a flushed segment has been sent.
    fn flushed(&self, _context_id: &str) -> Option<Message> {
        None
    }
    /// Whether the next sentence's audio came from the phrase cache (asked for with
    /// `cache_info`), where the protocol has a place for it.
    fn cache(&self, _context_id: &str, _mark: &CacheMark) -> Option<Message> {
        None
    }
    /// The context ended after all its audio (closed by its client).
    fn done(&self, context_id: &str) -> Option<Message>;
    /// The context failed; `code` is HTTP-like (400, 503, 504…).
    fn error(&self, context_id: &str, code: u16, message: &str) -> Message;
}

/// A frame of one context, on its way to the socket.
pub struct Out {
    pub uid: u64,
    pub context_id: Arc<str>,
    /// `None` only for a last frame where the protocol has no end message.
    pub message: Option<Message>,
    /// The context's last frame (its end or error): it is closed once this is written.
    pub last: bool,
}

pub type Outbox = mpsc::Sender<Framed<Out>>;

pub struct Context<S> {
    pub uid: u64,
    pub id: Arc<str>,
    /// The door's settings of the context, to refuse a change mid-context.
    pub settings: S,
    pub labels: StreamLabels,
    segmenter: Segmenter,
    /// `None` once the client closed the context.
    segments: Option<SegmentSender>,
    cancel: CancellationToken,
    /// When the context's first text arrived, for time to first audio.
    pub since: Instant,
    pub first_audio_sent: bool,
    api: Api,
    state: Arc<AppState>,
    client: Client,
}

/// Why text was not taken.
pub enum Refused {
    /// The context was closed by its client.
    Closed,
    /// The text would exceed `REALTIME_MAX_BUFFERED_BYTES`.
    TooMuch(usize),
    /// The key's `chars` limit (or its counter's backend) refused it.
    Quota(Refusal),
}

impl Refused {
    /// The HTTP-like code and the sentence a door answers for context `id`.
    pub fn answer(&self, id: &str) -> (u16, String) {
        match self {
            Refused::Closed => (
                409,
                format!("context {id:?} was closed; it takes no more text"),
            ),
            Refused::TooMuch(limit) => (
                413,
                format!(
                    "context {id:?} would hold more than {limit} bytes of text not yet spoken \
                     (REALTIME_MAX_BUFFERED_BYTES); send less at once, or wait for its audio"
                ),
            ),
            Refused::Quota(r) => (r.status().as_u16(), r.to_string()),
        }
    }
}

/// What a door starts a context with.
pub struct Start<S> {
    pub uid: u64,
    pub id: Arc<str>,
    pub request: SpeechRequest,
    pub settings: S,
    pub max_buffer_delay: Duration,
    pub api: Api,
    pub wire: Arc<dyn ContextWire>,
    /// Whose text this is (its key's `chars` limit counts every push).
    pub client: Client,
    /// The key's stream slot, held by the job.
    pub hold: Slot,
}

impl<S> Context<S> {
    /// Starts a context's job.
    pub fn start(state: &Arc<AppState>, start: Start<S>, outbox: Outbox) -> Self {
        let Start {
            uid,
            id,
            request,
            settings,
            max_buffer_delay,
            api,
            wire,
            client,
            hold,
        } = start;
        let labels = StreamLabels {
            provider: request.provider.clone(),
            format: request.format.name(),
        };
        let (segments, queue) = segment_queue();
        let cancel = CancellationToken::new();
        let job = Job {
            request: Arc::new(request),
            text: Text::Incremental(queue),
            framer: ContextFrames {
                uid,
                id: Arc::clone(&id),
                wire: Arc::clone(&wire),
            },
            api,
            encode: true,
            retain: false,
            hold,
        };
        state
            .streams
            .spawn(speak(Arc::clone(state), job, outbox, cancel.clone(), wire));
        state
            .metrics
            .contexts_open
            .get_or_create(&api_labels(api))
            .inc();
        Self {
            uid,
            id,
            settings,
            labels,
            segmenter: Segmenter::new(SegmenterConfig {
                max_buffer_delay,
                ..Default::default()
            }),
            segments: Some(segments),
            cancel,
            since: Instant::now(),
            first_audio_sent: false,
            api,
            state: Arc::clone(state),
            client,
        }
    }

    /// Appends text, counted against the key's `chars` limit; segments it completes go
    /// to the job.
    pub async fn push(&mut self, text: &str, limit: usize) -> Result<(), Refused> {
        let Some(segments) = &self.segments else {
            return Err(Refused::Closed);
        };
        if self.segmenter.buffered() + segments.pending() + text.len() > limit {
            return Err(Refused::TooMuch(limit));
        }
        guard::spend_text(&self.state, &self.client, text)
            .await
            .map_err(Refused::Quota)?;
        for segment in self.segmenter.push(text, Instant::now()) {
            segments.send(segment);
        }
        Ok(())
    }

    /// Sends what is buffered now; the client hears `flushed` once its audio is out.
    pub fn flush(&mut self) -> Result<(), Refused> {
        let segments = self.segments.as_ref().ok_or(Refused::Closed)?;
        segments.send(self.segmenter.flush());
        Ok(())
    }

    /// No more text: what is buffered is spoken, then the job ends with `done`.
    pub fn close(&mut self) -> Result<(), Refused> {
        let segments = self.segments.take().ok_or(Refused::Closed)?;
        if let Some(last) = self.segmenter.finish() {
            segments.send(last);
        }
        Ok(())
    }

    /// When buffered text will be released without a boundary, if any waits.
    pub fn deadline(&self) -> Option<Instant> {
        self.segments.as_ref()?;
        self.segmenter.deadline()
    }

    /// Releases text that has waited `max_buffer_delay`.
    pub fn expire(&mut self, now: Instant) {
        if let Some(segments) = &self.segments {
            if let Some(segment) = self.segmenter.expire(now) {
                segments.send(segment);
            }
        }
    }
}

impl<S> Drop for Context<S> {
    /// However the context ends (done, cancel, the connection gone), its job stops and
    /// gives its worker back.
    fn drop(&mut self) {
        self.cancel.cancel();
        self.state
            .metrics
            .contexts_open
            .get_or_create(&api_labels(self.api))
            .dec();
    }
}

fn api_labels(api: Api) -> ApiLabels {
    ApiLabels { api: api.name() }
}
/// The context's job, then its last frame: its end, or its error. A cancelled context
/// (or a connection gone) gets no last frame.
async fn speak(
    state: Arc<AppState>,
    job: Job<ContextFrames>,
    outbox: Outbox,
    cancel: CancellationToken,
    wire: Arc<dyn ContextWire>,
) {
    let (uid, id, api) = (job.framer.uid, Arc::clone(&job.framer.id), job.api);
    let outcome = pipeline::run(Arc::clone(&state), job, outbox.clone(), cancel).await;
    pipeline::record_outcome(&state, api, &outcome);
    let message = match outcome {
        Ok(_) => wire.done(&id),
        Err(StreamFailure::ClientGone | StreamFailure::LeftQueue) => return,
        Err(failure) => {
            let (code, _) = failure.codes();
            Some(wire.error(&id, code, &failure.to_string()))
        }
    };
    let last = Out {
        uid,
        context_id: id,
        message,
        last: true,
    };
    let _ = outbox
        .send(Framed {
            frame: last,
            audio_bytes: 0,
        })
        .await;
}

struct ContextFrames {
    uid: u64,
    id: Arc<str>,
    wire: Arc<dyn ContextWire>,
}

impl ContextFrames {
    fn out(&self, message: Message) -> Out {
        Out {
            uid: self.uid,
            context_id: Arc::clone(&self.id),
            message: Some(message),
            last: false,
        }
    }
}

impl Framer for ContextFrames {
    type Frame = Out;

    fn audio(&mut self, seq: u64, data: &[u8]) -> Out {
        self.out(self.wire.audio(&self.id, seq, data))
    }

    fn words(&mut self, words: &[WordTiming]) -> Option<Out> {
        let m = self.wire.words(&self.id, words)?;
        Some(self.out(m))
    }

    fn flushed(&mut self) -> Option<Out> {
        let m = self.wire.flushed(&self.id)?;
        Some(self.out(m))
    }

    fn cache(&mut self, mark: &CacheMark) -> Option<Out> {
        let m = self.wire.cache(&self.id, mark)?;
        Some(self.out(m))
    }
}
