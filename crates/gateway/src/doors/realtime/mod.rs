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

use crate::doors::socket;
use crate::guard;
use crate::pipeline::Api;
use crate::state::AppState;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;

pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let client = guard::identify(&state, peer, &headers, Api::Realtime);
    socket::upgrade(ws, state, client, Api::Realtime, connection::Realtime)
}
