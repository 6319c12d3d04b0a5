//! `GET /v1/tts/realtime`: a WebSocket that takes text while it is being written and
//! speaks it, with many contexts per connection, `flush`, `close` and `cancel`
//! (barge-in). The protocol is in docs/PROTOCOL.md.
//!
//! [`wire`] parses and writes the messages; `doors::context` runs one context's job on
//! the shared pipeline (its text through the incremental segmenter); [`connection`] owns
//! the socket and is the only writer, which is how cancel can promise silence.

mod connection;
pub mod wire;

use crate::guard;
use crate::pipeline::Api;
use crate::state::AppState;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;

/// Messages over `REALTIME_MAX_MESSAGE_BYTES` are answered with an error and the
/// connection goes on; only beyond this many times the limit does the WebSocket layer
/// itself refuse the frame (close 1009), so the gateway never buffers more.
const HARD_LIMIT_FACTOR: usize = 4;

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let client = guard::identify(&state, peer, &headers, Api::Realtime);
    let hard = state.settings.realtime.max_message_bytes * HARD_LIMIT_FACTOR;
    let tracker = state.streams.clone();
    ws.max_message_size(hard)
        .max_frame_size(hard)
        .on_upgrade(move |socket| tracker.track_future(connection::run(state, socket, client)))
}
