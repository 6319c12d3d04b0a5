//! `GET /v1/tts/realtime`: a WebSocket that takes text while it is being written and
//! speaks it, with many contexts per connection, `flush`, `close` and `cancel`
//! (barge-in). The protocol is in docs/PROTOCOL.md.
//!
//! [`wire`] parses and writes the messages; `doors::context` runs one context's job on
//! the shared pipeline (its text through the incremental segmenter); [`connection`]
//! handles the messages, inside `doors::socket`'s loop, which is the connection's only
//! writer: that is how cancel can promise silence.

mod connection;
pub mod wire;

pub use connection::Realtime;
