//! OpenAI's speech API: `POST /v1/audio/speech` and `GET /v1/models`, so the official
//! OpenAI SDKs (and agent frameworks built on them) work with only `base_url` changed.
//!
//! A thin door: [`wire`] reads OpenAI's body and maps its names (voices, formats) to
//! ours, [`handler`] calls the shared pipeline and streams its frames as the HTTP body
//! (raw audio, or OpenAI's `speech.audio.delta` / `speech.audio.done` events with
//! `stream_format=sse`), and [`error`] answers in OpenAI's `{"error":{…}}` shape so the
//! SDK raises its usual exceptions.

mod error;
mod handler;
pub(crate) mod wire;

pub use error::OpenAiError;
pub use handler::{models, speech};
