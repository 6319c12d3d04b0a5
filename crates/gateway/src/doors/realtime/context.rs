//! One context of a realtime connection: its settings, its segmenter, and the pipeline
//! job that speaks its segments.
//!
//! The job runs as its own task and frames into the connection's one buffer, each frame
//! tagged with the context's `uid`. A context id can be used again after its `done` or
//! `cancelled`; the `uid` tells the new context's frames from a late frame of the old.

use super::wire::{self, Settings};
use crate::metrics::{ApiLabels, StreamLabels};
use crate::pipeline::{
    self, segment_queue, Api, Framed, Framer, Job, SegmentSender, Segmenter, SegmenterConfig,
    SpeechRequest, StreamFailure, Text, WordTiming,
};
use crate::state::AppState;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A frame of one context, on its way to the socket.
pub struct Out {
    pub uid: u64,
    pub context_id: Arc<str>,
    pub json: String,
    /// The context's last frame (`done` or `error`): it is closed once this is written.
    pub last: bool,
}

pub type Outbox = mpsc::Sender<Framed<Out>>;

pub struct Context {
    pub uid: u64,
    pub id: Arc<str>,
    /// The settings of the first `speak`, to refuse a change mid-context.
    pub settings: Settings,
    pub labels: StreamLabels,
    segmenter: Segmenter,
    /// `None` once the client closed the context.
    segments: Option<SegmentSender>,
    cancel: CancellationToken,
    /// When the context's first text arrived, for time to first audio.
    pub since: Instant,
    pub first_audio_sent: bool,
    state: Arc<AppState>,
}

/// Why text was not taken.
pub enum Refused {
    /// The context was closed by its client.
    Closed,
    /// The text would exceed `REALTIME_MAX_BUFFERED_BYTES`.
    TooMuch(usize),
}

impl Context {
    /// Starts a context's job.
    pub fn start(
        state: &Arc<AppState>,
        uid: u64,
        id: Arc<str>,
        request: SpeechRequest,
        settings: Settings,
        max_buffer_delay: Duration,
        outbox: Outbox,
    ) -> Self {
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
            },
            api: Api::Realtime,
            encode: true,
            retain: false,
        };
        state.streams.spawn(speak(
            Arc::clone(state),
            job,
            outbox,
            cancel.clone(),
            uid,
            Arc::clone(&id),
        ));
        state.metrics.contexts_open.get_or_create(&realtime()).inc();
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
            state: Arc::clone(state),
        }
    }

    /// Appends text; segments it completes go to the job.
    pub fn push(&mut self, text: &str, limit: usize) -> Result<(), Refused> {
        let Some(segments) = &self.segments else {
            return Err(Refused::Closed);
        };
        if self.segmenter.buffered() + segments.pending() + text.len() > limit {
            return Err(Refused::TooMuch(limit));
        }
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

impl Drop for Context {
    /// However the context ends (done, cancel, the connection gone), its job stops and
    /// gives its worker back.
    fn drop(&mut self) {
        self.cancel.cancel();
        self.state
            .metrics
            .contexts_open
            .get_or_create(&realtime())
            .dec();
    }
}

fn realtime() -> ApiLabels {
    ApiLabels {
        api: Api::Realtime.name(),
    }
}

/// The context's job, then its last frame: `done`, or `error` with what went wrong. A
/// cancelled context (or a connection gone) gets no last frame.
async fn speak(
    state: Arc<AppState>,
    job: Job<ContextFrames>,
    outbox: Outbox,
    cancel: CancellationToken,
    uid: u64,
    id: Arc<str>,
) {
    let outcome = pipeline::run(Arc::clone(&state), job, outbox.clone(), cancel).await;
    pipeline::record_outcome(&state, Api::Realtime, &outcome);
    let json = match outcome {
        Ok(_) => wire::event("done", &id),
        Err(StreamFailure::ClientGone | StreamFailure::LeftQueue) => return,
        Err(failure) => {
            let (code, _) = failure.codes();
            wire::error(Some(&id), code, &failure.to_string())
        }
    };
    let last = Out {
        uid,
        context_id: id,
        json,
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
}

impl ContextFrames {
    fn out(&self, json: String) -> Out {
        Out {
            uid: self.uid,
            context_id: Arc::clone(&self.id),
            json,
            last: false,
        }
    }
}

impl Framer for ContextFrames {
    type Frame = Out;

    fn audio(&mut self, seq: u64, data: &[u8]) -> Out {
        self.out(wire::audio(&self.id, seq, data))
    }

    fn words(&mut self, words: &[WordTiming]) -> Option<Out> {
        let json = json!({"type": "timestamps", "context_id": &*self.id, "words": words});
        Some(self.out(json.to_string()))
    }

    fn flushed(&mut self) -> Option<Out> {
        Some(self.out(wire::event("flushed", &self.id)))
    }
}
