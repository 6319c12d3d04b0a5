//! What the WebSocket doors share: the socket's buffer sizes, writing a stream's frames
//! to a socket with a bound on how long a write may wait, and counting what was delivered.

use crate::metrics::StreamLabels;
use crate::pipeline::{first_audio, Api, Framed};
use crate::state::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::stream::SplitSink;
use futures::SinkExt;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub type Sink = SplitSink<WebSocket, Message>;

/// tungstenite gathers messages up to this many bytes before it writes to the socket (a
/// flush writes whatever is there). A write the socket cannot take stays in the buffer
/// and the sink reports "not ready" until it is written, so a reader that stops reading
/// holds at most this plus one message here; the writer then waits, and gives up after
/// the slow-client timeout. tungstenite's default, 128 KiB, grew the buffer to 256 KiB of
/// capacity per held reader.
pub const WRITE_BUFFER_BYTES: usize = 16 * 1024;
/// The hard cap on that buffer: larger than any single message the gateway writes (a
/// 100 ms audio frame at 192 kHz is 51 KiB of base64), so it is never reached unless the
/// back-pressure above fails; a write past it fails the connection instead of growing.
pub const MAX_WRITE_BUFFER_BYTES: usize = WRITE_BUFFER_BYTES + 128 * 1024;
/// What tungstenite reads from the socket at a time, allocated up front per connection
/// (default 128 KiB). Clients send small JSON messages; a larger one is read in pieces.
pub const READ_BUFFER_BYTES: usize = 8 * 1024;

/// `ws` with the gateway's buffer sizes (see [`WRITE_BUFFER_BYTES`]).
pub fn bounded(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
}

/// Why frames did not reach the client.
#[derive(Debug)]
pub enum Undelivered {
    /// The connection failed or closed.
    Gone,
    /// The socket accepted nothing for the slow-client timeout.
    Stuck,
}

/// Writes one stream's frames and keeps its delivery metrics.
pub struct WsWriter<'a> {
    state: &'a AppState,
    labels: StreamLabels,
    api: Api,
    since: Instant,
    first_sent: bool,
    write_timeout: Duration,
}

impl<'a> WsWriter<'a> {
    /// A writer whose time to first audio counts from `since`.
    pub fn new(state: &'a AppState, labels: StreamLabels, api: Api, since: Instant) -> Self {
        Self {
            state,
            labels,
            api,
            since,
            first_sent: false,
            write_timeout: state.settings.slow_client_timeout,
        }
    }

    pub fn write_timeout(&self) -> Duration {
        self.write_timeout
    }

    /// Writes frames until the producer closes the buffer. Frames that are already
    /// waiting go out in one flush: fewer syscalls under load, same order. A socket that
    /// accepts nothing for the slow-client timeout is given up on.
    pub async fn drain(
        &mut self,
        sink: &mut Sink,
        rx: &mut mpsc::Receiver<Framed<String>>,
    ) -> Result<(), Undelivered> {
        while let Some(framed) = rx.recv().await {
            let mut frames = Vec::with_capacity(1);
            frames.push(framed);
            while let Ok(more) = rx.try_recv() {
                frames.push(more);
            }
            self.write_all(sink, frames).await?;
        }
        Ok(())
    }

    /// Writes `frames` in one flush and counts them.
    async fn write_all(
        &mut self,
        sink: &mut Sink,
        frames: Vec<Framed<String>>,
    ) -> Result<(), Undelivered> {
        let (mut count, mut bytes) = (0u64, 0u64);
        for f in frames {
            if f.audio_bytes > 0 {
                count += 1;
                bytes += f.audio_bytes as u64;
            }
            self.write(sink.feed(Message::Text(f.frame.into()))).await?;
        }
        self.write(sink.flush()).await?;
        if count == 0 {
            return Ok(());
        }
        if !self.first_sent {
            self.first_sent = true;
            let m = &self.state.metrics;
            m.time_to_first_audio
                .get_or_create(&self.labels)
                .observe(self.since.elapsed().as_secs_f64());
            first_audio(self.state, self.api, self.since);
        }
        let m = &self.state.metrics;
        m.stream_chunks.get_or_create(&self.labels).inc_by(count);
        m.stream_bytes.get_or_create(&self.labels).inc_by(bytes);
        Ok(())
    }

    async fn write(
        &self,
        op: impl std::future::Future<Output = Result<(), axum::Error>>,
    ) -> Result<(), Undelivered> {
        write_timed(self.write_timeout, op).await
    }

    pub fn dropped(&self, frames: u64, reason: &'static str) {
        self.state
            .metrics
            .dropped(&self.labels.provider, self.labels.format, reason, frames);
    }
}

/// Runs one socket operation, giving up on it after `limit`.
pub async fn write_timed(
    limit: Duration,
    op: impl std::future::Future<Output = Result<(), axum::Error>>,
) -> Result<(), Undelivered> {
    match tokio::time::timeout(limit, op).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Undelivered::Gone),
        Err(_) => Err(Undelivered::Stuck),
    }
}

/// `{"type":"audio","seq":N,"data":"<base64>"}`, written directly: this runs for every
/// frame of every stream, and a generic serialiser would add a copy and an allocation.
pub fn audio_frame(seq: u64, data: &[u8]) -> String {
    let mut s = String::with_capacity(48 + data.len().div_ceil(3) * 4);
    s.push_str(r#"{"type":"audio","seq":"#);
    let _ = write!(s, "{seq}");
    s.push_str(r#","data":""#);
    STANDARD.encode_string(data, &mut s);
    s.push_str(r#""}"#);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_the_contract_json() {
        let f = audio_frame(7, &[1, 2, 3]);
        let v: serde_json::Value = serde_json::from_str(&f).unwrap();
        assert_eq!(v["type"], "audio");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["data"], "AQID");
    }
}
