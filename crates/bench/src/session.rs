//! One benchmark session against the gateway, the way a client of the contract runs it:
//! `POST /v1/tts/sessions` (201 → `ws_url`), connect the WebSocket, read frames until
//! `eos`, an `error` frame or a close — checking that `seq` runs 1, 2, 3 … without gaps
//! and, for sample formats, that every frame holds whole samples.
//!
//! The clock starts just before the POST, so time to first audio includes session
//! creation, the WebSocket handshake and admission, as a user would experience it.

use crate::frame::{self, Frame};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use futures::StreamExt;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// How long the closing handshake may take once the server has ended a stream.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Why a session failed; the `Display` form is the label in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Failure {
    /// Session creation answered this status instead of 201.
    Http(u16),
    /// The stream ended with an `error` frame carrying this code (503: queue full).
    Ws(i64),
    /// The server closed with this close code, without `eos` or an `error` frame
    /// (1006: the connection ended without a close frame).
    WsClose(u16),
    /// `seq` did not run 1, 2, 3 … (the stream still ended with `eos`).
    SeqGap,
    /// A frame of a sample format held a partial sample (odd byte count for pcm16).
    PartialSample,
    /// A message that is not a frame of the contract.
    BadFrame,
    /// `--verify` only: data that is not base64, or a container without its header.
    BadAudio,
    /// Connection refused, reset, a failed handshake …
    Transport,
    /// The session did not end within `--timeout-secs`.
    Timeout,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Http(code) => write!(f, "HTTP {code}"),
            Failure::Ws(code) => write!(f, "WS {code}"),
            Failure::WsClose(code) => write!(f, "WS close {code}"),
            Failure::SeqGap => f.write_str("seq gap"),
            Failure::PartialSample => f.write_str("partial sample"),
            Failure::BadFrame => f.write_str("bad frame"),
            Failure::BadAudio => f.write_str("bad audio"),
            Failure::Transport => f.write_str("transport error"),
            Failure::Timeout => f.write_str("timeout"),
        }
    }
}

/// A failure with what was seen (an error message, a status body …), for the report.
pub type Failed = (Failure, String);

/// What one session measured. Durations count from just before the POST.
#[derive(Debug, Default)]
pub struct SessionReport {
    /// Until the 201 (or other) answer to the POST was read.
    pub http: Option<Duration>,
    /// Until the WebSocket handshake completed.
    pub handshake: Option<Duration>,
    /// Until the first audio frame arrived.
    pub first_audio: Option<Duration>,
    /// Until `eos` arrived.
    pub total: Option<Duration>,
    pub frames: u64,
    pub audio_bytes: u64,
    pub seq_gaps: u64,
    pub missing_frames: u64,
    pub failure: Option<Failed>,
    /// Open loop only: how much later than its schedule the session started (all
    /// `--concurrency` slots were busy, or the generator fell behind).
    pub start_lag: Option<Duration>,
    /// Sample formats only: the longest a listener who started playing at the first
    /// audio would have waited for more (zero: the stream stayed ahead of real time).
    pub behind: Option<Duration>,
}

/// The container header `--verify` expects at the start of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Container {
    Wav,
    Ogg,
    Flac,
    Mp3,
    Adts,
}

impl Container {
    fn for_format(format: &str) -> Option<Self> {
        match format {
            "wav" => Some(Container::Wav),
            "opus" => Some(Container::Ogg),
            "flac" => Some(Container::Flac),
            "mp3" => Some(Container::Mp3),
            "aac" => Some(Container::Adts),
            _ => None,
        }
    }

    fn starts(self, b: &[u8]) -> bool {
        match self {
            Container::Wav => b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WAVE",
            Container::Ogg => b.starts_with(b"OggS"),
            Container::Flac => b.starts_with(b"fLaC"),
            Container::Mp3 => {
                b.starts_with(b"ID3") || (b.len() >= 2 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
            }
            Container::Adts => b.len() >= 2 && b[0] == 0xFF && b[1] & 0xF6 == 0xF0,
        }
    }
}

/// The checks run on every stream.
#[derive(Clone, Copy, Debug)]
pub struct Checks {
    /// Bytes per sample for headerless sample formats (pcm16: 2); frames must be whole.
    sample_bytes: Option<u64>,
    /// Decode every frame's base64 (and check the container header) instead of
    /// trusting its length.
    verify: bool,
    container: Option<Container>,
    /// Samples per second of the requested audio.
    rate: u32,
}

impl Checks {
    pub fn new(format: &str, verify: bool, rate: u32) -> Self {
        Self {
            sample_bytes: bytes_per_sample(format),
            verify,
            container: Container::for_format(format),
            rate: rate.max(1),
        }
    }
}

/// Bytes per mono sample of the headerless formats, whose duration follows from their size.
pub fn bytes_per_sample(format: &str) -> Option<u64> {
    match format {
        "pcm16" => Some(2),
        "mulaw" | "alaw" => Some(1),
        _ => None,
    }
}

/// Everything a session needs to start, built once and shared by all sessions.
#[derive(Clone, Debug)]
pub struct TargetOptions {
    /// Base URL of the gateway, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// The create-session bodies (or, with `openai`, the speech bodies), already
    /// serialised: one per text, taken in turn by the sessions as they start. At least one.
    pub bodies: Vec<Bytes>,
    /// Sessions go through `POST /v1/audio/speech` instead of a session and its socket.
    pub openai: bool,
    pub format: String,
    /// `sample_rate_hz` of the requested audio.
    pub rate: u32,
    pub verify: bool,
    /// `SO_RCVBUF` for WebSocket sockets (small values make a slow reader felt sooner).
    pub recv_buffer: Option<u32>,
    /// tungstenite's read buffer per connection.
    pub read_buffer: usize,
    /// HTTP connections kept alive for session creation.
    pub http_pool: usize,
    /// An API key sent as `Authorization: Bearer` on every request and handshake.
    pub api_key: Option<String>,
}

/// A gateway to run sessions against: one HTTP client with keep-alive for every POST,
/// and resolved WebSocket addresses.
pub struct Target {
    http: reqwest::Client,
    create_url: String,
    /// `Some(url of /v1/audio/speech)` when sessions go through the OpenAI door.
    speech_url: Option<String>,
    bodies: Vec<Bytes>,
    /// Sessions started so far: which body the next one takes.
    started: std::sync::atomic::AtomicUsize,
    checks: Checks,
    ws_config: WebSocketConfig,
    recv_buffer: Option<u32>,
    resolved: Mutex<HashMap<String, SocketAddr>>,
    /// `Bearer <key>`, when the gateway wants one.
    authorization: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    ws_url: String,
}

impl Target {
    pub fn new(opts: TargetOptions) -> Result<Self, String> {
        let base = opts.url.trim_end_matches('/');
        if !base.starts_with("http://") {
            return Err(format!(
                "--url must be http://host:port (TLS is not supported), got {base:?}"
            ));
        }
        if opts.bodies.is_empty() {
            return Err("no text to send".into());
        }
        let authorization = opts.api_key.as_ref().map(|k| format!("Bearer {k}"));
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(value) = &authorization {
            let value = reqwest::header::HeaderValue::from_str(value)
                .map_err(|_| "--api-key: not a valid header value".to_string())?;
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .no_proxy()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(opts.http_pool)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            http,
            create_url: format!("{base}/v1/tts/sessions"),
            speech_url: opts.openai.then(|| format!("{base}/v1/audio/speech")),
            bodies: opts.bodies,
            started: Default::default(),
            checks: Checks::new(&opts.format, opts.verify, opts.rate),
            ws_config: WebSocketConfig::default().read_buffer_size(opts.read_buffer),
            recv_buffer: opts.recv_buffer,
            resolved: Mutex::new(HashMap::new()),
            authorization,
        })
    }

    /// The body of the next session to start: the texts in turn.
    fn next_body(&self) -> Bytes {
        let n = self
            .started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.bodies[n % self.bodies.len()].clone()
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Creates a session and connects its WebSocket. `t0` is the session's start.
    pub async fn open(&self, t0: Instant, rep: &mut SessionReport) -> Result<Stream, Failed> {
        let ws_url = self.create().await?;
        rep.http = Some(t0.elapsed());
        let addr = self.resolve(&ws_url).await?;
        let tcp = self.connect(addr).await.map_err(transport)?;
        let mut request = ws_url
            .as_str()
            .into_client_request()
            .map_err(|e| (Failure::Transport, format!("WebSocket URL: {e}")))?;
        if let Some(value) = self.authorization.as_deref().and_then(|v| v.parse().ok()) {
            request.headers_mut().insert("authorization", value);
        }
        let (ws, _) =
            tokio_tungstenite::client_async_with_config(request, tcp, Some(self.ws_config))
                .await
                .map_err(|e| (Failure::Transport, format!("WebSocket handshake: {e}")))?;
        rep.handshake = Some(t0.elapsed());
        Ok(Stream {
            ws,
            checks: self.checks,
            t0,
            next_seq: 1,
            pending: None,
            server_done: false,
            scratch: Vec::new(),
            first_at: None,
            heard_secs: 0.0,
        })
    }

    async fn create(&self) -> Result<String, Failed> {
        let response = self
            .http
            .post(&self.create_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(self.next_body())
            .send()
            .await
            .map_err(|e| (Failure::Transport, format!("POST: {e}")))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| (Failure::Transport, format!("POST body: {e}")))?;
        if status != 201 {
            let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            return Err((Failure::Http(status), text));
        }
        serde_json::from_slice::<Created>(&body)
            .map(|c| c.ws_url)
            .map_err(|e| (Failure::Http(201), format!("201 without a ws_url: {e}")))
    }

    /// The socket address of a `ws://host:port/…` URL; names are looked up once.
    async fn resolve(&self, ws_url: &str) -> Result<SocketAddr, Failed> {
        let authority = ws_url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| {
                let why =
                    format!("ws_url {ws_url:?} is not ws://host:port/… (wss is not supported)");
                (Failure::BadFrame, why)
            })?;
        if let Ok(addr) = authority.parse::<SocketAddr>() {
            return Ok(addr);
        }
        if let Some(addr) = self.resolved.lock().expect("resolver cache").get(authority) {
            return Ok(*addr);
        }
        let host_port = if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let addr = tokio::net::lookup_host(host_port)
            .await
            .map_err(transport)?
            .next()
            .ok_or_else(|| (Failure::Transport, format!("{authority} has no address")))?;
        self.resolved
            .lock()
            .expect("resolver cache")
            .insert(authority.to_string(), addr);
        Ok(addr)
    }

    async fn connect(&self, addr: SocketAddr) -> std::io::Result<TcpStream> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if let Some(size) = self.recv_buffer {
            socket.set_recv_buffer_size(size)?;
        }
        let tcp = socket.connect(addr).await?;
        tcp.set_nodelay(true)?;
        Ok(tcp)
    }
}

fn transport(e: impl fmt::Display) -> Failed {
    (Failure::Transport, e.to_string())
}

/// An open audio stream being read and checked.
pub struct Stream {
    ws: WebSocketStream<TcpStream>,
    checks: Checks,
    t0: Instant,
    next_seq: u64,
    /// A check that failed; reported when the stream ends, so the stream is read to its end.
    pending: Option<Failed>,
    /// The server has ended the stream (`eos`, `error` or close): a closing handshake follows.
    server_done: bool,
    scratch: Vec<u8>,
    /// When the first audio arrived, and the seconds of audio received since.
    first_at: Option<Instant>,
    heard_secs: f64,
}

impl Stream {
    /// Reads one message. `Some` when the stream is over: `Ok` after `eos` with every
    /// check passed.
    pub async fn step(&mut self, rep: &mut SessionReport) -> Option<Result<(), Failed>> {
        let msg = match self.ws.next().await {
            Some(Ok(msg)) => msg,
            Some(Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake))) => {
                // What a client sees when the server gives up on it while its socket is
                // full (a slow-client close whose error frame could not be delivered).
                let why = "connection ended without a close frame";
                return Some(Err((Failure::WsClose(1006), why.into())));
            }
            Some(Err(e)) => return Some(Err(transport(e))),
            None => {
                let why = "connection ended without eos, error frame or close frame";
                return Some(Err((Failure::WsClose(1006), why.into())));
            }
        };
        match msg {
            Message::Text(text) => self.frame(text.as_bytes(), rep),
            Message::Close(close) => {
                self.server_done = true;
                let (code, reason) = close.map_or((1005, String::new()), |c| {
                    (u16::from(c.code), c.reason.as_str().to_string())
                });
                Some(Err((Failure::WsClose(code), reason)))
            }
            Message::Binary(_) => Some(Err((Failure::BadFrame, "binary message".into()))),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => None,
        }
    }

    fn frame(&mut self, msg: &[u8], rep: &mut SessionReport) -> Option<Result<(), Failed>> {
        match frame::parse(msg) {
            Ok(Frame::Audio { seq, data }) => {
                if rep.first_audio.is_none() {
                    rep.first_audio = Some(self.t0.elapsed());
                }
                if seq != self.next_seq {
                    rep.seq_gaps += 1;
                    rep.missing_frames += seq.saturating_sub(self.next_seq);
                    let why = format!("expected seq {}, got {seq}", self.next_seq);
                    self.pending.get_or_insert((Failure::SeqGap, why));
                }
                self.next_seq = seq + 1;
                let bytes = match self.audio_bytes(data, rep.frames == 0) {
                    Ok(n) => n,
                    Err(failed) => return Some(Err(failed)),
                };
                rep.frames += 1;
                rep.audio_bytes += bytes;
                self.keep_time(bytes, rep);
                if let Some(width) = self.checks.sample_bytes {
                    if bytes % width != 0 {
                        let why = format!(
                            "frame {seq} has {bytes} bytes, not whole {width}-byte samples"
                        );
                        self.pending.get_or_insert((Failure::PartialSample, why));
                    }
                }
                None
            }
            Ok(Frame::Eos) => {
                self.server_done = true;
                rep.total = Some(self.t0.elapsed());
                Some(self.pending.take().map_or(Ok(()), Err))
            }
            Ok(Frame::Error { code }) => {
                self.server_done = true;
                let text = String::from_utf8_lossy(&msg[..msg.len().min(200)]).into_owned();
                Some(Err((Failure::Ws(code), text)))
            }
            Err(frame::BadFrame(why)) => Some(Err((Failure::BadFrame, why))),
        }
    }

    /// Playback from the first audio on: how long this frame kept a listener waiting.
    fn keep_time(&mut self, bytes: u64, rep: &mut SessionReport) {
        let Some(width) = self.checks.sample_bytes else {
            return;
        };
        let now = Instant::now();
        let first = *self.first_at.get_or_insert(now);
        let wait = now.duration_since(first).as_secs_f64() - self.heard_secs;
        let wait = Duration::from_secs_f64(wait.max(0.0));
        rep.behind = Some(rep.behind.unwrap_or_default().max(wait));
        self.heard_secs += bytes as f64 / width as f64 / f64::from(self.checks.rate);
    }

    fn audio_bytes(&mut self, b64: &[u8], first: bool) -> Result<u64, Failed> {
        if !self.checks.verify {
            return frame::decoded_len(b64)
                .map(|n| n as u64)
                .ok_or_else(|| (Failure::BadFrame, format!("base64 of length {}", b64.len())));
        }
        self.scratch.clear();
        STANDARD
            .decode_vec(b64, &mut self.scratch)
            .map_err(|e| (Failure::BadAudio, format!("base64: {e}")))?;
        if let (true, Some(container)) = (first, self.checks.container) {
            if !container.starts(&self.scratch) {
                let head = &self.scratch[..self.scratch.len().min(8)];
                return Err((
                    Failure::BadAudio,
                    format!("no {container:?} header: {head:02x?}"),
                ));
            }
        }
        Ok(self.scratch.len() as u64)
    }

    /// Reads the stream until it ends.
    pub async fn read_to_end(&mut self, rep: &mut SessionReport) -> Result<(), Failed> {
        loop {
            if let Some(end) = self.step(rep).await {
                return end;
            }
        }
    }

    /// Completes the closing handshake after the server ended the stream, so the server
    /// sees a clean close; a stream the client gave up on is simply dropped.
    pub async fn close(mut self) {
        if self.server_done {
            let _ = tokio::time::timeout(CLOSE_WAIT, async {
                while let Some(Ok(_)) = self.ws.next().await {}
            })
            .await;
        }
    }
}

/// One session through `POST /v1/audio/speech`: the body's chunks are its audio.
async fn speech(
    target: &Target,
    url: &str,
    t0: Instant,
    rep: &mut SessionReport,
) -> Result<(), Failed> {
    let response = target
        .http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(target.next_body())
        .send()
        .await
        .map_err(|e| (Failure::Transport, format!("POST: {e}")))?;
    let status = response.status().as_u16();
    rep.http = Some(t0.elapsed());
    if status != 200 {
        let body = response.bytes().await.unwrap_or_default();
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Err((Failure::Http(status), text));
    }
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| (Failure::Transport, format!("body: {e}")))?;
        if rep.first_audio.is_none() && !chunk.is_empty() {
            rep.first_audio = Some(t0.elapsed());
        }
        rep.frames += 1;
        rep.audio_bytes += chunk.len() as u64;
    }
    rep.total = Some(t0.elapsed());
    Ok(())
}

/// Runs one whole session, giving up after `limit`.
pub async fn run(target: &Target, limit: Duration) -> SessionReport {
    let mut rep = SessionReport::default();
    let t0 = Instant::now();
    if let Some(url) = &target.speech_url {
        let outcome = tokio::time::timeout(limit, speech(target, url, t0, &mut rep)).await;
        rep.failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(failed)) => Some(failed),
            Err(_) => Some((Failure::Timeout, format!("no end of body within {limit:?}"))),
        };
        return rep;
    }
    let mut opened = None;
    let outcome = tokio::time::timeout(limit, async {
        let stream = opened.insert(target.open(t0, &mut rep).await?);
        stream.read_to_end(&mut rep).await
    })
    .await;
    rep.failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(failed)) => Some(failed),
        Err(_) => Some((
            Failure::Timeout,
            format!("no end of stream within {limit:?}"),
        )),
    };
    if let Some(stream) = opened {
        stream.close().await;
    }
    rep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_labels_read_like_the_seed_clients() {
        assert_eq!(Failure::Http(429).to_string(), "HTTP 429");
        assert_eq!(Failure::Ws(503).to_string(), "WS 503");
        assert_eq!(Failure::WsClose(1011).to_string(), "WS close 1011");
        assert_eq!(Failure::SeqGap.to_string(), "seq gap");
    }

    #[test]
    fn containers_are_recognised_by_their_first_bytes() {
        assert!(Container::Wav.starts(b"RIFF\x24\0\0\0WAVEfmt "));
        assert!(Container::Ogg.starts(b"OggS\0\x02"));
        assert!(Container::Mp3.starts(b"ID3\x04"));
        assert!(Container::Mp3.starts(&[0xFF, 0xFB, 0x90]));
        assert!(!Container::Mp3.starts(b"RIFF"));
        assert!(!Container::Wav.starts(b"RIFF"));
    }
}
