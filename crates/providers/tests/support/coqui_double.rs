//! A local double of Coqui TTS's `tts-server` (TTS/server/server.py): `GET /api/tts`
//! with `text`, `speaker_id`, `style_wav` and `language_id`, answering `audio/wav`
//! (RIFF header with a LIST chunk, 16-bit PCM mono), sent in small pieces with pauses.
//!
//! Markers in the text choose a misbehaviour: `[slow]` answers after 10 s, `[fail]`
//! answers 500, `[malformed]` sends a body that is not RIFF, `[stall]` sends the header
//! and then nothing, `[endless]` streams audio until the client goes away, `[gated]`
//! holds everything after the header until the test opens the gate.
//!
//! [`CoquiDouble::start_tls`] serves the same over https, with a self-signed certificate
//! made when the test starts.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio_rustls::rustls::pki_types::PrivatePkcs8KeyDer;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Seconds of audio the double says per character of text.
pub const SECONDS_PER_CHAR: f64 = 0.07;
/// Bytes per body piece, and the pause between pieces.
const PIECE: usize = 2048;
const PAUSE: Duration = Duration::from_millis(3);

/// What the test can observe and steer.
pub struct Observed {
    /// The query of the last request.
    pub last_query: Mutex<HashMap<String, String>>,
    /// Body pieces sent so far, over all requests.
    pub pieces_sent: AtomicUsize,
    /// Notified when a response body is dropped before its end (the client went away).
    pub body_dropped: Notify,
    /// `[gated]` responses wait for a permit after their header.
    pub gate: Semaphore,
}

impl Default for Observed {
    fn default() -> Self {
        Self {
            last_query: Mutex::default(),
            pieces_sent: AtomicUsize::new(0),
            body_dropped: Notify::new(),
            gate: Semaphore::new(0),
        }
    }
}

/// A running double.
pub struct CoquiDouble {
    pub url: String,
    pub observed: Arc<Observed>,
    pub sample_rate: u32,
}

impl CoquiDouble {
    /// Binds 127.0.0.1 on a free port and serves WAV at `sample_rate`.
    pub async fn start(sample_rate: u32) -> Self {
        let observed = Arc::new(Observed::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = router(&observed, sample_rate);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            observed,
            sample_rate,
        }
    }

    /// As [`CoquiDouble::start`], over https with a self-signed certificate for
    /// 127.0.0.1 made now. Returns the certificate in PEM, for the client to trust.
    pub async fn start_tls(sample_rate: u32) -> (Self, String) {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let key = PrivatePkcs8KeyDer::from(signing_key.serialize_der());
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], key.into())
            .unwrap();
        let observed = Arc::new(Observed::default());
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}", tcp.local_addr().unwrap());
        let listener = TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        };
        let app = router(&observed, sample_rate);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let double = Self {
            url,
            observed,
            sample_rate,
        };
        (double, cert.pem())
    }
}

fn router(observed: &Arc<Observed>, sample_rate: u32) -> Router {
    Router::new()
        .route("/api/tts", get(tts))
        .with_state((Arc::clone(observed), sample_rate))
}

/// Accepts TCP connections and completes their TLS handshake; a client that refuses the
/// certificate fails its handshake, and the next connection is awaited.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

async fn tts(
    State((observed, rate)): State<(Arc<Observed>, u32)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let text = query.get("text").cloned().unwrap_or_default();
    *observed.last_query.lock() = query;
    if text.contains("[slow]") {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    if text.contains("[fail]") {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Traceback (most recent call last): ...",
        )
            .into_response();
    }
    if text.contains("[malformed]") {
        return wav_response(Body::from("RIFX this is not a wave file at all"));
    }
    let seconds = text.chars().count() as f64 * SECONDS_PER_CHAR;
    let samples = speech_like((seconds * f64::from(rate)) as usize, rate);
    let endless = text.contains("[endless]");
    let header = wav_header(
        rate,
        if endless {
            u32::MAX
        } else {
            (samples.len() * 2) as u32
        },
    );
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let body = Pieces {
        header: Some(header),
        data,
        offset: 0,
        endless,
        stall: text.contains("[stall]"),
        gated: text.contains("[gated]"),
        observed,
        finished: false,
    };
    wav_response(Body::from_stream(futures::stream::unfold(
        body,
        Pieces::next,
    )))
}

fn wav_response(body: Body) -> Response {
    ([(header::CONTENT_TYPE, "audio/wav")], body).into_response()
}

/// A 44-byte canonical header plus a LIST chunk before `data`, as Python writers make.
pub fn wav_header(rate: u32, data_len: u32) -> Vec<u8> {
    let list = b"INFOISFT\x06\0\0\0Coqui\0";
    let mut h = b"RIFF".to_vec();
    h.extend(
        data_len
            .saturating_add(36 + 8 + list.len() as u32)
            .to_le_bytes(),
    );
    h.extend(b"WAVEfmt ");
    h.extend(16u32.to_le_bytes());
    h.extend(1u16.to_le_bytes()); // PCM
    h.extend(1u16.to_le_bytes()); // mono
    h.extend(rate.to_le_bytes());
    h.extend((rate * 2).to_le_bytes());
    h.extend(2u16.to_le_bytes());
    h.extend(16u16.to_le_bytes());
    h.extend(b"LIST");
    h.extend((list.len() as u32).to_le_bytes());
    h.extend(list);
    h.extend(b"data");
    h.extend(data_len.to_le_bytes());
    h
}

/// A voiced-sounding signal: 140 Hz harmonics with a syllable-rate envelope.
pub fn speech_like(n: usize, rate: u32) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let envelope = 0.5 + 0.5 * (2.0 * std::f64::consts::PI * 4.0 * t).sin();
            let voice: f64 = (1..=5)
                .map(|k| {
                    (2.0 * std::f64::consts::PI * 140.0 * f64::from(k) * t).sin() / f64::from(k)
                })
                .sum();
            (voice * envelope * 6000.0) as i16
        })
        .collect()
}

struct Pieces {
    header: Option<Vec<u8>>,
    data: Vec<u8>,
    offset: usize,
    endless: bool,
    stall: bool,
    gated: bool,
    observed: Arc<Observed>,
    finished: bool,
}

impl Pieces {
    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Self)> {
        if let Some(h) = self.header.take() {
            return Some((Ok(Bytes::from(h)), self));
        }
        if self.stall {
            std::future::pending::<()>().await;
        }
        if self.gated {
            self.observed.gate.acquire().await.unwrap().forget();
            self.gated = false;
        }
        tokio::time::sleep(PAUSE).await;
        let piece = if self.endless {
            let start = self.offset % self.data.len().max(2);
            let end = (start + PIECE).min(self.data.len());
            self.data[start..end].to_vec()
        } else if self.offset < self.data.len() {
            let end = (self.offset + PIECE).min(self.data.len());
            self.data[self.offset..end].to_vec()
        } else {
            self.finished = true;
            return None;
        };
        self.offset += piece.len();
        self.observed.pieces_sent.fetch_add(1, Ordering::SeqCst);
        Some((Ok(Bytes::from(piece)), self))
    }
}

impl Drop for Pieces {
    fn drop(&mut self) {
        if !self.finished {
            self.observed.body_dropped.notify_one();
        }
    }
}
