//! The one synthesis pipeline every door calls: text → segmenter → engine →
//! resampler/encoder → the door's frames.
//!
//! Doors (`crate::doors`: the session socket, `/file`, the OpenAI API, the realtime
//! socket) only translate their wire messages into a [`SpeechRequest`] and [`Text`], hand
//! a [`Framer`] for their wire format, and drain the frames. Admission, timeouts,
//! retries before first audio, the circuit breaker, slow-reader protection and the
//! pipeline's metrics live here, once.

mod failure;
mod job;
pub mod request;
pub mod segmenter;
mod source;
mod speak;
pub mod speakable;

pub use failure::{close, StreamFailure};
pub use job::{
    first_audio, run, segment_queue, spawn, Api, Framed, Framer, Job, Produced, SegmentSender,
    Text, WordTiming,
};
pub use request::{resolve, SpeechRequest, Unservable, Wanted};
pub use segmenter::{Segment, Segmenter, SegmenterConfig};
pub use speak::CacheMark;

/// The gateway's phrase cache, whose flights hand over the pipeline's engine sources.
pub type Cache = crate::cache::PhraseCache<source::Source>;
pub use speakable::{TextOptions, TextType, Unreadable};

use crate::metrics::ApiOutcomeLabels;
use crate::state::AppState;

/// Counts a stream's outcome under its door: `completed`, `cancelled` (the client left
/// or cancelled), `refused` (queue full, breaker open, shutting down) or `failed`.
pub fn record_outcome<T>(state: &AppState, api: Api, outcome: &Result<T, StreamFailure>) {
    let outcome = match outcome {
        Ok(_) => "completed",
        Err(StreamFailure::ClientGone | StreamFailure::LeftQueue) => "cancelled",
        Err(
            StreamFailure::QueueFull | StreamFailure::CircuitOpen(_) | StreamFailure::ShuttingDown,
        ) => "refused",
        Err(failure) => {
            tracing::info!(api = api.name(), %failure, "stream failed");
            "failed"
        }
    };
    state
        .metrics
        .api_streams
        .get_or_create(&ApiOutcomeLabels {
            api: api.name(),
            outcome,
        })
        .inc();
}
