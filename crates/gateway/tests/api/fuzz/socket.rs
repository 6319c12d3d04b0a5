//! A WebSocket client for the fuzz cases: a reader task queues what the server sends,
//! so a case can check what has arrived without waiting, or wait for more.

use super::fail;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use proptest::test_runner::TestCaseError;
use serde_json::Value;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How the server's side of a connection ended.
#[derive(Debug)]
pub enum Ended {
    /// A Close frame: its code and reason.
    Closed(Option<(u16, String)>),
    /// The stream ended without a Close frame.
    Gone,
    Error(String),
}

#[derive(Debug)]
pub enum Incoming {
    Text(String),
    Binary(usize),
    End(Ended),
}

pub struct Client {
    sink: SplitSink<Ws, Message>,
    rx: mpsc::UnboundedReceiver<Incoming>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Client {
    pub async fn connect(url: &str) -> Result<Self, TestCaseError> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| fail(format!("connecting to {url}: {e}")))?;
        let (sink, mut stream) = ws.split();
        let (tx, rx) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            let end = loop {
                let incoming = match stream.next().await {
                    Some(Ok(Message::Text(t))) => Incoming::Text(t.to_string()),
                    Some(Ok(Message::Binary(b))) => Incoming::Binary(b.len()),
                    Some(Ok(Message::Close(f))) => {
                        break Ended::Closed(f.map(|f| (u16::from(f.code), f.reason.to_string())))
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => break Ended::Error(e.to_string()),
                    None => break Ended::Gone,
                };
                if tx.send(incoming).is_err() {
                    return;
                }
            };
            let _ = tx.send(Incoming::End(end));
        });
        Ok(Self { sink, rx, reader })
    }

    pub async fn send(&mut self, text: String) -> Result<(), TestCaseError> {
        self.sink
            .send(Message::Text(text.into()))
            .await
            .map_err(|e| fail(format!("the server stopped reading: {e}")))
    }

    /// The next thing the server sent, if it came within `wait`.
    pub async fn next_raw(&mut self, wait: Duration) -> Option<Incoming> {
        tokio::time::timeout(wait, self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// A JSON message already received, if any; the connection's end is an error here.
    pub fn try_next(&mut self) -> Result<Option<Value>, TestCaseError> {
        match self.rx.try_recv() {
            Ok(incoming) => json(incoming).map(Some).map_err(fail),
            Err(_) => Ok(None),
        }
    }

    /// The next JSON message, within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Result<Value, String> {
        match self.next_raw(wait).await {
            Some(incoming) => json(incoming),
            None => Err(format!("nothing within {wait:?}")),
        }
    }

    /// Sends a Close frame and reads until the server's end; returns what came before it.
    pub async fn close(mut self) -> Result<(Vec<Incoming>, Ended), TestCaseError> {
        let _ = self.sink.send(Message::Close(None)).await;
        let mut before = Vec::new();
        loop {
            match self.next_raw(Duration::from_secs(10)).await {
                Some(Incoming::End(end)) => return Ok((before, end)),
                Some(other) => before.push(other),
                None => return Err(fail("the server did not end the connection".into())),
            }
        }
    }
}

fn json(incoming: Incoming) -> Result<Value, String> {
    match incoming {
        Incoming::Text(t) => serde_json::from_str(&t).map_err(|e| format!("not JSON ({e}): {t}")),
        other => Err(format!("expected a JSON message, got {other:?}")),
    }
}

/// A protocol model: checks each server message against what the client sent.
pub trait Model {
    fn apply(&mut self, m: &Value) -> Result<(), TestCaseError>;
}

/// A connection whose every message goes through a [`Model`].
pub struct Checked<M> {
    pub client: Client,
    pub model: M,
}

impl<M: Model> Checked<M> {
    pub async fn connect(url: &str, model: M) -> Result<Self, TestCaseError> {
        Ok(Self {
            client: Client::connect(url).await?,
            model,
        })
    }

    /// Sends `text`, then checks whatever has arrived.
    pub async fn send(&mut self, text: String) -> Result<(), TestCaseError> {
        self.client.send(text).await?;
        self.pump()
    }

    /// Checks every message already received.
    pub fn pump(&mut self) -> Result<(), TestCaseError> {
        while let Some(m) = self.client.try_next()? {
            self.model.apply(&m)?;
        }
        Ok(())
    }

    /// Receives and checks messages until `done` holds (at most 10 s between two).
    pub async fn until(
        &mut self,
        what: &str,
        done: impl Fn(&mut M) -> bool,
    ) -> Result<(), TestCaseError> {
        while !done(&mut self.model) {
            let m = self
                .client
                .next(Duration::from_secs(10))
                .await
                .map_err(|e| fail(format!("waiting for {what}: {e}")))?;
            self.model.apply(&m)?;
        }
        Ok(())
    }

    /// Closes the connection: nothing may come before the server's end.
    pub async fn close_cleanly(self) -> Result<(), TestCaseError> {
        let (stray, ended) = self.client.close().await?;
        if !stray.is_empty() || !matches!(ended, Ended::Closed(_) | Ended::Gone) {
            return Err(fail(format!(
                "the socket did not close cleanly: {stray:?} {ended:?}"
            )));
        }
        Ok(())
    }
}

/// One life of a context id in a model: from the message that opened it to its end.
#[derive(Debug)]
pub struct Life {
    /// The settings it was opened with.
    pub settings: Value,
    /// On an engine that fails or stalls: it may end on its own at any time.
    pub doomed: bool,
    /// The `seq` its next audio must carry.
    pub next_seq: u64,
    /// Its input was ended: its end follows its audio.
    pub closing: bool,
    pub cancel_sent: bool,
    /// How it ended, once it has.
    pub ended: Option<String>,
}

impl Life {
    pub fn new(settings: Value, doomed: bool, closing: bool) -> Self {
        Self {
            settings,
            doomed,
            next_seq: 1,
            closing,
            cancel_sent: false,
            ended: None,
        }
    }
}
