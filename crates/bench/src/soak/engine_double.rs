//! A remote engine the harness can break: a double of Coqui TTS's `tts-server`
//! (`GET /api/tts?text=…` answering `audio/wav`, streamed in pieces) whose behaviour is
//! switched during the run, so the gateway's Coqui provider meets a healthy engine, one
//! that stalls after its header, one that answers 500, and one that sends a body that is
//! not a WAV.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// The rate of the double's WAV (the gateway is told it with `COQUI_SAMPLE_RATE`).
pub const SAMPLE_RATE: u32 = 22_050;
/// Seconds of audio per character of text.
const SECONDS_PER_CHAR: f64 = 0.02;
const PIECE: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Healthy = 0,
    /// The WAV header, then nothing until the client gives up.
    Stall = 1,
    /// 500 with a text body.
    Error = 2,
    /// 200 `audio/wav` whose body is not RIFF.
    Garbage = 3,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Healthy => "healthy",
            Mode::Stall => "stall",
            Mode::Error => "error",
            Mode::Garbage => "garbage",
        }
    }

    fn from_u8(v: u8) -> Self {
        match v {
            1 => Mode::Stall,
            2 => Mode::Error,
            3 => Mode::Garbage,
            _ => Mode::Healthy,
        }
    }
}

#[derive(Default)]
struct Shared {
    mode: AtomicU8,
    requests: AtomicU64,
}

/// A running double; cheap to clone.
#[derive(Clone)]
pub struct EngineDouble {
    pub url: String,
    shared: Arc<Shared>,
}

impl EngineDouble {
    /// Binds 127.0.0.1 on a free port and serves until the process ends.
    pub async fn start() -> Result<Self, String> {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/api/tts", get(tts))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let url = format!(
            "http://{}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { url, shared })
    }

    pub fn set(&self, mode: Mode) {
        self.shared.mode.store(mode as u8, Relaxed);
    }

    pub fn mode(&self) -> Mode {
        Mode::from_u8(self.shared.mode.load(Relaxed))
    }

    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Relaxed)
    }
}

/// The audio the healthy double says for `text`: a tone whose pitch follows the text, so
/// two texts differ and one text always gives the same samples.
pub fn render(text: &str) -> Vec<i16> {
    let n = ((text.chars().count() as f64 * SECONDS_PER_CHAR).max(0.1) * f64::from(SAMPLE_RATE))
        as usize;
    let pitch = 200.0 + (text.bytes().map(u64::from).sum::<u64>() % 400) as f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(SAMPLE_RATE);
            ((2.0 * std::f64::consts::PI * pitch * t).sin() * 8000.0) as i16
        })
        .collect()
}

fn wav_header(data_bytes: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    h.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_bytes.to_le_bytes());
    h
}

async fn tts(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    shared.requests.fetch_add(1, Relaxed);
    let text = query.get("text").cloned().unwrap_or_default();
    let wav = |body: Body| ([(header::CONTENT_TYPE, "audio/wav")], body).into_response();
    match Mode::from_u8(shared.mode.load(Relaxed)) {
        Mode::Error => {
            (StatusCode::INTERNAL_SERVER_ERROR, "the engine double fails").into_response()
        }
        Mode::Garbage => wav(Body::from(
            b"<html>502 Bad Gateway from a proxy in front of the engine</html>".repeat(20),
        )),
        Mode::Stall => {
            let header = Bytes::from(wav_header(u32::MAX - 36));
            let body = futures::stream::once(async move { Ok::<_, std::io::Error>(header) })
                .chain(futures::stream::pending());
            wav(Body::from_stream(body))
        }
        Mode::Healthy => {
            let pcm: Vec<u8> = render(&text).iter().flat_map(|s| s.to_le_bytes()).collect();
            let mut all = wav_header(pcm.len() as u32);
            all.extend_from_slice(&pcm);
            let pieces: Vec<Bytes> = all.chunks(PIECE).map(Bytes::copy_from_slice).collect();
            let body = futures::stream::iter(pieces).then(|piece| async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                Ok::<_, std::io::Error>(piece)
            });
            wav(Body::from_stream(body))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_text_always_sounds_the_same_and_two_texts_differ() {
        assert_eq!(render("Hello there."), render("Hello there."));
        assert_ne!(render("Hello there."), render("Hello where."));
        let header = wav_header(8);
        assert_eq!(&header[..4], b"RIFF");
        assert_eq!(header.len(), 44);
    }
}
