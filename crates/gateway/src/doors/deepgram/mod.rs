//! Deepgram's text-to-speech API: `POST /v1/speak` and the `/v1/speak` WebSocket, so
//! Deepgram's SDKs (and agent frameworks built on them) work with only the base URL
//! changed. What is supported and what is refused: docs/DEEPGRAM.md.
//!
//! A thin door: [`wire`] reads Deepgram's query and messages and maps them to ours
//! (`model` names one of this gateway's voices), [`handler`] runs the REST form on the
//! shared pipeline, [`connection`] is the socket's one context inside `doors::socket`,
//! and [`error`] answers in Deepgram's `{"err_code","err_msg"}` shape.

mod connection;
mod error;
mod handler;
pub(crate) mod wire;

pub use error::CODES;
pub use handler::{speak, upgrade};
