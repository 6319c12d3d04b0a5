//! The connection loop every socket door with text-in contexts shares (the realtime
//! socket, Deepgram's, ElevenLabs', Cartesia's): it reads client messages and hands them
//! to the door's [`Door`], releases text that waited too long, ends idle connections,
//! and writes every frame from one place.
//!
//! Writing from one place is what makes "no audio of a context after its cancel
//! acknowledgement" hold for every door: a cancel removes the context before the door
//! answers it, and a frame of a context that is gone is dropped here instead of written.

use crate::auth::Slot;
use crate::config::RealtimeLimits;
use crate::doors::context::{Context, ContextWire, Out, Outbox, Start};
use crate::doors::ws::{bounded, write_timed, Sink, Undelivered};
use crate::guard::{self, Client, Refusal};
use crate::metrics::ApiLabels;
use crate::pipeline::{self, close, Api, Framed, SpeechRequest};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::sleep_until;

/// Messages over `REALTIME_MAX_MESSAGE_BYTES` are answered with an error and the
/// connection goes on; only beyond this many times the limit does the WebSocket layer
/// itself refuse the frame (close 1009), so the gateway never buffers more.
const HARD_LIMIT_FACTOR: usize = 4;

/// Accepts the socket of `door` (its handshake already checked) and runs it on the
/// gateway's stream tracker, so shutdown waits for it.
pub fn upgrade<D: Door>(
    ws: WebSocketUpgrade,
    state: Arc<AppState>,
    client: Client,
    door: D,
) -> Response {
    let hard = state.settings.realtime.max_message_bytes * HARD_LIMIT_FACTOR;
    let tracker = state.streams.clone();
    bounded(ws)
        .max_message_size(hard)
        .max_frame_size(hard)
        .on_upgrade(move |socket| tracker.track_future(run(state, socket, client, door)))
}

/// The handshake of a door that checks everything in its messages.
pub async fn accept<D: Door + Default>(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match guard::identify_socket(&state, peer, &headers, query.as_deref(), D::API) {
        Ok(client) => upgrade(ws, state, client, D::default()),
        Err(refusal) => refuse(ws, refusal),
    }
}

/// Accepts a socket only to close it at once with 1008 and the refusal's reason: a
/// browser cannot read the status of a refused handshake, but it can read a close.
pub fn refuse(ws: WebSocketUpgrade, refusal: Refusal) -> Response {
    let (code, reason) = refusal.close_reason();
    bounded(ws).on_upgrade(move |mut socket| async move {
        let close = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        if socket.send(close).await.is_err() {
            return;
        }
        // Wait for the client's Close (bounded), so the connection ends cleanly.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(m)) = socket.recv().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    })
}

/// What a door answers: messages to write, then possibly the end of the connection.
pub enum Reply {
    Send(Message),
    /// Close the connection with this code and reason (after the messages before it).
    Close(u16, String),
}

impl Reply {
    /// A JSON text message.
    pub fn text(json: impl Into<String>) -> Self {
        Reply::Send(Message::Text(json.into().into()))
    }
}

/// One protocol's handling of client messages; the loop around it is [`run`].
pub trait Door: Send + 'static {
    /// The door, for metrics and the authentication hook.
    const API: Api;
    /// What the door keeps about each context.
    type Settings: Send + 'static;

    /// Messages written as soon as the connection opens.
    fn greeting(&mut self) -> Vec<Reply> {
        Vec::new()
    }

    /// One text message of the client.
    fn on_text(
        &mut self,
        contexts: &mut Contexts<Self::Settings>,
        text: &str,
    ) -> impl Future<Output = Vec<Reply>> + Send;

    /// One binary message of the client; no protocol here sends any.
    fn on_binary(&mut self, _contexts: &mut Contexts<Self::Settings>) -> Vec<Reply> {
        vec![self.error(
            400,
            "binary frames are not accepted; send JSON text messages",
        )]
    }

    /// The socket was opened without a key and its next message must carry one; such a
    /// socket is closed if none comes within [`CREDENTIAL_DEADLINE`], not the idle
    /// timeout, so that unauthenticated sockets cannot be held open for long.
    fn credential_due(&self) -> bool {
        false
    }

    /// A context ended: its last frame (end or error) was written.
    fn ended(&mut self, _contexts: &mut Contexts<Self::Settings>, _id: &str) -> Vec<Reply> {
        Vec::new()
    }

    /// A connection-level error (a message too large, idle), in the door's shape.
    fn error(&self, code: u16, message: &str) -> Reply;
}

/// The open contexts of one connection.
pub struct Contexts<S> {
    pub state: Arc<AppState>,
    pub client: Client,
    pub limits: RealtimeLimits,
    api: Api,
    open: HashMap<Arc<str>, Context<S>>,
    /// The stream slot of the context [`Contexts::admit`] let in, until it starts.
    admitted: Option<Slot>,
    next_uid: u64,
    outbox: Outbox,
}

impl<S> Contexts<S> {
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Context<S>> {
        self.open.get_mut(id)
    }

    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    pub fn ids(&self) -> Vec<Arc<str>> {
        self.open.keys().cloned().collect()
    }

    /// Refuses a new context past `REALTIME_MAX_CONTEXTS`, or past the client's rate
    /// limit or its key's limits; the key's stream slot goes to the next [`Contexts::start`].
    pub async fn admit(&mut self) -> Result<(), (u16, String)> {
        let max = self.limits.max_contexts;
        if self.open.len() >= max {
            return Err((
                429,
                format!("{max} contexts are open on this connection (REALTIME_MAX_CONTEXTS); close or cancel one first"),
            ));
        }
        let slot = guard::rate_limit(&self.state, &self.client)
            .await
            .map_err(|r| (r.status().as_u16(), r.to_string()))?;
        self.admitted = Some(slot);
        Ok(())
    }

    /// Starts context `id` (call [`Contexts::admit`] first).
    pub fn start(
        &mut self,
        id: &str,
        request: SpeechRequest,
        settings: S,
        max_buffer_delay: Duration,
        wire: Arc<dyn ContextWire>,
    ) -> &mut Context<S> {
        self.next_uid += 1;
        let start = Start {
            uid: self.next_uid,
            id: Arc::from(id),
            request,
            settings,
            max_buffer_delay,
            api: self.api,
            wire,
            client: self.client.clone(),
            hold: self.admitted.take().unwrap_or_default(),
        };
        let context = Context::start(&self.state, start, self.outbox.clone());
        self.open.entry(Arc::clone(&context.id)).or_insert(context)
    }

    /// Barge-in: the context goes at once, so nothing of it is written after this; its
    /// job stops and gives its worker back. Returns false if no such context is open.
    pub fn cancel(&mut self, id: &str) -> bool {
        let received = Instant::now();
        if self.open.remove(id).is_none() {
            return false;
        }
        let labels = ApiLabels {
            api: self.api.name(),
        };
        let m = &self.state.metrics;
        m.cancels.get_or_create(&labels).inc();
        m.cancel_latency
            .get_or_create(&labels)
            .observe(received.elapsed().as_secs_f64());
        true
    }

    /// Closes every context: what each holds is still spoken.
    pub fn close_all(&mut self) {
        for context in self.open.values_mut() {
            let _ = context.close();
        }
    }
}

/// Why the connection ends.
enum End {
    /// The client sent its Close frame.
    Closed,
    /// The client vanished.
    Gone,
    /// The socket took nothing for the slow-client timeout.
    Stuck,
    Idle,
    Shutdown,
    /// The door closed it.
    Door(u16, String),
}

/// How long a socket opened without a key may wait for the message that carries one.
pub const CREDENTIAL_DEADLINE: Duration = Duration::from_secs(10);

/// Runs one connection of `door` until the client leaves, the door closes it, it idles
/// out or the gateway shuts down. Every context's job stops when it returns.
pub async fn run<D: Door>(state: Arc<AppState>, socket: WebSocket, client: Client, mut door: D) {
    let api = D::API;
    let (mut sink, mut incoming) = socket.split();
    let (outbox, mut frames) = mpsc::channel(state.settings.stream_buffer_frames);
    let write_timeout = state.settings.slow_client_timeout;
    let mut cx = Contexts {
        limits: state.settings.realtime.clone(),
        state,
        client,
        api,
        open: HashMap::new(),
        admitted: None,
        next_uid: 0,
        outbox,
    };
    let mut writer = Writer { write_timeout, api };
    let mut last_activity = Instant::now();
    let credential_by = last_activity + CREDENTIAL_DEADLINE;
    let greeting = door.greeting();
    let mut step = writer.replies(&mut sink, greeting).await;
    while step.is_ok() {
        let far = Instant::now() + Duration::from_secs(3600);
        let release = cx.open.values().filter_map(Context::deadline).min();
        let idle_at = last_activity + cx.limits.idle_timeout;
        let credential_due = door.credential_due();
        let deadline = cx.state.shutdown_deadline.clone();
        step = tokio::select! {
            biased;
            msg = incoming.next() => {
                last_activity = Instant::now();
                match msg {
                    Some(Ok(Message::Text(text))) => {
                        let max = cx.limits.max_message_bytes;
                        let replies = if text.len() > max {
                            vec![door.error(413, &format!(
                                "message of {} bytes is over the limit of {max} (REALTIME_MAX_MESSAGE_BYTES)",
                                text.len()
                            ))]
                        } else {
                            door.on_text(&mut cx, &text).await
                        };
                        writer.replies(&mut sink, replies).await
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let replies = door.on_binary(&mut cx);
                        writer.replies(&mut sink, replies).await
                    }
                    Some(Ok(Message::Close(_))) => Err(End::Closed),
                    None | Some(Err(_)) => Err(End::Gone),
                    Some(Ok(_)) => Ok(()),
                }
            }
            Some(framed) = frames.recv() => {
                last_activity = Instant::now();
                writer.frames(&mut sink, &mut cx, &mut door, framed, &mut frames).await
            }
            _ = sleep_until(release.unwrap_or(far).into()), if release.is_some() => {
                let now = Instant::now();
                cx.open.values_mut().for_each(|c| c.expire(now));
                Ok(())
            }
            _ = sleep_until(idle_at.into()) => Err(End::Idle),
            _ = sleep_until(credential_by.into()), if credential_due => Err(End::Door(
                close::POLICY,
                format!("401: no API key within {} s of opening the socket", CREDENTIAL_DEADLINE.as_secs()),
            )),
            _ = deadline.cancelled() => Err(End::Shutdown),
        };
    }
    // Every context's job stops here (Context's Drop), whatever ended the connection.
    cx.open.clear();
    let idle = cx.limits.idle_timeout.as_secs();
    let (last, code, reason) = match step {
        Ok(()) | Err(End::Gone | End::Stuck) => return,
        Err(End::Closed) => {
            // Our reply to the client's Close is queued; without this flush the socket
            // would be dropped with it unsent, and the client would see a reset instead
            // of a closing handshake.
            let _ = tokio::time::timeout(Duration::from_secs(2), sink.close()).await;
            return;
        }
        Err(End::Idle) => (
            Some(door.error(
                408,
                &format!("no message for {idle} s (REALTIME_IDLE_TIMEOUT_SECONDS); closing"),
            )),
            close::NORMAL,
            "idle".to_string(),
        ),
        Err(End::Shutdown) => (
            None,
            close::RESTART,
            "the gateway is shutting down".to_string(),
        ),
        Err(End::Door(code, reason)) => (None, code, reason),
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        if let Some(Reply::Send(last)) = last {
            sink.send(last).await?;
        }
        sink.send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await
    })
    .await;
}

/// The one writer of a connection.
struct Writer {
    write_timeout: Duration,
    api: Api,
}

impl Writer {
    async fn feed(&self, sink: &mut Sink, message: Message) -> Result<(), End> {
        write_timed(self.write_timeout, sink.feed(message))
            .await
            .map_err(ended)
    }

    async fn flush(&self, sink: &mut Sink) -> Result<(), End> {
        write_timed(self.write_timeout, sink.flush())
            .await
            .map_err(ended)
    }

    /// Writes a door's replies in one flush; a `Close` ends the connection.
    async fn replies(&self, sink: &mut Sink, replies: Vec<Reply>) -> Result<(), End> {
        if replies.is_empty() {
            return Ok(());
        }
        for reply in replies {
            match reply {
                Reply::Send(message) => self.feed(sink, message).await?,
                Reply::Close(code, reason) => {
                    self.flush(sink).await?;
                    return Err(End::Door(code, reason));
                }
            }
        }
        self.flush(sink).await
    }

    /// Writes a context's frame, and whatever else is already waiting, in one flush.
    async fn frames<D: Door>(
        &mut self,
        sink: &mut Sink,
        cx: &mut Contexts<D::Settings>,
        door: &mut D,
        first: Framed<Out>,
        frames: &mut mpsc::Receiver<Framed<Out>>,
    ) -> Result<(), End> {
        let mut next = Some(first);
        let mut after = Vec::new();
        while let Some(framed) = next.take().or_else(|| frames.try_recv().ok()) {
            let Some(context) = cx.open.get_mut(&framed.frame.context_id) else {
                continue;
            };
            if context.uid != framed.frame.uid {
                continue; // A late frame of an earlier context of the same id.
            }
            if framed.audio_bytes > 0 {
                let m = &cx.state.metrics;
                m.stream_chunks.get_or_create(&context.labels).inc();
                m.stream_bytes
                    .get_or_create(&context.labels)
                    .inc_by(framed.audio_bytes as u64);
                if !context.first_audio_sent {
                    context.first_audio_sent = true;
                    pipeline::first_audio(&cx.state, self.api, context.since);
                }
            }
            if let Some(message) = framed.frame.message {
                self.feed(sink, message).await?;
            }
            if framed.frame.last {
                cx.open.remove(&framed.frame.context_id);
                after.extend(door.ended(cx, &framed.frame.context_id));
            }
        }
        self.flush(sink).await?;
        self.replies(sink, after).await
    }
}

fn ended(u: Undelivered) -> End {
    match u {
        Undelivered::Gone => End::Gone,
        Undelivered::Stuck => End::Stuck,
    }
}
