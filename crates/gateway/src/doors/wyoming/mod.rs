//! The Wyoming protocol (Home Assistant's voice pipeline), on its own TCP port
//! (`WYOMING_PORT`), beside HTTP under the same shutdown. What is supported:
//! docs/WYOMING.md.
//!
//! [`wire`] frames events (a JSON header line, then data and payload); [`connection`]
//! answers `describe`, and runs one-shot and streamed synthesis on the shared pipeline as
//! raw 16-bit PCM at the voice's rate.

mod connection;
pub(crate) mod wire;

pub use connection::serve;
