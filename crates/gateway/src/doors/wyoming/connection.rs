//! One Wyoming connection: `describe` → `info`; `synthesize` → `audio-start`,
//! `audio-chunk`s, `audio-stop`; `synthesize-start`, `synthesize-chunk`s,
//! `synthesize-stop` → the same audio events, then `synthesize-stopped`. One synthesis at
//! a time per connection, as Wyoming clients use it.
//!
//! A reader task turns the socket into events, so this loop can wait for the next event,
//! the synthesis' next audio and the segmenter's deadline at once.

use super::wire::{self, Event};
use crate::doors::http::{self, RawAudio};
use crate::guard::{self, Client, Refusal};
use crate::pipeline::request::DEFAULT_VOICES;
use crate::pipeline::{
    self, first_audio, resolve, segment_queue, Api, Framed, Job, Produced, SegmentSender,
    Segmenter, SegmenterConfig, StreamFailure, Text, Wanted,
};
use crate::state::AppState;
use axum::body::Bytes;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::sleep_until;
use tokio_util::sync::{CancellationToken, DropGuard};
use tts_core::{language_matches, AudioFormat};

/// Accepts connections until `stop`; each runs on the gateway's stream tracker.
pub async fn serve(state: Arc<AppState>, listener: TcpListener, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                let conn = connection(Arc::clone(&state), stream, peer, stop.clone());
                state.streams.spawn(conn);
            }
            Err(e) => {
                tracing::warn!(error = %e, "wyoming: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// The synthesis running on a connection.
struct Synthesis {
    rx: mpsc::Receiver<Framed<Bytes>>,
    handle: JoinHandle<Result<Produced, StreamFailure>>,
    _cancel: DropGuard,
    /// The streamed text still to come (`synthesize-start` … `synthesize-stop`).
    input: Option<(Segmenter, SegmentSender)>,
    streaming: bool,
    /// What was streamed, to know HA's one-shot copy of it.
    text: String,
    /// That copy already came (during the stream).
    copy_seen: bool,
    rate: u32,
    started: bool,
    since: Instant,
}

struct Conn {
    state: Arc<AppState>,
    client: Client,
    w: OwnedWriteHalf,
    active: Option<Synthesis>,
    /// The text of the last streamed synthesis: Home Assistant also sends it as one
    /// `synthesize` (for servers that do not stream), which is not spoken twice.
    last_streamed: Option<String>,
}

async fn connection(
    state: Arc<AppState>,
    stream: TcpStream,
    peer: SocketAddr,
    stop: CancellationToken,
) {
    let client = guard::anonymous(&state, peer);
    let (read_half, w) = stream.into_split();
    let (events_tx, mut events) = mpsc::channel(16);
    let reader = tokio::spawn(async move {
        let mut r = BufReader::new(read_half);
        loop {
            let e = wire::read(&mut r).await;
            let end = !matches!(e, Ok(Some(_)));
            if events_tx.send(e).await.is_err() || end {
                break;
            }
        }
    });
    let deadline = state.shutdown_deadline.clone();
    let mut conn = Conn {
        state,
        client,
        w,
        active: None,
        last_streamed: None,
    };
    loop {
        let release = conn
            .active
            .as_ref()
            .and_then(|s| s.input.as_ref())
            .and_then(|(segmenter, _)| segmenter.deadline());
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        let step = tokio::select! {
            biased;
            _ = stop.cancelled(), if conn.active.is_none() => break,
            _ = deadline.cancelled() => break,
            e = events.recv() => match e {
                Some(Ok(Some(event))) => conn.on_event(event).await,
                Some(Err(e)) => {
                    let _ = conn.error("bad-event", &e.to_string()).await;
                    break;
                }
                Some(Ok(None)) | None => break,
            },
            frame = next_frame(&mut conn.active) => conn.on_frame(frame).await,
            _ = sleep_until(release.unwrap_or(far).into()), if release.is_some() => {
                conn.expire();
                Ok(())
            }
        };
        if step.is_err() {
            break;
        }
    }
    reader.abort();
}

/// The running synthesis' next frame (`None` once it ended); never, when none runs.
async fn next_frame(active: &mut Option<Synthesis>) -> Option<Framed<Bytes>> {
    match active {
        Some(s) => s.rx.recv().await,
        None => std::future::pending().await,
    }
}

type Step = Result<(), std::io::Error>;

impl Conn {
    async fn write(&mut self, kind: &str, data: Value, payload: &[u8]) -> Step {
        let bytes = wire::encode(kind, &data, payload);
        let limit = self.state.settings.slow_client_timeout;
        match tokio::time::timeout(limit, self.w.write_all(&bytes)).await {
            Ok(done) => done,
            Err(_) => Err(std::io::Error::other(
                "the client read nothing for too long",
            )),
        }
    }

    async fn error(&mut self, code: &str, text: &str) -> Step {
        self.write("error", json!({"text": text, "code": code}), &[])
            .await
    }

    async fn on_event(&mut self, e: Event) -> Step {
        let text = e
            .data
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match e.kind.as_str() {
            "describe" => {
                let info = info(&self.state);
                self.write("info", info, &[]).await
            }
            "ping" => self.write("pong", json!({"text": text}), &[]).await,
            "synthesize" => {
                // The one-shot copy of a streamed text, sent during the stream or after it.
                let copy = self.last_streamed.take().map(|t| normal(&t)) == Some(normal(text));
                if let Some(s) = self.active.as_mut().filter(|s| s.streaming) {
                    s.copy_seen = true;
                    return Ok(());
                }
                if copy {
                    return Ok(());
                }
                if let Err(m) = http::check_text(&self.state, text) {
                    return self.error("bad-text", &m).await;
                }
                let text = Text::Whole(text.to_string());
                self.start(&e.data, text, None).await
            }
            "synthesize-start" => {
                let (tx, rx) = segment_queue();
                let segmenter = Segmenter::new(SegmenterConfig {
                    max_buffer_delay: self.state.settings.realtime.max_buffer_delay,
                    ..Default::default()
                });
                self.start(&e.data, Text::Incremental(rx), Some((segmenter, tx)))
                    .await
            }
            "synthesize-chunk" => self.chunk(text).await,
            "synthesize-stop" => {
                if let Some(s) = self.active.as_mut() {
                    if let Some((mut segmenter, tx)) = s.input.take() {
                        if let Some(last) = segmenter.finish() {
                            tx.send(last);
                        }
                        if !s.copy_seen {
                            self.last_streamed = Some(s.text.clone());
                        }
                        return Ok(());
                    }
                }
                self.error("not-streaming", "synthesize-stop without synthesize-start")
                    .await
            }
            other => {
                let m = format!("event {other:?} is not supported by this TTS server");
                self.error("unsupported", &m).await
            }
        }
    }

    async fn chunk(&mut self, text: &str) -> Step {
        let limit = self.state.settings.realtime.max_buffered_bytes;
        let Some(s) = self.active.as_mut() else {
            return self
                .error("not-streaming", "synthesize-chunk without synthesize-start")
                .await;
        };
        let Some((segmenter, tx)) = s.input.as_mut() else {
            return self
                .error("not-streaming", "synthesize-chunk after synthesize-stop")
                .await;
        };
        if segmenter.buffered() + tx.pending() + text.len() > limit {
            let m = format!(
                "more than {limit} bytes of text not yet spoken (REALTIME_MAX_BUFFERED_BYTES)"
            );
            return self.error("too-much-text", &m).await;
        }
        s.text.push_str(text);
        for segment in segmenter.push(text, Instant::now()) {
            tx.send(segment);
        }
        Ok(())
    }

    fn expire(&mut self) {
        if let Some((segmenter, tx)) = self.active.as_mut().and_then(|s| s.input.as_mut()) {
            if let Some(segment) = segmenter.expire(Instant::now()) {
                tx.send(segment);
            }
        }
    }

    /// Starts a synthesis in the voice `data` names.
    async fn start(
        &mut self,
        data: &Map<String, Value>,
        text: Text,
        input: Option<(Segmenter, SegmentSender)>,
    ) -> Step {
        if self.active.is_some() {
            let m = "a synthesis is running on this connection; wait for its audio-stop";
            return self.error("busy", m).await;
        }
        let (request, hold) = match self.request(data).await {
            Ok(r) => r,
            Err((code, m)) => return self.error(code, &m).await,
        };
        let rate = request.sample_rate_hz;
        let job = Job {
            request: Arc::new(request),
            text,
            framer: RawAudio,
            api: Api::Wyoming,
            encode: true,
            retain: false,
            hold,
        };
        let cancel = CancellationToken::new();
        let buffer = self.state.settings.stream_buffer_frames;
        let (rx, handle) = pipeline::spawn(&self.state, job, cancel.clone(), buffer);
        self.active = Some(Synthesis {
            rx,
            handle,
            _cancel: cancel.drop_guard(),
            streaming: input.is_some(),
            input,
            text: String::new(),
            copy_seen: false,
            rate,
            started: false,
            since: Instant::now(),
        });
        Ok(())
    }

    async fn request(
        &self,
        data: &Map<String, Value>,
    ) -> Result<(crate::pipeline::SpeechRequest, crate::auth::Slot), (&'static str, String)> {
        let voice = voice(&self.state, data.get("voice"))?;
        let native = self
            .state
            .catalog
            .find_any(&voice)
            .map_or(16_000, |v| v.sample_rate_hz);
        let cache = match data.get("cache") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err((
                    "bad-option",
                    format!("cache must be true or false, not {other}"),
                ))
            }
        };
        let mut request = resolve(
            &self.state,
            Wanted {
                provider: None,
                voice: &voice,
                language: None,
                format: AudioFormat::Pcm16,
                sample_rate_hz: native,
                bitrate_kbps: None,
                speed: None,
                pitch: None,
                word_timestamps: false,
                reading: Default::default(),
            },
        )
        .map_err(|u| ("bad-voice", u.message))?;
        request.cache.enabled = cache;
        let slot = guard::rate_limit(&self.state, &self.client)
            .await
            .map_err(|r| match r {
                Refusal::RateLimited { detail, .. } => ("rate-limited", detail),
                other => ("unavailable", other.to_string()),
            })?;
        Ok((request, slot))
    }

    /// Writes the synthesis' audio, or its end once its frames are out.
    async fn on_frame(&mut self, frame: Option<Framed<Bytes>>) -> Step {
        let Some(s) = self.active.as_mut() else {
            return Ok(());
        };
        let format = json!({"rate": s.rate, "width": 2, "channels": 1});
        let Some(frame) = frame else {
            let mut s = self.active.take().expect("a synthesis runs");
            let outcome = s.handle.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "wyoming producer panicked");
                Err(StreamFailure::ClientGone)
            });
            match outcome {
                Ok(_) => {
                    if !s.started {
                        self.write("audio-start", format, &[]).await?;
                    }
                    self.write("audio-stop", json!({}), &[]).await?;
                }
                Err(f) => {
                    let (code, _) = f.codes();
                    self.error(&format!("synthesis-failed-{code}"), &f.to_string())
                        .await?;
                }
            }
            if s.streaming {
                s.input = None;
                self.write("synthesize-stopped", json!({}), &[]).await?;
            }
            return Ok(());
        };
        if !s.started {
            s.started = true;
            first_audio(&self.state, Api::Wyoming, s.since);
            self.write("audio-start", format.clone(), &[]).await?;
        }
        self.write("audio-chunk", format, &frame.frame).await
    }
}

/// Compares texts whatever their spacing.
fn normal(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The voice `voice` (`{"name"}`, `{"language"}` or nothing) asks for.
fn voice(state: &AppState, voice: Option<&Value>) -> Result<String, (&'static str, String)> {
    let all = state.catalog.all();
    if let Some(name) = voice.and_then(|v| v["name"].as_str()) {
        return Ok(name.to_string());
    }
    if let Some(language) = voice.and_then(|v| v["language"].as_str()) {
        return all
            .iter()
            .find(|v| language_matches(language, &v.language))
            .map(|v| v.id.clone())
            .ok_or_else(|| ("bad-voice", format!("no voice speaks {language:?}")));
    }
    DEFAULT_VOICES
        .iter()
        .find(|id| state.catalog.find_any(id).is_some())
        .map(|id| id.to_string())
        .or_else(|| all.first().map(|v| v.id.clone()))
        .ok_or_else(|| ("bad-voice", "no voice runs on this gateway".to_string()))
}

/// `info`: one TTS program, every voice with its language; streaming supported.
fn info(state: &AppState) -> Value {
    let attribution = json!({"name": "tts-gateway", "url": "https://github.com/"});
    let voices: Vec<Value> = state
        .catalog
        .all()
        .iter()
        .map(|v| {
            json!({
                "name": v.id,
                "attribution": {"name": v.provider, "url": ""},
                "installed": true,
                "description": v.name,
                "version": null,
                "languages": [v.language],
                "speakers": null,
            })
        })
        .collect();
    json!({
        "asr": [], "handle": [], "intent": [], "wake": [], "mic": [], "snd": [],
        "tts": [{
            "name": "tts-gateway",
            "attribution": attribution,
            "installed": true,
            "description": "tts-gateway: every engine and voice of the gateway",
            "version": env!("CARGO_PKG_VERSION"),
            "voices": voices,
            "supports_synthesize_streaming": true,
        }],
    })
}
