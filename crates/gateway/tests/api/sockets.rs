//! A small WebSocket client for the vendor sockets' wire tests.

use crate::helpers::TestApp;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent.
#[derive(Debug)]
pub enum Frame {
    Json(Value),
    Binary,
    /// The close frame's code.
    Closed(u16),
}

pub struct Sock {
    ws: Ws,
}

impl Sock {
    /// Connects to `path` (with its query); panics if the handshake fails.
    pub async fn connect(app: &TestApp, path: &str) -> Self {
        let url = format!("ws://127.0.0.1:{}{path}", app.state.local_addr.port());
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connects");
        Self { ws }
    }

    /// The HTTP status a refused handshake answers.
    pub async fn refused(app: &TestApp, path: &str) -> u16 {
        let url = format!("ws://127.0.0.1:{}{path}", app.state.local_addr.port());
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
            other => panic!("expected a refused handshake, got {other:?}"),
        }
    }

    pub async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    /// Sends without failing if the server closed the socket already.
    pub async fn try_send(&mut self, v: Value) -> bool {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .is_ok()
    }

    /// The server's close, which must be its next frame: its code and reason (the test
    /// fails on any other frame, an end without a close, or nothing within 10 s).
    pub async fn close_reason(&mut self) -> (u16, String) {
        self.close_reason_within(Duration::from_secs(10)).await
    }

    /// The same, waiting up to `limit` for it.
    pub async fn close_reason_within(&mut self, limit: Duration) -> (u16, String) {
        loop {
            let msg = tokio::time::timeout(limit, self.ws.next())
                .await
                .expect("a frame in time");
            match msg {
                Some(Ok(Message::Close(Some(c)))) => return (c.code.into(), c.reason.to_string()),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected a close with a reason, got {other:?}"),
            }
        }
    }

    /// The next frame; fails the test if none comes within 10 s.
    pub async fn next(&mut self) -> Frame {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("a frame within 10 s");
            match msg {
                Some(Ok(Message::Text(t))) => {
                    return Frame::Json(serde_json::from_str(&t).unwrap())
                }
                Some(Ok(Message::Binary(_))) => return Frame::Binary,
                Some(Ok(Message::Close(c))) => {
                    return Frame::Closed(c.map_or(1005, |c| c.code.into()))
                }
                None | Some(Err(_)) => return Frame::Closed(1006),
                Some(Ok(_)) => {}
            }
        }
    }

    /// JSON frames until one matches (it included); panics on a close.
    pub async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            match self.next().await {
                Frame::Json(v) => {
                    let done = pred(&v);
                    seen.push(v);
                    if done {
                        return seen;
                    }
                }
                Frame::Binary => {}
                Frame::Closed(code) => panic!("closed ({code}) after {seen:?}"),
            }
        }
    }
}
