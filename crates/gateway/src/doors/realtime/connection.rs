//! One realtime connection: reads client messages, runs its contexts, and writes every
//! frame from one place, which is what makes "no audio of a context after its
//! `cancelled`" hold: a cancel removes the context before `cancelled` is written, and a
//! frame of a context that is gone is dropped here instead of written.

use super::wire::{self, Command, RealtimeWire, Settings};
use crate::config::RealtimeLimits;
use crate::doors::context::{Context, Out, Outbox, Refused, Start};
use crate::doors::ws::{write_timed, Sink, Undelivered};
use crate::guard::{self, Client, Refusal};
use crate::metrics::ApiLabels;
use crate::pipeline::{self, close, resolve, Api, Framed, Wanted};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::sleep_until;

/// Longest accepted `max_buffer_delay_ms`.
const MAX_BUFFER_DELAY_MS: u64 = 30_000;

struct Connection {
    state: Arc<AppState>,
    client: Client,
    limits: RealtimeLimits,
    contexts: HashMap<Arc<str>, Context<Settings>>,
    next_uid: u64,
    outbox: Outbox,
    write_timeout: Duration,
}

/// Why the connection ends.
enum End {
    /// The client closed or vanished.
    Gone,
    /// The socket took nothing for the slow-client timeout.
    Stuck,
    Idle,
    Shutdown,
}

pub async fn run(state: Arc<AppState>, socket: WebSocket, client: Client) {
    let (mut sink, mut incoming) = socket.split();
    let (outbox, mut frames) = mpsc::channel(state.settings.stream_buffer_frames);
    let mut conn = Connection {
        limits: state.settings.realtime.clone(),
        write_timeout: state.settings.slow_client_timeout,
        state,
        client,
        contexts: HashMap::new(),
        next_uid: 0,
        outbox,
    };
    let mut last_activity = Instant::now();
    let end = loop {
        let far = Instant::now() + Duration::from_secs(3600);
        let release = conn.contexts.values().filter_map(Context::deadline).min();
        let idle_at = last_activity + conn.limits.idle_timeout;
        let deadline = conn.state.shutdown_deadline.clone();
        let step = tokio::select! {
            biased;
            msg = incoming.next() => {
                last_activity = Instant::now();
                match msg {
                    Some(Ok(Message::Text(text))) => conn.on_text(&mut sink, &text).await,
                    Some(Ok(Message::Binary(_))) => {
                        let e = wire::error(None, 400, "binary frames are not accepted; send JSON text messages");
                        conn.send(&mut sink, e).await
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => Err(End::Gone),
                    Some(Ok(_)) => Ok(()),
                }
            }
            Some(framed) = frames.recv() => {
                last_activity = Instant::now();
                conn.on_frame(&mut sink, framed, &mut frames).await
            }
            _ = sleep_until(release.unwrap_or(far).into()), if release.is_some() => {
                let now = Instant::now();
                conn.contexts.values_mut().for_each(|c| c.expire(now));
                Ok(())
            }
            _ = sleep_until(idle_at.into()) => Err(End::Idle),
            _ = deadline.cancelled() => Err(End::Shutdown),
        };
        if let Err(end) = step {
            break end;
        }
    };
    // Every context's job stops here (Context's Drop), whatever ended the connection.
    conn.contexts.clear();
    let idle = conn.limits.idle_timeout.as_secs();
    let (last, code, reason) = match end {
        End::Gone | End::Stuck => return,
        End::Idle => (
            Some(wire::error(
                None,
                408,
                &format!("no message for {idle} s (REALTIME_IDLE_TIMEOUT_SECONDS); closing"),
            )),
            close::NORMAL,
            "idle",
        ),
        End::Shutdown => (None, close::RESTART, "the gateway is shutting down"),
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        if let Some(last) = last {
            sink.send(Message::Text(last.into())).await?;
        }
        sink.send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await
    })
    .await;
}

impl Connection {
    async fn send(&mut self, sink: &mut Sink, json: String) -> Result<(), End> {
        write_timed(self.write_timeout, sink.send(Message::Text(json.into())))
            .await
            .map_err(ended)
    }

    async fn on_text(&mut self, sink: &mut Sink, text: &str) -> Result<(), End> {
        if text.len() > self.limits.max_message_bytes {
            let e = wire::error(
                None,
                413,
                &format!(
                    "message of {} bytes is over the limit of {} (REALTIME_MAX_MESSAGE_BYTES)",
                    text.len(),
                    self.limits.max_message_bytes
                ),
            );
            return self.send(sink, e).await;
        }
        let command = match wire::parse(text) {
            Ok(c) => c,
            Err(bad) => {
                let e = wire::error(bad.context_id.as_deref(), 400, &bad.message);
                return self.send(sink, e).await;
            }
        };
        match command {
            Command::Speak {
                context_id,
                text,
                settings,
            } => self.speak(sink, context_id, &text, *settings).await,
            Command::Flush { context_id } => {
                let result = self.context(&context_id).map(Context::flush);
                self.answer(sink, &context_id, result).await
            }
            Command::Close { context_id } => {
                let result = self.context(&context_id).map(Context::close);
                self.answer(sink, &context_id, result).await
            }
            Command::Cancel { context_id } => self.cancel(sink, &context_id).await,
        }
    }

    fn context(&mut self, id: &str) -> Result<&mut Context<Settings>, (u16, String)> {
        self.contexts.get_mut(id).ok_or_else(|| {
            (
                404,
                format!("unknown context {id:?}: it never started, or already ended"),
            )
        })
    }

    /// Answers the outcome of a command on a context: nothing when it worked.
    async fn answer(
        &mut self,
        sink: &mut Sink,
        id: &str,
        result: Result<Result<(), Refused>, (u16, String)>,
    ) -> Result<(), End> {
        let (code, message) = match result {
            Ok(Ok(())) => return Ok(()),
            Err(e) => e,
            Ok(Err(Refused::Closed)) => (
                409,
                format!("context {id:?} was closed; it takes no more text"),
            ),
            Ok(Err(Refused::TooMuch(limit))) => (
                413,
                format!(
                    "context {id:?} would hold more than {limit} bytes of text not yet spoken \
                     (REALTIME_MAX_BUFFERED_BYTES); send less at once, or wait for its audio"
                ),
            ),
        };
        self.send(sink, wire::error(Some(id), code, &message)).await
    }

    async fn speak(
        &mut self,
        sink: &mut Sink,
        id: String,
        text: &str,
        settings: Settings,
    ) -> Result<(), End> {
        let limit = self.limits.max_buffered_bytes;
        if let Some(context) = self.contexts.get_mut(id.as_str()) {
            let result = if settings.is_empty() || settings == context.settings {
                Ok(context.push(text, limit))
            } else {
                Err((
                    409,
                    format!(
                        "context {id:?} keeps the settings of its first speak; send text only, \
                         or start a new context for other settings"
                    ),
                ))
            };
            return self.answer(sink, &id, result).await;
        }
        let result = match self.open(&id, settings).await {
            Ok(context) => {
                let context = self.contexts.entry(context.id.clone()).or_insert(context);
                Ok(context.push(text, limit))
            }
            Err(e) => Err(e),
        };
        self.answer(sink, &id, result).await
    }

    /// A new context from its first `speak`.
    async fn open(
        &mut self,
        id: &str,
        settings: Settings,
    ) -> Result<Context<Settings>, (u16, String)> {
        let max = self.limits.max_contexts;
        if self.contexts.len() >= max {
            return Err((
                429,
                format!("{max} contexts are open on this connection (REALTIME_MAX_CONTEXTS); close or cancel one first"),
            ));
        }
        let Some(voice) = settings.voice.as_deref() else {
            return Err((
                400,
                "the first speak of a context needs its settings: at least a voice".into(),
            ));
        };
        let format = match settings.format.as_deref().unwrap_or("pcm16").parse() {
            Ok(f) => f,
            Err(_) => {
                let names: Vec<&str> = tts_core::AudioFormat::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect();
                return Err((400, format!("format must be one of {}", names.join(", "))));
            }
        };
        let delay = match settings.max_buffer_delay_ms {
            None => self.limits.max_buffer_delay,
            Some(ms) if (1..=MAX_BUFFER_DELAY_MS).contains(&ms) => Duration::from_millis(ms),
            Some(ms) => {
                return Err((
                    400,
                    format!("max_buffer_delay_ms must be 1 to {MAX_BUFFER_DELAY_MS} (got {ms})"),
                ))
            }
        };
        for (name, factor) in [("speed", settings.speed), ("pitch", settings.pitch)] {
            if factor.is_some_and(|f| !(0.25..=4.0).contains(&f)) {
                return Err((400, format!("{name} must be between 0.25 and 4.0")));
            }
        }
        let provider = settings.provider.as_deref();
        let native = match provider {
            Some(p) => self.state.catalog.find(p, voice),
            None => self.state.catalog.find_any(voice),
        }
        .map(|v| v.sample_rate_hz);
        let request = resolve(
            &self.state,
            Wanted {
                provider,
                voice,
                language: settings.language.as_deref(),
                format,
                sample_rate_hz: settings.sample_rate_hz.or(native).unwrap_or(16_000),
                bitrate_kbps: settings.bitrate_kbps,
                speed: settings.speed,
                pitch: settings.pitch,
                word_timestamps: settings.word_timestamps.unwrap_or(false),
                reading: settings.reading()?,
            },
        )
        .map_err(|u| (400, u.message))?;
        guard::rate_limit(&self.state, self.client)
            .await
            .map_err(|r| match r {
                Refusal::RateLimited { detail, .. } => (429, detail),
                other => (503, other.to_string()),
            })?;
        self.next_uid += 1;
        let start = Start {
            uid: self.next_uid,
            id: Arc::from(id),
            request,
            settings,
            max_buffer_delay: delay,
            api: Api::Realtime,
            wire: Arc::new(RealtimeWire),
        };
        Ok(Context::start(&self.state, start, self.outbox.clone()))
    }

    /// Barge-in: the context goes first, so nothing of it can be written after
    /// `cancelled`; its job stops and gives its worker back.
    async fn cancel(&mut self, sink: &mut Sink, id: &str) -> Result<(), End> {
        let received = Instant::now();
        if self.contexts.remove(id).is_none() {
            let e = wire::error(
                Some(id),
                404,
                &format!("unknown context {id:?}: it never started, or already ended"),
            );
            return self.send(sink, e).await;
        }
        self.send(sink, wire::event("cancelled", id)).await?;
        let labels = ApiLabels {
            api: Api::Realtime.name(),
        };
        let m = &self.state.metrics;
        m.cancels.get_or_create(&labels).inc();
        m.cancel_latency
            .get_or_create(&labels)
            .observe(received.elapsed().as_secs_f64());
        Ok(())
    }

    /// Writes a context's frame, and whatever else is already waiting, in one flush.
    async fn on_frame(
        &mut self,
        sink: &mut Sink,
        first: Framed<Out>,
        frames: &mut mpsc::Receiver<Framed<Out>>,
    ) -> Result<(), End> {
        let mut next = Some(first);
        while let Some(framed) = next.take().or_else(|| frames.try_recv().ok()) {
            let Some(context) = self.contexts.get_mut(&framed.frame.context_id) else {
                continue;
            };
            if context.uid != framed.frame.uid {
                continue; // A late frame of an earlier context of the same id.
            }
            if framed.audio_bytes > 0 {
                let m = &self.state.metrics;
                m.stream_chunks.get_or_create(&context.labels).inc();
                m.stream_bytes
                    .get_or_create(&context.labels)
                    .inc_by(framed.audio_bytes as u64);
                if !context.first_audio_sent {
                    context.first_audio_sent = true;
                    pipeline::first_audio(&self.state, Api::Realtime, context.since);
                }
            }
            if framed.frame.last {
                self.contexts.remove(&framed.frame.context_id);
            }
            if let Some(message) = framed.frame.message {
                write_timed(self.write_timeout, sink.feed(message))
                    .await
                    .map_err(ended)?;
            }
        }
        write_timed(self.write_timeout, sink.flush())
            .await
            .map_err(ended)
    }
}

fn ended(u: Undelivered) -> End {
    match u {
        Undelivered::Gone => End::Gone,
        Undelivered::Stuck => End::Stuck,
    }
}
